"""What the newsletter keeps about people, and when it goes (purge_personal_data)."""

from datetime import timedelta

from django.utils import timezone

from .models import CONFIRM_DAYS, Subscriber


def purge_unconfirmed(cutoff):
    """Forget addresses nobody confirmed within CONFIRM_DAYS (not the purge's own cutoff).

    Those who leave are deleted at once (views.unsubscribe); only addresses
    given but never confirmed wait here, as long as their link works.
    """
    own_cutoff = timezone.now() - timedelta(days=CONFIRM_DAYS)
    _, removed = Subscriber.objects.unconfirmed_since(own_cutoff).delete()
    return [(removed.get(Subscriber._meta.label, 0), "unconfirmed newsletter addresses",
             f"older than {CONFIRM_DAYS} days")]
