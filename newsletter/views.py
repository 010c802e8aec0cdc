"""Subscribing (double opt-in), confirming, preferences and leaving, without a sign-in.

Subscribing answers the same whatever the address: a new one gets a
confirmation link, one awaiting confirmation gets it again (and is kept
7 days from then), one already subscribed gets a note with its preferences
link. No choice is stored or changed for an address that is already there,
so the form tells nobody whether an address is subscribed. Links in emails
carry signed tokens (newsletter.tokens).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Case, F, When
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.honeypot import HONEYPOT_REFUSAL, honeypot_filled
from core.mail import as_typed
from core.middleware import takes

from . import tokens
from .edition import due_moment
from .forms import EditionsForm, SubscribeForm
from .models import CONFIRM_DAYS, Subscriber
from .tasks import send_subscription_email

# Every attempt counts, as for sign-up: a refused form is how one would probe.
SUBSCRIBE_LIMITS = (ratelimit.Limit("newsletter-hourly", 5, 3600),)
# Emails to one address, whoever asks: nobody can flood an inbox from many connections.
ADDRESS_LIMITS = (ratelimit.Limit("newsletter-email-hourly", 3, 3600),)
# A form sent again (a double click, a retry) subscribes once: its token and the
# address it subscribed are kept this long, and a twin gets the same page with no
# second email, nor a second share of the inbox's allowance.
SENT_FORMS = (ratelimit.Limit("newsletter-form", 1, 3600),)
UNAVAILABLE = ("We can't take subscriptions for a moment; what you typed is still here. "
               "Please try again in a minute.")
UNKNOWN_ACTION = ("Nothing was changed: this page did not recognise that request. Please "
                  "use the buttons below to save your choices, pause or resume.")
BAD_LINK = {
    "broken": (400, "This link does not work",
               "The link is incomplete or was changed. Copy the whole link from the email, "
               "or subscribe again."),
    "expired": (410, "This confirmation link has expired",
                "Confirmation links work for 7 days, and the address is then forgotten. "
                "Subscribe again to get a new link."),
    # Said the same whether or not the address has subscribed again since (a new
    # subscription, with links of its own): whoever holds an old link is not told.
    "gone": (410, "This subscription no longer exists",
             "The subscription this link was sent for has ended: the address left the "
             "newsletter, or was never confirmed and has been forgotten. The link changes "
             "nothing now. If the address has subscribed again since, the links in its "
             "latest email change or end that subscription. You can subscribe again at "
             "any time."),
}


@never_cache
def subscribe(request):
    """The subscription form; a signed-in reader's address is filled in, one click away."""
    account_email = request.user.email if request.user.is_authenticated else ""
    # As the reader writes it ("bücher.example"); mailbox() keeps the xn-- form again.
    account_email = as_typed(account_email) if account_email else ""
    form = SubscribeForm(request.POST or None,
                         initial={"email": account_email, "is_daily": True})
    context = {"form": form, "account_email": account_email,
               "edition_time": f"{dateformat.time_format(settings.EDITION_TIME, 'g:i A')} "
                               f"({settings.TIME_ZONE} time)"}
    if request.method == "POST":
        refused = ratelimit.check(
            SUBSCRIBE_LIMITS, ratelimit.address_key(request),
            "We accept at most five subscriptions an hour from one connection. You can try "
            "again in {wait}; what you typed is still here.", UNAVAILABLE)
        if refused:
            return _not_now(request, context, refused)
        if honeypot_filled(request.POST):
            return render(request, "newsletter/subscribe.html",
                          {**context, "notice": HONEYPOT_REFUSAL}, status=400)
        if form.is_valid():
            try:
                _subscribe_once(form.cleaned_data)
            except ratelimit.Unavailable:
                return _not_now(request, context, ratelimit.Refused(UNAVAILABLE, 503))
            return redirect("newsletter:check-inbox", permanent=False)
        return render(request, "newsletter/subscribe.html", context, status=400)
    return render(request, "newsletter/subscribe.html", context)


def _not_now(request, context, refused):
    """The form as typed, not checked: nothing was tried."""
    return ratelimit.refusal(request, "newsletter/subscribe.html", context, refused)


def _subscribe_once(data):
    """_subscribe(data), unless the same form (its token) has subscribed the address already.

    Its twin (SENT_FORMS) does nothing, and gets the page the first send got.
    """
    if data["submission_token"] is None:
        return _subscribe(data)
    sent = "form:" + ratelimit.fingerprint(f"{data['submission_token']} {data['email']}")
    now = time.time()
    if ratelimit.acquire(SENT_FORMS, sent, now):
        return
    try:
        _subscribe(data)
    except Exception:
        ratelimit.give_back(SENT_FORMS, sent, now)  # not subscribed: a retry must be able to
        raise


