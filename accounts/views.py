from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from comments import ratelimit
from comments.forms import HONEYPOT_REFUSAL, honeypot_filled

from .forms import DeleteAccountForm, SignupForm

SIGNUP_LIMITS = (ratelimit.Limit("signup-hourly", 5, 3600),)
PASSWORD_RESET_ADDRESS_LIMITS = (ratelimit.Limit("password-reset-hourly", 5, 3600),)
PASSWORD_RESET_EMAIL_LIMITS = (ratelimit.Limit("password-reset-email-hourly", 3, 3600),)


def _address(request):
    return "address:" + ratelimit.fingerprint(ratelimit.client_address(request))


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
    context = {"form": form, "next": _safe_next(request, "")}
    if honeypot_filled(request.POST):
        return render(request, "registration/signup.html",
                      {**context, "notice": HONEYPOT_REFUSAL}, status=400)
    if request.method == "POST" and form.is_valid():
        wait = ratelimit.acquire(SIGNUP_LIMITS, _address(request))
        if wait:
            notice = (f"We accept at most five new accounts an hour from one connection. You "
                      f"can create this one in {ratelimit.human_wait(wait)}; what you typed "
                      f"is still here, except the password.")
            response = render(request, "registration/signup.html",
                              {**context, "notice": notice, "retry_after": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. You can comment now.")
        return redirect(_safe_next(request))
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", context, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited per connection and per address asked for."""

    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"

    def post(self, request, *args, **kwargs):
        if honeypot_filled(request.POST):
            return self.render_to_response(
                self.get_context_data(form=self.get_form(), notice=HONEYPOT_REFUSAL),
                status=400)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Per email too, so that nobody floods one inbox from many connections;
        # the same whether or not an account uses the address, which stays secret.
        email = "email:" + ratelimit.fingerprint(form.cleaned_data["email"].casefold())
        wait = (ratelimit.acquire(PASSWORD_RESET_ADDRESS_LIMITS, _address(self.request))
                or ratelimit.acquire(PASSWORD_RESET_EMAIL_LIMITS, email))
        if wait:
            notice = (f"Too many reset links have been asked for. You can ask again in "
                      f"{ratelimit.human_wait(wait)}; your address is still here.")
            response = self.render_to_response(
                self.get_context_data(form=form, notice=notice, retry_after=wait), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().form_valid(form)


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
