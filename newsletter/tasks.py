"""The newsletter's queued work: subscription emails, and the edition in batches.

`start_edition` (manage.py send_edition) queues the edition's due subscribers
in batches by id, and a watcher that runs every EDITION_STALL_SECONDS until
everyone due is served: when nothing has moved for that long (the worker
died, or the mail server was down), it queues what is left again, with
those the mail server refused for now (a 4xx answer, newsletter.edition).
Serving twice is harmless (newsletter.edition sends each subscriber at most once),
so a batch queued again, or send_edition called again, never doubles an email.
"""

import logging
import secrets
from datetime import timedelta
from itertools import batched
from time import sleep

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.tasks import default_task_backend, task
from django.utils import dateformat, timezone

from core.mail import PRIORITY_BULK, PRIORITY_NOTICE, sends_mail

from . import emails
from .edition import due_moment, has_news, is_superseded, serve_batch
from .models import Edition, Subscriber

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # subscribers per task: one mail-server connection, bounded memory
# The most a task may take: its worker holds them all in memory (serve_batch).
MAX_BATCH_SIZE = 100_000
# Seconds the watcher waits before each new try to queue its next look while the database
# is away (about 10 minutes in all): bounded, for it holds a worker that could do nothing
# else meanwhile, the queue being in the database too.
LOOK_AGAIN_WAITS = (1, 2, 5, 10, 30, 60, 120, 180, 200)


@task(priority=PRIORITY_NOTICE)
@sends_mail
def send_subscription_email(subscriber_id):
    """The confirmation link, or, for an address already confirmed, a note to its owner."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return "gone"
    if subscriber.is_confirmed:
        emails.already_subscribed(subscriber).send()
        return "already subscribed"
    emails.confirmation(subscriber).send()
    return "confirmation"


@task(priority=PRIORITY_BULK)
def send_edition_batch(edition_id, first_id, last_id):
    return serve_batch(edition_id, first_id, last_id)


@task(priority=PRIORITY_BULK - 10)
def watch_edition(edition_id, key):
    """Queue again what a stalled edition left; finish it once nobody due is left."""
    now = timezone.now()
    try:
        return _watch(edition_id, key, now)
    except DatabaseError:
        # Its next look was queued in the transaction that failed, and went with it:
        # a passing error (SQLite locked past its busy timeout by an import, a deadlock)
        # ended the watching, and a stalled edition was never queued again nor finished.
        # Queued again on its own; the error still fails this task, for the record.
        # The database wholly away failed that too, and ended the watching: it is tried
        # again, a while, until the database answers.
        for wait in (*LOOK_AGAIN_WAITS, None):
            try:
                if not connection.in_atomic_block:
                    connection.close_if_unusable_or_obsolete()  # a connection lost: a new one
                _look_again(edition_id, key, now)
                break
            except Exception as error:
                if wait is None or connection.in_atomic_block:
                    logger.error("The edition's watcher could not queue its next look: run "
                                 "`manage.py send_edition` once the database answers.",
                                 extra={"edition": edition_id, "error": str(error)})
                    break
                logger.warning("The edition's watcher could not queue its next look (%s); "
                               "it tries again in %s s.", error, wait)
                sleep(wait)
        raise


def _watch(edition_id, key, now):
    with transaction.atomic():
        edition = Edition.objects.select_for_update().filter(pk=edition_id).first()
        if edition is None or edition.finished_at or edition.watch_key != key:
            return "not mine"  # finished, or another watcher took over
        if is_superseded(edition) or not Subscriber.objects.due(edition).exists():
            edition.finished_at = now
            edition.save(update_fields=["finished_at"])
            return "finished"
        stall = timedelta(seconds=settings.EDITION_STALL_SECONDS)
        queued = 0
        if edition.heartbeat_at is None or now - edition.heartbeat_at >= stall:
            queued = queue_batches(edition)
            edition.heartbeat_at = now
            edition.save(update_fields=["heartbeat_at"])
        _watch_later(edition, now)
    return f"queued {_plural(queued, 'batch', 'batches')} again" if queued else "moving"


def queue_batches(edition, batch_size=BATCH_SIZE):
    """Queue the edition's due subscribers as batches of ids; returns how many batches."""
    ids = (Subscriber.objects.due(edition).order_by("pk")
           .values_list("pk", flat=True).iterator(chunk_size=2000))
    count = 0
    for batch in batched(ids, batch_size):
        send_edition_batch.enqueue(edition.pk, batch[0], batch[-1])
        count += 1
    return count


def _watch_later(edition, now):
    """Queue the edition's watcher for EDITION_STALL_SECONDS from now.

    A queue that cannot hold a task for later (the immediate backend in tests)
    has run every batch by now, so there is nothing to watch.
    """
    _look_again(edition.pk, edition.watch_key, now)


def _look_again(edition_id, key, now):
    if default_task_backend.supports_defer:
        run_after = now + timedelta(seconds=settings.EDITION_STALL_SECONDS)
        watch_edition.using(run_after=run_after).enqueue(edition_id, key)


def start_edition(now=None, batch_size=BATCH_SIZE):
    """Queue the edition due now for everyone who has not had it; returns what was done.

    Safe to call again at any time: it queues only subscribers still due, and
    nobody is served an edition twice (newsletter.edition).
    """
    now = now or timezone.now()
    moment = due_moment(now)
    when = dateformat.format(timezone.localtime(moment), "l, F j, Y, g:i A")
    if not has_news(moment):  # neither a story nor a correction it could carry
        return f"No stories for the edition of {when}: nothing to send."
    with transaction.atomic():
        edition, _ = Edition.objects.get_or_create(scheduled_at=moment)
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        due = Subscriber.objects.due(edition).count()
        if not due:
            edition.finished_at = edition.finished_at or now
            edition.save(update_fields=["finished_at"])
            return f"Every subscriber has had the edition of {when}."
        # Everyone due is queued, even while an earlier call's batches still run:
        # a subscriber in two batches is served by whichever comes first.
        edition.heartbeat_at = now
        edition.finished_at = None
        edition.watch_key = secrets.token_hex(8)
        edition.save(update_fields=["heartbeat_at", "finished_at", "watch_key"])
        batches = queue_batches(edition, batch_size)
        _watch_later(edition, now)
    return (f"Queued the edition of {when} for {_plural(due, 'subscriber')} "
            f"in {_plural(batches, 'batch', 'batches')}.")


def _plural(count, one, many=None):
    return f"{count} {one if count == 1 else many or one + 's'}"
