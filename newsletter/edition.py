"""Serving the daily edition: what each subscriber gets, and sending it at most once.

An edition is due at EDITION_TIME in TIME_ZONE and carries, for each
subscriber, the public stories published since that subscriber's previous
edition (the last 24 hours for a first one) in what they follow, and the
corrections to those stories since; with neither, no email.

Subscribers are served in batches (newsletter.tasks), one at a time, in three
steps, so that no transaction is open while the mail server is talked to (on
SQLite one would hold the database's write lock, and every sign-in and post
would wait for a slow mail server):

1. The claim, a short transaction: the subscriber's row is locked and read
   again (another worker may have served them, or they left), and a Delivery
   record is written, marked `sending`.
2. The email is handed to the mail server, outside any transaction.
3. The answer is recorded: taken, the Delivery is no longer `sending` and the
   subscriber is served (served_until); refused for good (no such mailbox),
   the subscriber is served with nothing sent and the record goes; refused
   for now (a 4xx answer), or the connection lost, the record goes and the
   subscriber stays due for the watcher's next try, while the batch moves on
   to the next one (the connection lost, or the server refusing the site's
   own sender address, ends the batch).

A refusal for good at the data stage (after the message was sent) may be of
the address (Amazon SES answers so for one on its suppression list) or of
the message itself (content the server will not take, a sandboxed sending
account): the server's answer does not say. It is decided once the server
takes another subscriber's copy of the edition, or has before: it was the
address. Refused so CONTENT_REFUSALS times in a row with no copy ever taken,
it is the message: those subscribers stay due, and the batch ends with an
error for the watcher to try again later, rather than the edition being
marked served, with nothing sent, for everyone.

A second worker on the same subscriber finds the claim and leaves them; a
subscriber who had the edition (a Delivery not `sending`) is not sent it
again. A claim still `sending` after EDITION_STALL_SECONDS was left by a
worker that died while sending: the mail server had not taken the message
(the integration tests kill one mid-conversation), so the next try sends it.
A worker that could not record the answer, with the database busy or away
for a moment, tries again (RECORD_TRIES) rather than leave a claim that
would be sent again. The only way to a second copy is a worker dying in the
instant between the mail server taking the message and the record; the copy
would carry the same Message-ID.
"""

import logging
import smtplib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import DatabaseError, transaction
from django.db import connection as database
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from articles.models import CARD_DEFERRED, Article, Section
from authors.models import Author
from core.forms import clock_shows
from core.mail import may_pass
from standards.models import Correction

from . import emails
from .models import Delivery, Edition, Subscriber

logger = logging.getLogger(__name__)

FIRST_WINDOW = timedelta(hours=24)
# However long a subscriber went without an edition (a missed morning), one
# edition reaches back at most this far.
MAX_WINDOW = timedelta(days=7)
HEARTBEAT_EVERY = 25  # subscribers served between two signs of life
# Times a worker tries to record the mail server's answer while the database is busy
# (each try waits the database's own busy timeout) or its connection dropped.
RECORD_TRIES = 3
# Refusals for good at the data stage in a row, with no copy of the edition ever taken,
# that say the server refuses the message, not the addresses.
CONTENT_REFUSALS = 20


