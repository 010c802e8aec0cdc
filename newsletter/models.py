"""Subscribers to the daily edition, the editions, and which subscriber had which edition."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

# An address nobody confirmed is kept this long; its confirmation link lasts as long.
CONFIRM_DAYS = 7


def _new_key():
    return secrets.token_urlsafe(18)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Subscribers who followed their confirmation link."""
        return self.filter(confirmed_at__isnull=False)

    def due(self, edition):
        """Confirmed, not paused, and not yet served this edition (nor a later one)."""
        return self.confirmed().filter(paused_at__isnull=True).filter(
            Q(served_until__isnull=True) | Q(served_until__lt=edition.scheduled_at))

    def unconfirmed_since(self, cutoff):
        """Addresses given before cutoff and never confirmed."""
        return self.filter(confirmed_at__isnull=True, created_at__lt=cutoff)


class Subscriber(models.Model):
    """An address that asked for editions. Leaving deletes the row: nothing is kept."""

    # Stored as mail servers are given it, in lower case (forms.mailbox), so
    # that one inbox is one subscriber.
    email = models.EmailField(max_length=254, unique=True)
    # Part of every signed link (confirm, preferences, unsubscribe): links made for
    # an earlier subscription of the same address, since deleted, do not work.
    key = models.CharField(max_length=32, default=_new_key, editable=False)
    is_daily = models.BooleanField("the daily edition (every section)", default=False)
    sections = models.ManyToManyField("articles.Section", blank=True, related_name="+")
    authors = models.ManyToManyField("authors.Author", blank=True, related_name="+")
    # Until confirmed, when the address was last asked for: it is forgotten
    # CONFIRM_DAYS later (personal_data.purge_unconfirmed).
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # The end of the last edition this subscriber was served (sent, or had nothing
    # new): the next edition carries what was published after it.
    served_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def is_paused(self):
        return self.paused_at is not None


class Edition(models.Model):
    """One morning's edition: the stories published up to its scheduled time."""

    scheduled_at = models.DateTimeField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last showed progress on it; a long silence means it died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Names the one watcher task that may act for this edition (tasks.watch_edition).
    watch_key = models.CharField(max_length=32, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_at"]

    def __str__(self):
        return f"Edition of {timezone.localtime(self.scheduled_at):%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """The idempotency record: this subscriber was sent this edition (at most once)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="deliveries")
    sent_at = models.DateTimeField(default=timezone.now)
    story_count = models.PositiveSmallIntegerField()
    # True from when a worker takes the subscriber (sent_at is then that moment) until
    # the mail server's answer is recorded (newsletter.edition.serve). A default in the
    # database too, for workers not yet restarted (newsletter 0002).
    sending = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"],
                                    name="one_delivery_per_edition"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.edition} to subscriber {self.subscriber_id}"
