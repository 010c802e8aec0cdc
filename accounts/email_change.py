"""Changing an account's email address: a link to the new address, then a notice to the old.

The reader asks with their password; nothing changes until the link sent to
the new address is followed and its button pressed. The link is signed and
names the account, the new address and a keyed hash of the account's address
and password and of when that address last changed (models.EmailChanged),
so it expires after LINK_DAYS and stops working once any of them changes: a
used link, or one sent before a later change or a password reset, cannot be
replayed, even after the address changes back. The hash keeps the current
address out of the link, which shows in browser histories and server logs.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.mail import PRIORITY_NOTICE, domain_as_typed, send_rendered, sends_mail

from .models import EmailChanged, ProvenEmail
from .notices import queue_notice

SALT = "accounts.email-change"
LINK_DAYS = 3


class BadLink(Exception):
    """A link that changes nothing; `reason` is a key of views.EMAIL_CHANGE_BAD_LINK."""

    def __init__(self, reason):
        super().__init__(reason)
        # "broken", "expired", "gone" (no such active account), "done" (the
        # account already uses the address), "stale" (its address or password
        # changed since) or "taken" (another account now uses the address)
        self.reason = reason


@dataclass(frozen=True)
class Change:
    user: object
    email: str


def _state(user):
    """A keyed hash of what a link is issued against: the account's address and password,
    and when the address last changed (so A → B → A does not revive a link sent for A)."""
    changed = EmailChanged.objects.filter(user=user).values_list("at", flat=True).first()
    state = f"{user.email.casefold()}\n{user.password}\n{changed.isoformat() if changed else ''}"
    return salted_hmac(SALT, state, algorithm="sha256").hexdigest()[:24]


def make_token(user, email):
    return signing.dumps({"user": user.pk, "email": email, "state": _state(user)},
                         salt=SALT, compress=True)


def link(user, email):
    return settings.SITE_URL + reverse("accounts:email_change_confirm",
                                       args=[make_token(user, email)])


def other_owners(email, user):
    """The other active accounts that use this address (any case)."""
    return list(get_user_model()._default_manager.filter(
        email__iexact=email, is_active=True).exclude(pk=user.pk))


def read(token, for_update=False):
    """The change a link asks for, if it can still be made; raises BadLink otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=LINK_DAYS))
    except signing.SignatureExpired:
        raise BadLink("expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink("broken") from None
    if not (isinstance(data, dict) and isinstance(data.get("user"), int)
            and isinstance(data.get("email"), str) and isinstance(data.get("state"), str)):
        raise BadLink("broken")
    users = get_user_model()._default_manager.filter(is_active=True)
    if for_update:
        users = users.select_for_update()
    user = users.filter(pk=data["user"]).first()
    if user is None:
        raise BadLink("gone")
    if user.email.casefold() == data["email"].casefold():
        raise BadLink("done")
    if not constant_time_compare(_state(user), data["state"]):
        raise BadLink("stale")
    if other_owners(data["email"], user):
        raise BadLink("taken")
    return Change(user=user, email=data["email"])


def apply(token):
    """Make the change a link asks for and tell the old address; raises BadLink."""
    with transaction.atomic():
        # Locked, so that two presses of the button make one change and one notice.
        change = read(token, for_update=True)
        user, old = change.user, change.user.email
        user.email = change.email
        user.save(update_fields=["email"])
        ProvenEmail.record(user)  # the link went to the new address
        if old:
            _tell_old_address(user, old)
    return change


def mask(email):
    """'n•••@example.org': enough for the owner to recognise, not enough to write to."""
    local, at, domain = email.rpartition("@")
    if not at:
        return email[:1] + "•••"
    return f"{local[:1]}•••@{domain_as_typed(domain)}"


def _tell_old_address(user, old):
    """Queue the notice the account's previous address gets (tell_old_address)."""
    tell_old_address.enqueue(user_id=user.pk, old_email=old,
                             changed_at=timezone.now().isoformat())


@task(priority=PRIORITY_NOTICE)
@sends_mail
def tell_old_address(user_id, old_email, changed_at):
    """What changed, and what to do if it was not the owner (a reset link would go to the
    new address now).

    Queued with the account, not the text: deleting the account deletes it from
    the queue, sent or not (notices.forget_queued_emails).
    """
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return "not sent: the account has been deleted"
    context = {
        "user": user, "masked": mask(user.email),
        "changed_at": datetime.fromisoformat(changed_at),
        "TIME_ZONE": settings.TIME_ZONE,
        "newsroom_email": getattr(settings, "NEWSROOM_EMAIL", ""),
        "sign_in_url": settings.SITE_URL + reverse("accounts:login"),
        "password_change_url": settings.SITE_URL + reverse("accounts:password_change"),
        "email_change_url": settings.SITE_URL + reverse("accounts:email_change"),
    }
    send_rendered("registration/email_changed_subject.txt",
                  "registration/email_changed_email.txt", context, old_email)
    return "sent"


LINK_SUBJECT = "registration/email_change_subject.txt"
LINK_EMAIL = "registration/email_change_email.txt"
IN_USE_SUBJECT = "registration/email_change_in_use_subject.txt"
IN_USE_EMAIL = "registration/email_change_in_use_email.txt"


@task(priority=PRIORITY_NOTICE)
@sends_mail
def send_link(user_id, email, old_email):
    """Email the confirmation link to the new address, or, when another account already
    uses that address, a note to it instead (the page that asked shows the same either way).

    Queued with the addresses, not the link: the worker makes the token when it
    sends, so no live link sits in the database.
    """
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or user.email.casefold() != old_email.casefold():
        return "not sent: the account changed since the change was asked for"
    owners = other_owners(email, user)
    if owners:
        # One note naming them all, its own task: a mail server that fails it sends
        # the note again, not the link.
        queue_notice(owners, IN_USE_SUBJECT, IN_USE_EMAIL)
        return f"not sent: the address is in use; a note queued to {len(owners)} account(s)"
    send_rendered(LINK_SUBJECT, LINK_EMAIL,
                  {"user": user, "email": email, "confirm_url": link(user, email),
                   "days": LINK_DAYS}, email)
    return "sent"