def due_moment(now=None):
    """The edition due now: the last EDITION_TIME in TIME_ZONE at or before now."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    day = timezone.localtime(now, zone).date()
    moment = edition_moment(day, zone)
    if moment > now:  # moments, not the clocks' times: either may be in the hour repeated
        moment = edition_moment(day - timedelta(days=1), zone)
    return moment


def edition_moment(day, zone):
    """When the edition of day is due: EDITION_TIME as the clocks of zone show it that day.

    In the hour the clocks go back, the first time they show it. In the hour
    they skip, the moment they go forward: the edition of 2:30 goes out at
    3:00, rather than at 3:30, after what cron ran at 3:00 (a skipped job runs
    then) had already sent the stories published until 3:30, embargoed ones
    among them.
    """
    wall = datetime.combine(day, settings.EDITION_TIME)
    moments = clock_shows(wall, zone)
    if moments:
        return moments[0]
    # Fold 1 reads the skipped time with the offset from after the change (an
    # instant before it), fold 0 with the offset from before (after it).
    before, after = (wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (1, 0))
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == after.astimezone(zone).utcoffset():
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0).astimezone(zone)


def stories_between(start, end):
    """Public stories published after start and up to end, in section order, newest first."""
    return (Article.objects.published(now=end).filter(published_at__gt=start)
            .select_related("section", "author", "ai_reviewed_by").defer(*CARD_DEFERRED)
            .order_by("section__position", "section__name", "-published_at", "-pk"))


def corrections_between(start, end):
    """Corrections on public stories dated after start and up to end, oldest first."""
    return (Correction.objects.public(now=end).filter(date__gt=start, date__lte=end)
            .order_by("date", "pk"))


def has_news(moment):
    """Whether the edition due at moment may carry anything: a story or a correction."""
    oldest = moment - MAX_WINDOW
    return (stories_between(oldest, moment).exists()
            or corrections_between(oldest, moment).exists())


def is_superseded(edition):
    """A later edition exists: it carries whatever this one did not send."""
    return Edition.objects.filter(scheduled_at__gt=edition.scheduled_at).exists()


def beat(edition):
    """Show that a worker is serving this edition (newsletter.tasks.watch_edition reads it)."""
    Edition.objects.filter(pk=edition.pk).update(heartbeat_at=timezone.now())


class Content:
    """What an edition may carry, loaded once per batch: bounded by MAX_WINDOW, not by readers."""

    def __init__(self, moment):
        oldest = moment - MAX_WINDOW
        self.stories = list(stories_between(oldest, moment))
        self.corrections = list(
            corrections_between(oldest, moment).select_related("article")
            .only("kind", "text", "date", "article__slug", "article__headline",
                  "article__section_id", "article__author_id"))
        self.renders = emails.Renders()

    def pick(self, since, follow):
        """The stories and corrections since `since` in what `follow` (a Follow) covers."""
        return ([story for story in self.stories
                 if story.published_at > since and follow.covers(story)],
                [correction for correction in self.corrections
                 if correction.date > since and follow.covers(correction.article)])


class Follow:
    """One subscriber's choices, as sets of ids, and their names for the email."""

    def __init__(self, is_daily, section_ids, author_ids, names):
        self.is_daily = is_daily
        self.section_ids = section_ids
        self.author_ids = author_ids
        self.names = names

    def covers(self, story):
        return (self.is_daily or story.section_id in self.section_ids
                or story.author_id in self.author_ids)


def _follows(subscribers):
    """{subscriber id: Follow}, in four queries for the whole batch."""
    ids = [subscriber.pk for subscriber in subscribers]
    sections, authors = defaultdict(set), defaultdict(set)
    for subscriber_id, section_id in (Subscriber.sections.through.objects
                                      .filter(subscriber_id__in=ids)
                                      .values_list("subscriber_id", "section_id")):
        sections[subscriber_id].add(section_id)
    for subscriber_id, author_id in (Subscriber.authors.through.objects
                                     .filter(subscriber_id__in=ids)
                                     .values_list("subscriber_id", "author_id")):
        authors[subscriber_id].add(author_id)
    section_names = dict(Section.objects.values_list("pk", "name"))
    author_names = {pk: f"{name} (AI persona)" if is_ai else name for pk, name, is_ai in
                    Author.objects.filter(pk__in=set().union(*authors.values()))
                    .values_list("pk", "name", "is_ai")}
    follows = {}
    for subscriber in subscribers:
        names = ["the daily edition"] if subscriber.is_daily else []
        names += sorted(section_names[pk] for pk in sections[subscriber.pk]
                        if pk in section_names)
        names += sorted(author_names[pk] for pk in authors[subscriber.pk] if pk in author_names)
        follows[subscriber.pk] = Follow(subscriber.is_daily, sections[subscriber.pk],
                                        authors[subscriber.pk], names)
    return follows


