"""Sign-in lock-out with django-axes, counted in the security cache (settings: AXES_*)."""

from axes.checks import Codes, Messages
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache_timeout
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.shortcuts import render

from core import ratelimit
from core.ratelimit import human_wait

# Sign-in attempts one address may make in 15 minutes, whatever the usernames.
# Each attempt costs a password hash (about a second and a half of CPU, even
# for a username nobody has), and axes counts failures per username and
# address only, so one address could otherwise try username after username:
# a password spray, and a way to keep every worker busy. 40 is far more than
# a household or an office sharing an address signs in within 15 minutes
# (readers stay signed in for weeks), and keeps one address to about
# a minute of hashing in each 15.
SIGN_IN_ADDRESS_LIMITS = (ratelimit.Limit("sign-in-address", 40, 15 * 60),)


class SignInHandler(AxesCacheHandler):
    """axes' cache handler, with a limit on sign-in attempts per address besides.

    An attempt is counted, and refused past the limit, before any backend
    checks a password (AxesStandaloneBackend comes first), on every sign-in
    page: ours and the admin's. A refused attempt is not counted against the
    username: no password was checked, and the reader whose account it is may
    be one of the many people behind that address. A successful sign-in does
    not clear the count, or signing in to one's own account would clear the way
    for more guesses. The count is not a lock-out of axes' own, so resetting a
    username's lock-out leaves it alone.
    """

    def is_locked(self, request, credentials=None):
        if super().is_locked(request, credentials):
            return True
        # Raises ratelimit.Unavailable when the count cannot be read: no sign-in then.
        request.sign_in_address_wait = ratelimit.acquire(
            SIGN_IN_ADDRESS_LIMITS, ratelimit.address_key(request))
        return request.sign_in_address_wait > 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and getattr(request, "sign_in_address_wait", 0):
            request.axes_locked_out = True  # answered by lockout_response
            request.axes_credentials = credentials
            return
        super().user_login_failed(sender, credentials, request, **kwargs)


@receiver(setting_changed)
def _forget_axes_cache(setting, **kwargs):
    """axes keeps the cache object it first finds; tests swap the cache per test."""
    if setting in ("CACHES", "AXES_CACHE", "AXES_HANDLER"):
        AxesProxyHandler.implementation = None


@checks.register(checks.Tags.security, checks.Tags.caches)
def _shared_cache_check(app_configs, **kwargs):
    """axes warns (axes.W001) of a cache that each process keeps for itself, where every
    worker would count on its own, but knows its cache handler by name only: the same
    warning for this one."""
    if settings.AXES_HANDLER != f"{__name__}.{SignInHandler.__name__}":
        return []
    backend = settings.CACHES.get(settings.AXES_CACHE, {}).get("BACKEND", "")
    if backend in (f"django.core.cache.backends.{name}" for name in (
            "dummy.DummyCache", "locmem.LocMemCache", "filebased.FileBasedCache")):
        return [checks.Warning(Messages.CACHE_INVALID, id=Codes.CACHE_INVALID)]
    return []


def lockout_response(request, original_response=None, credentials=None):
    """429: the sign-in page again, with the typed username and when to try again.

    The login view has already re-rendered its form (the public one or the
    admin's), keeping the username; its "did not match" error is replaced,
    since no password was checked.
    """
    wait = getattr(request, "sign_in_address_wait", 0)
    if wait:
        message = (f"Too many sign-in attempts have come from your connection. You can try "
                   f"again in {human_wait(wait)}.")
    else:
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
