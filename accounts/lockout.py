"""Sign-in lock-out with django-axes, counted in the security cache (settings: AXES_*)."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache_timeout
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.shortcuts import render

from core.ratelimit import human_wait


@receiver(setting_changed)
def _forget_axes_cache(setting, **kwargs):
    """axes keeps the cache object it first finds; tests swap the cache per test."""
    if setting in ("CACHES", "AXES_CACHE", "AXES_HANDLER"):
        AxesProxyHandler.implementation = None


def lockout_response(request, original_response=None, credentials=None):
    """429: the sign-in page again, with the typed username and when to try again.

    The login view has already re-rendered its form (the public one or the
    admin's), keeping the username; its "did not match" error is replaced,
    since no password was checked.
    """
    wait = get_cache_timeout(request)
    message = (f"Too many failed attempts to sign in as this user. You can try again in "
               f"{human_wait(wait)}.")
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if form is not None and form.is_bound:
        form.errors.pop(NON_FIELD_ERRORS, None)
        form.add_error(None, ValidationError(message, code="locked_out"))
        context["locked_out"] = message
        original_response.content = original_response.rendered_content
        response = original_response
    else:
        username = (credentials or {}).get("username") or ""
        form = AuthenticationForm(request, initial={"username": username})
        response = render(request, "registration/login.html",
                          {"form": form, "locked_out": message})
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def unavailable_response(request):
    """503: the sign-in page again, with the typed username, while lock-outs cannot be checked.

    Answers a sign-in (a POST with a password); other requests are left to
    core.middleware.UnavailableMiddleware. No password is checked then (it
    could be a guess past a lock-out), and a sign-in that got as far as the
    session is undone.
    """
    if not (request.method == "POST" and "password" in request.POST):
        return None
    request.session.flush()
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = ("Signing in is paused for a moment while we check a part of the site. "
               "Please try again in a minute.")
    response = render(request, "registration/login.html", {
        "form": form, "locked_out": message, "next": request.POST.get("next", "")}, status=503)
    response["Retry-After"] = "60"
    return response