def serve_batch(edition_id, first_id, last_id):
    """Serve the due subscribers with ids first_id..last_id; returns the emails sent."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None or is_superseded(edition):
        return 0
    beat(edition)
    content = Content(edition.scheduled_at)
    due = Subscriber.objects.due(edition).filter(pk__gte=first_id, pk__lte=last_id)
    if not content.stories and not content.corrections:
        due.update(served_until=edition.scheduled_at)  # nothing to send to anyone
        return 0
    subscribers = list(due.only("pk", "email", "key", "is_daily"))
    follows = _follows(subscribers)
    sent = 0
    doubts = Doubts(edition)
    # One connection to the mail server for the whole batch.
    try:
        with mailers.default as connection:
            for count, subscriber in enumerate(subscribers, 1):
                sent += serve(edition, subscriber, follows[subscriber.pk], content,
                              connection, doubts)
                if count % HEARTBEAT_EVERY == 0:
                    beat(edition)
    except BaseException:
        doubts.release()  # undecided: still due for the next try
        raise
    doubts.settle()  # fewer than CONTENT_REFUSALS: taken as the addresses' refusals
    beat(edition)
    return sent


class MessageRefused(Exception):
    """The mail server refuses the edition itself: the batch ends, everyone still due."""


class Doubts:
    """Subscribers whose copy was refused for good at the data stage, until it is known
    whether the server refused their address or the message (the module says how)."""

    def __init__(self, edition):
        self.edition = edition
        # A copy the server took before, in any batch, says it takes the message.
        self.message_taken = Delivery.objects.filter(edition=edition, sending=False).exists()
        self.claims = []  # (subscriber id, Delivery id)

    def refused(self, subscriber_id, delivery_id, answer):
        """A refusal for good at the data stage; raises MessageRefused past the limit."""
        if self.message_taken:
            _after_send(lambda: _refused(self.edition, subscriber_id, delivery_id))
            return
        self.claims.append((subscriber_id, delivery_id))
        if len(self.claims) < CONTENT_REFUSALS:
            return
        self.release()
        raise MessageRefused(
            f"The mail server refused the edition of {self.edition.scheduled_at:%Y-%m-%d %H:%M} "
            f"(UTC) {CONTENT_REFUSALS} times in a row ({answer}) and has taken no copy: it "
            f"refuses the message, not the addresses. Everyone stays due for the next try.")

    def release(self):
        """Undecided when the batch ends early: those subscribers stay due."""
        claims, self.claims = self.claims, []
        for _, claim in claims:
            _release_quietly(claim)

    def taken(self):
        """The server took a copy: the refusals so far were of the addresses."""
        self.message_taken = True
        self.settle()

    def settle(self):
        """The refusals waiting for a decision, decided as the addresses': served, nothing sent."""
        claims, self.claims = self.claims, []
        for subscriber_id, claim in claims:
            _after_send(lambda subscriber_id=subscriber_id, claim=claim:
                        _refused(self.edition, subscriber_id, claim))


def serve(edition, subscriber, follow, content, connection, doubts):
    """Send one subscriber this edition, unless they had it; 1 if an email went out.

    The claim, the send and the record of the answer, as the module says: no
    transaction is open while the mail server is talked to. A refusal at the
    data stage waits in `doubts` (Doubts) until the batch knows what it refused.
    """
    claim = _claim(edition, subscriber, follow, content)
    if claim is None:
        return 0
    delivery_id, stories, corrections = claim
    try:
        message = emails.edition(edition, subscriber, stories, corrections, content.renders,
                                 follow.names)
    except BaseException:
        _release_quietly(delivery_id)
        raise
    try:
        connection.send_messages([message])
    except smtplib.SMTPSenderRefused:
        # The server refuses our own address (MAIL FROM): nothing about this subscriber,
        # and it would refuse every one after them. Taken as a refusal of their address,
        # a misconfigured sender would have marked every subscriber served with nothing
        # sent. The batch ends, as when the connection fails, and the watcher tries again.
        _release_quietly(delivery_id)
        raise
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException, ValueError) as error:
        answer = _answer(error)
        if isinstance(error, smtplib.SMTPDataError) and not may_pass(error):
            # Refused for good after the message was sent: the address (a suppression
            # list) or the message itself; the batch decides which.
            logger.warning("Edition %s could not go to subscriber %s: %s", edition.pk,
                           subscriber.pk, answer)
            doubts.refused(subscriber.pk, delivery_id, answer)
        elif isinstance(error, ValueError) or not may_pass(error):
            # Refused for good (no such mailbox, one no server takes): served, with
            # nothing sent.
            logger.warning("Edition %s could not go to subscriber %s: %s", edition.pk,
                           subscriber.pk, answer)
            _after_send(lambda: _refused(edition, subscriber.pk, delivery_id))
        else:
            # Refused for now (busy, greylisting): this subscriber stays due, and the
            # watcher queues them again once the batch is done (newsletter.tasks).
            logger.warning("Edition %s could not go to subscriber %s yet: %s; left for the "
                           "next try", edition.pk, subscriber.pk, answer)
            _after_send(lambda: _release(delivery_id))
        return 0
    except BaseException:
        # The connection failed (or the worker is stopping): the message was not taken.
        # The batch ends here and is queued again; this subscriber with it.
        _release_quietly(delivery_id)
        raise
    _after_send(lambda: _record(edition, subscriber.pk, delivery_id))
    doubts.taken()
    return 1