def _subscribe(data):
    """Store a new address with its choices, and queue the one email the address gets."""
    now = timezone.now()
    with transaction.atomic():
        # An address left unconfirmed past its time is forgotten now, as the daily
        # purge would: this request starts afresh, with the choices it makes.
        Subscriber.objects.unconfirmed_since(now - timedelta(days=CONFIRM_DAYS)).filter(
            email=data["email"]).delete()
        subscriber, created = Subscriber.objects.get_or_create(
            email=data["email"], defaults={"is_daily": data["is_daily"]})
        if created:
            subscriber.sections.set(data["sections"])
            subscriber.authors.set(data["authors"])
        elif not subscriber.is_confirmed:
            # Asked for again while waiting: it waits CONFIRM_DAYS from now, as
            # long as the link about to be sent works.
            Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).update(
                created_at=now)
        # An address already known keeps what it had; its owner hears of the request.
        # Past this form's allowance for the inbox, or the one every form shares, the
        # page is the same and no email goes.
        if not ratelimit.acquire_inbox(ADDRESS_LIMITS, data["email"]):
            send_subscription_email.enqueue(subscriber.pk)


@never_cache
@takes("GET", "HEAD")
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


def _bad_link(request, reason):
    status, title, text = BAD_LINK[reason]
    return render(request, "newsletter/bad_link.html", {"title": title, "text": text},
                  status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button, POST confirms: link checkers that open links confirm nothing."""
    try:
        subscriber = tokens.read(token, tokens.CONFIRM)
    except tokens.BadLink as bad:
        # A link past CONFIRM_DAYS is "expired" (tokens.read): the link's own age
        # counts, not the address's, which may have been asked for again since.
        return _bad_link(request, bad.reason)
    if request.method == "POST":
        if not subscriber.is_confirmed:
            Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now())
            messages.success(request, "You are subscribed. The next edition comes at "
                                      "the usual time; you can change it here at any time.")
        return redirect("newsletter:preferences", tokens.make(subscriber, tokens.MANAGE))
    return render(request, "newsletter/confirm.html", {
        "subscriber": subscriber, "token": token,
        "manage_token": tokens.make(subscriber, tokens.MANAGE)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    """Change what is followed, pause or resume; the page links to leaving."""
    try:
        subscriber = tokens.read(token, tokens.MANAGE)
    except tokens.BadLink as bad:
        return _bad_link(request, bad.reason)
    current = {"is_daily": subscriber.is_daily, "sections": list(subscriber.sections.all()),
               "authors": list(subscriber.authors.all())}
    action = request.POST.get("action", "save")
    form = EditionsForm(request.POST if action == "save" and request.method == "POST"
                        else None, initial=current, followed_authors=current["authors"])
    if request.method == "POST":
        if action in ("pause", "resume"):
            _pause(subscriber, action == "pause")
            return redirect("newsletter:preferences", token)
        if action != "save":
            messages.error(request, UNKNOWN_ACTION)
        elif form.is_valid():
            with transaction.atomic():
                # The link was read before this transaction: a one-click unsubscribe
                # may have deleted the address since (saving was then a 500), or be
                # deleting it now (it waits for the lock, unsubscribe()).
                still_here = _locked(subscriber)
                if still_here:
                    subscriber.is_daily = form.cleaned_data["is_daily"]
                    subscriber.save(update_fields=["is_daily"])
                    subscriber.sections.set(form.cleaned_data["sections"])
                    subscriber.authors.set(form.cleaned_data["authors"])
            if not still_here:
                return _bad_link(request, "gone")  # as the next request with the link is
            messages.success(request, "Saved. The next edition follows your new choices.")
            return redirect("newsletter:preferences", token)
    status = 400 if request.method == "POST" else 200
    # What they followed can go (a section or an author deleted): no edition then.
    follows_nothing = not any(current.values())
    return render(request, "newsletter/preferences.html",
                  {"form": form, "subscriber": subscriber, "token": token,
                   "follows_nothing": follows_nothing}, status=status)


def _locked(subscriber):
    """Whether the subscriber is still there, its row locked until the transaction ends."""
    return Subscriber.objects.select_for_update().filter(pk=subscriber.pk,
                                                        key=subscriber.key).exists()


def _pause(subscriber, pause):
    now = timezone.now()
    if pause:
        Subscriber.objects.filter(pk=subscriber.pk, paused_at__isnull=True).update(
            paused_at=now)
    else:
        # Back from a pause, the next edition reaches back 24 hours, as a first
        # one. Unless they had the edition due now (paused since it was sent):
        # that would make them due again for it (and resuming when not paused
        # changes nothing).
        Subscriber.objects.filter(pk=subscriber.pk, paused_at__isnull=False).update(
            paused_at=None, served_until=Case(
                When(served_until__lt=due_moment(now), then=None),
                default=F("served_until")))


@never_cache
@csrf_exempt  # RFC 8058: mail providers POST here without cookies; the token is the proof.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET asks; POST (a mail client's one-click, or the button) deletes the address."""
    try:
        subscriber = tokens.read(token, tokens.MANAGE)
    except tokens.BadLink as bad:
        if bad.reason == "gone" and request.method == "POST":
            # Already gone: leaving twice is still leaving (a one-click retry gets its
            # 200). Not "you have unsubscribed": the address may have subscribed again.
            return render(request, "newsletter/left.html", {"ended_before": True})
        return _bad_link(request, bad.reason)
    if request.method == "POST":
        with transaction.atomic():
            # Locked first: a save of the preferences under way ends before the row
            # goes, with the choices it adds. Otherwise (PostgreSQL) they were added
            # after the row's choices were deleted, and the deletion failed with a 500.
            if _locked(subscriber):
                subscriber.delete()
        return render(request, "newsletter/left.html")
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber,
                                                           "token": token})
