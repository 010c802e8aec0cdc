from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .forms import DeleteAccountForm, SignupForm


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


@never_cache
def signup(request):
    """A reader account: username, email and a password Django's validators accept."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. You can comment now.")
        return redirect(_safe_next(request))
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html",
                  {"form": form, "next": _safe_next(request, "")}, status=status)


@never_cache
@login_required
def delete_account(request):
    """Delete the reader's account and personal data; comments stay, from "a former reader"."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        with transaction.atomic():
            # Addresses left for outcome notices are personal data too.
            user.bias_reports.update(contact_email="")
            user.delete()
        logout(request)
        messages.success(request, "Your account and personal data have been deleted.")
        return redirect("/")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/delete_account.html", {"form": form}, status=status)