def _claim(edition, subscriber, follow, content):
    """Take the subscriber for this edition, in a short transaction: (the Delivery's id,
    the stories, the corrections) to send, or None when there is nothing to send them."""
    moment = edition.scheduled_at
    now = timezone.now()
    claims = Delivery.objects.filter(edition=edition, subscriber=OuterRef("pk"))
    with transaction.atomic():
        # Locked and read again: another worker may have served them, or they left.
        row = list(Subscriber.objects.due(edition).select_for_update(skip_locked=True)
                   .filter(pk=subscriber.pk)
                   .annotate(claim=Subquery(claims.values("pk")[:1]),
                             sending=Subquery(claims.values("sending")[:1]),
                             claimed_at=Subquery(claims.values("sent_at")[:1]))
                   .values_list("served_until", "claim", "sending", "claimed_at"))
        if not row:
            return None
        served_until, claim, sending, claimed_at = row[0]
        if claim is not None and not sending:
            # They had it, though due again (their served_until was moved back): the
            # record is what "at most once" rests on. Served, with no second copy.
            Subscriber.objects.filter(pk=subscriber.pk).update(served_until=moment)
            return None
        if claim is not None and now - claimed_at < _lease():
            return None  # another worker is sending it now
        since = max(served_until or moment - FIRST_WINDOW, moment - MAX_WINDOW)
        stories, corrections = content.pick(since, follow)
        if not stories and not corrections:
            Subscriber.objects.filter(pk=subscriber.pk).update(served_until=moment)
            if claim is not None:
                Delivery.objects.filter(pk=claim).delete()
            return None  # nothing new for them, no email
        if claim is None:
            claim = Delivery.objects.create(edition=edition, subscriber_id=subscriber.pk,
                                            story_count=len(stories), sent_at=now,
                                            sending=True).pk
        else:
            # Left `sending` by a worker that died before the mail server took it.
            Delivery.objects.filter(pk=claim).update(sent_at=now, story_count=len(stories))
    return claim, stories, corrections


def _lease():
    """How long a claim keeps other workers off: as long as the watcher waits before
    it takes an edition's worker for dead (newsletter.tasks.watch_edition)."""
    return timedelta(seconds=settings.EDITION_STALL_SECONDS)


def _record(edition, subscriber_id, delivery_id):
    """The mail server took the edition: the subscriber is served, the record final."""
    moment = edition.scheduled_at
    with transaction.atomic():
        # Never back: a later edition may have served them meanwhile.
        Subscriber.objects.filter(pk=subscriber_id).exclude(served_until__gte=moment).update(
            served_until=moment)
        Delivery.objects.filter(pk=delivery_id).update(sending=False, sent_at=timezone.now())


def _refused(edition, subscriber_id, delivery_id):
    """Refused for good: served, with nothing sent, and no record of a delivery."""
    moment = edition.scheduled_at
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber_id).exclude(served_until__gte=moment).update(
            served_until=moment)
        Delivery.objects.filter(pk=delivery_id).delete()


def _release(delivery_id):
    """Nothing was sent: the subscriber, still due, is free for the next try."""
    Delivery.objects.filter(pk=delivery_id, sending=True).delete()


def _release_quietly(delivery_id):
    """_release, on the way out with an error of its own: that error is the one told."""
    try:
        _release(delivery_id)
    except DatabaseError:
        pass  # the claim runs out after EDITION_STALL_SECONDS


def _after_send(write):
    """Run a write that records the mail server's answer, trying again while the database
    is busy or its connection dropped: a claim left `sending` would be sent again."""
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            return write()
        except DatabaseError:
            if attempt == RECORD_TRIES:
                raise
            logger.warning("Recording an edition email failed (try %d of %d); trying again",
                           attempt, RECORD_TRIES)
            if not database.in_atomic_block:  # never a transaction someone else opened
                database.close_if_unusable_or_obsolete()
    return None


def _answer(error):
    """The error's kind and the mail server's reply code(s), for the log: "SMTPDataError 554"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(str(code) for code, _ in error.recipients.values())
    else:
        codes = str(getattr(error, "smtp_code", ""))
    return f"{type(error).__name__} {codes}".strip()
