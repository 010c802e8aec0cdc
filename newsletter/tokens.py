"""Signed links: who a link is for, without a sign-in.

A token names the subscriber and carries their row's random key, signed with
SECRET_KEY and a salt per purpose, so a confirmation link cannot be used as
a preferences link and a link made before the address left and came back
does not work. Confirmation links expire with the unconfirmed address;
preference and unsubscribe links are in every edition and do not expire.
"""

from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare

from .models import CONFIRM_DAYS, Subscriber

CONFIRM = "newsletter.confirm"
MANAGE = "newsletter.manage"
MAX_AGE = {CONFIRM: timedelta(days=CONFIRM_DAYS), MANAGE: None}


class BadLink(Exception):
    """A link that does not lead to a subscription; `reason` says which way."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "broken", "expired" or "gone"


def make(subscriber, purpose):
    return signing.dumps([subscriber.pk, subscriber.key], salt=purpose)


def read(token, purpose):
    """The subscriber a token of this purpose names; raises BadLink otherwise."""
    expired = False
    try:
        pk, key = signing.loads(token, salt=purpose, max_age=MAX_AGE[purpose])
    except signing.SignatureExpired:
        # Genuine but old: it still says who it was for.
        expired = True
        pk, key = signing.loads(token, salt=purpose)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink("broken") from None
    if not isinstance(pk, int) or not isinstance(key, str):
        raise BadLink("broken")
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None or not constant_time_compare(subscriber.key, key):
        raise BadLink("expired" if expired else "gone")
    # An old confirmation link of an address that was confirmed in time still
    # leads to it (to say so); one never confirmed has expired.
    if expired and not subscriber.is_confirmed:
        raise BadLink("expired")
    return subscriber
