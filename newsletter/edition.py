"""Serving the daily edition: what each subscriber gets, and sending it at most once.

An edition is due at EDITION_TIME in TIME_ZONE and carries, for each
subscriber, the public stories published since that subscriber's previous
edition (the last 24 hours for a first one) in what they follow.

Subscribers are served in batches (newsletter.tasks), each subscriber in a
transaction of their own: their row is locked and read again, the Delivery
record written, the email handed to the mail server, and only then is the
transaction committed. A worker that dies before the commit leaves the
subscriber due, and the record absent, so a later batch sends it; a second
worker on the same subscriber waits for, or skips, the lock and then finds
them served. The only way to a second copy is a worker dying in the instant
between the mail server taking the message and the commit; the copy would
carry the same Message-ID.
"""

import logging
import smtplib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import Exists, OuterRef
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
            Correction.objects.public(now=moment).filter(date__gt=oldest, date__lte=moment)
            .select_related("article")
            .only("kind", "text", "date", "article__slug", "article__headline",
                  "article__section_id", "article__author_id")
            .order_by("date", "pk"))
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
    if not content.stories:
        due.update(served_until=edition.scheduled_at)  # nothing to send to anyone
        return 0
    subscribers = list(due.only("pk", "email", "key", "is_daily"))
    follows = _follows(subscribers)
    sent = 0
    # One connection to the mail server for the whole batch.
    with mailers.default as connection:
        for count, subscriber in enumerate(subscribers, 1):
            sent += serve(edition, subscriber, follows[subscriber.pk], content, connection)
            if count % HEARTBEAT_EVERY == 0:
                beat(edition)
    beat(edition)
    return sent


def serve(edition, subscriber, follow, content, connection):
    """Send one subscriber this edition, unless they had it; 1 if an email went out."""
    moment = edition.scheduled_at
    with transaction.atomic():
        # Locked and read again: another worker may have served them, or they left.
        row = list(Subscriber.objects.due(edition).select_for_update(skip_locked=True)
                   .filter(pk=subscriber.pk)
                   .annotate(had_it=Exists(Delivery.objects.filter(
                       edition=edition, subscriber=OuterRef("pk"))))
                   .values_list("served_until", "had_it"))
        if not row:
            return 0
        served_until, had_it = row[0]
        since = max(served_until or moment - FIRST_WINDOW, moment - MAX_WINDOW)
        stories, corrections = content.pick(since, follow)
        Subscriber.objects.filter(pk=subscriber.pk).update(served_until=moment)
        if had_it or not stories:
            # No stories, no email. Nor a second copy to a subscriber due again
            # though the record says they had it (their served_until was moved
            # back): the record is what "at most once" rests on.
            return 0
        delivery = Delivery.objects.create(edition=edition, subscriber_id=subscriber.pk,
                                           story_count=len(stories))
        message = emails.edition(edition, subscriber, stories, corrections, content.renders,
                                 follow.names)
        try:
            connection.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, ValueError) as error:
            if isinstance(error, smtplib.SMTPRecipientsRefused) and may_pass(error):
                raise  # a temporary refusal: the batch is tried again later
            # Refused for good (no such mailbox, an address no server takes):
            # served, with nothing sent.
            logger.warning("Edition %s could not go to subscriber %s: %s", edition.pk,
                           subscriber.pk, type(error).__name__)
            delivery.delete()
            return 0
    return 1
