"""The daily edition: who gets which stories, once, and what happens when sending fails."""

import gc
import re
import smtplib
import weakref
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models.signals import post_init

from newsletter import edition as serving
from newsletter import tasks
from newsletter.models import Delivery, Edition, Subscriber
from tests.factories import ArticleFactory

from .conftest import EDITION, NOW, subscribe_and_confirm

pytestmark = pytest.mark.django_db


def send_edition(**options):
    """Run the command; returns its output line."""
    from io import StringIO

    out = StringIO()
    call_command("send_edition", stdout=out, **options)
    return out.getvalue().strip()


def editions():
    """The edition emails in the outbox, by address."""
    return {message.to[0]: message for message in mail.outbox
            if message.subject.startswith("EVA DAILY for ")}


def story_lines(message, stories):
    """The headlines that begin a story in the text part (a correction only quotes one)."""
    headlines = {story.headline for story in stories.values()}
    return [line for line in message.body.splitlines() if line in headlines]


def subscriber(email, daily=False, sections=(), authors=(), confirmed=True, served=None):
    """A subscriber made directly (the views are tested elsewhere)."""
    made = Subscriber.objects.create(email=email, is_daily=daily, served_until=served,
                                     confirmed_at=NOW - timedelta(days=3) if confirmed else None)
    made.sections.set(sections)
    made.authors.set(authors)
    return made


@pytest.mark.parametrize(("zone", "now", "due"), [
    ("UTC", "2026-12-02 07:30", "2026-12-02 06:00"),
    ("UTC", "2026-12-02 05:59", "2026-12-01 06:00"),
    ("UTC", "2026-12-02 06:00", "2026-12-02 06:00"),
    # 06:00 in Paris is 05:00 UTC in winter.
    ("Europe/Paris", "2026-12-02 05:30", "2026-12-02 06:00"),
    ("Pacific/Auckland", "2026-12-02 16:59", "2026-12-02 06:00"),
    ("Pacific/Auckland", "2026-12-02 17:00", "2026-12-03 06:00"),
])
def test_the_edition_due_is_the_last_edition_time_in_the_site_time_zone(
        settings, zone, now, due):
    from django.utils import timezone

    settings.TIME_ZONE = zone
    utc = ZoneInfo("UTC")
    with timezone.override(ZoneInfo(zone)):
        moment = serving.due_moment(datetime.fromisoformat(now).replace(tzinfo=utc))
    assert moment.tzinfo == ZoneInfo(zone)
    assert moment.replace(tzinfo=None) == datetime.fromisoformat(due)


def test_each_subscriber_gets_the_new_stories_in_what_they_follow(newsroom):
    stories = newsroom["stories"]
    subscriber("daily@example.org", daily=True)
    subscriber("world@example.org", sections=[newsroom["world"]])
    subscriber("li@example.org", authors=[newsroom["ai"]])
    subscriber("waiting@example.org", daily=True, confirmed=False)
    Subscriber.objects.create(email="paused@example.org", is_daily=True,
                              confirmed_at=NOW, paused_at=NOW)
    assert send_edition() == ("Queued the edition of Wednesday, December 2, 2026, 6:00 AM "
                              "for 3 subscribers in 1 batch.")
    got = editions()
    assert sorted(got) == ["daily@example.org", "li@example.org", "world@example.org"]
    headlines = {email: story_lines(message, stories) for email, message in got.items()}
    assert headlines == {
        "daily@example.org": [stories["world"].headline, stories["business"].headline],
        "world@example.org": [stories["world"].headline],
        "li@example.org": [stories["business"].headline],
    }
    assert Delivery.objects.count() == 3
    assert Delivery.objects.get(subscriber__email="daily@example.org").story_count == 2


def test_the_edition_carries_bylines_ai_marks_and_corrections(newsroom):
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["daily@example.org"]
    text = " ".join(message.body.split())  # the text part is wrapped at 78 characters
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert message.subject == "EVA DAILY for Wednesday, December 2, 2026"
    # Section by section, in the site's order; headline, standfirst, byline.
    assert text.index("WORLD") < text.index("Harbour authority") < text.index("BUSINESS")
    assert "Crossings will be twelve minutes shorter from March." in text
    assert ("By Margaret Okonkwo · Dec 2, 2026 · 1 min read" in text
            or "By Margaret Okonkwo · Dec 2, 2026 ·" in text)
    assert ("By Li Wei [AI: an AI-generated author, "
            "https://news.example/authors/li-wei/#ai-disclosure]") in text
    assert ("AI involvement: generated. An AI system wrote this story, writing as the "
            "persona Li Wei. Reviewed by Jane Editor, a human editor.") in text
    assert "AI involvement: none. People reported and wrote this story without AI tools." in text
    assert ('href="https://news.example/authors/li-wei/#ai-disclosure" '
            'title="AI-generated author" aria-label="AI-generated author"') in html
    # The correction published since the last edition, not the older one.
    assert "An earlier version gave the wrong tender date." in text
    assert "https://news.example/articles/old-news/#correction-" in text
    assert "A clarification from long ago." not in text
    # Not public, published after 06:00, or before the edition's reach: absent
    # (the old story is only named by its correction).
    assert story_lines(message, newsroom["stories"]) == [
        newsroom["stories"]["world"].headline, newsroom["stories"]["business"].headline]
    for story in ("draft", "scheduled", "after"):
        headline = newsroom["stories"][story].headline
        assert headline not in text and headline not in html
    assert "https://news.example/articles/old-news/\"" not in html


def test_links_go_straight_to_their_pages_and_leaving_is_one_click(newsroom):
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["daily@example.org"]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example/newsletter/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"].startswith("<edition-")
    assert unsubscribe[1:-1] in message.body
    assert "https://news.example/newsletter/preferences/" in message.body
    from tests.newsletter.emailcheck import links_in

    for url in links_in(message.alternatives[0].content) + links_in(message.body):
        assert url == "https://news.example" or url.startswith("https://news.example/"), url
        assert "utm_" not in url and "?" not in url, url


def sent_over_smtp(message, settings):
    """The bytes Django's SMTP backend hands the mail server for message."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9}}}
    backend = mail.mailers.default
    backend.connection = mock.Mock()  # an open connection: nothing is dialled
    assert backend.send_messages([message]) == 1
    return backend.connection.sendmail.call_args.args[2]


def test_the_unsubscribe_headers_go_over_smtp_as_an_angle_bracketed_url(newsroom, settings):
    """RFC 2369 wants <URL>; RFC 2047 allows no encoded-words there, folded or not."""
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["daily@example.org"]
    url = message.extra_headers["List-Unsubscribe"][1:-1]
    assert len(url) > 78  # longer than a line: Python's email folds such a word
    raw = sent_over_smtp(message, settings)
    head = raw.split(b"\r\n\r\n", 1)[0]
    headers = dict(line.split(b": ", 1) for line in
                   re.sub(rb"\r\n[ \t]+", b" ", head).split(b"\r\n"))  # unfolded
    assert headers[b"List-Unsubscribe"] == f"<{url}>".encode()
    assert headers[b"List-Unsubscribe-Post"] == b"List-Unsubscribe=One-Click"
    assert b"=?" not in headers[b"List-Unsubscribe"]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    # Read back as a mail client would, the URL is there, whole.
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{url}>"


def test_the_header_refuses_a_new_line(newsroom):
    from newsletter.emails import UnfoldedHeader

    with pytest.raises(ValueError):
        UnfoldedHeader("List-Unsubscribe", "<https://news.example/>\r\nBcc: x@example.org")


def test_a_story_that_quotes_the_link_stand_ins_gets_no_reader_link(newsroom):
    """A headline or correction may say anything; only the template's links are a reader's."""
    world = newsroom["stories"]["world"]
    world.headline = "Ferries EVADAILY-UNSUBSCRIBE-URL and EVADAILY-PREFERENCES-URL"
    world.save()
    newsroom["corrections"]["new"].text = "We misquoted EVADAILY-UNSUBSCRIBE-URL."
    newsroom["corrections"]["new"].save()
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["daily@example.org"]
    html = message.alternatives[0].content
    for part in (" ".join(message.body.split()), html):  # the text part is wrapped
        assert "Ferries EVADAILY-UNSUBSCRIBE-URL and EVADAILY-PREFERENCES-URL" in part
        assert "We misquoted EVADAILY-UNSUBSCRIBE-URL." in part
        assert part.count("/newsletter/unsubscribe/") == 1
    assert message.body.count("/newsletter/preferences/") == 1


def test_subscribers_who_follow_the_same_things_each_get_their_own_links(newsroom):
    for email in ("ana@example.org", "bo@example.org"):
        subscriber(email, daily=True)
    send_edition()
    ana, bo = editions()["ana@example.org"], editions()["bo@example.org"]
    for mine, other in ((ana, bo), (bo, ana)):
        own = mine.extra_headers["List-Unsubscribe"][1:-1]
        assert own in mine.body and own in mine.alternatives[0].content
        assert other.extra_headers["List-Unsubscribe"][1:-1] not in mine.body
        assert "EVADAILY-" not in mine.body + mine.alternatives[0].content
    assert ana.body != bo.body


def test_no_stories_no_email(newsroom):
    from articles.models import Article

    Article.objects.update(status=Article.Status.DRAFT)
    subscriber("daily@example.org", daily=True)
    assert send_edition() == ("No stories for the edition of Wednesday, December 2, 2026, "
                              "6:00 AM: nothing to send.")
    assert mail.outbox == [] and not Edition.objects.exists()


def test_a_subscriber_with_nothing_new_gets_nothing(newsroom):
    quiet = subscriber("quiet@example.org", sections=[])  # follows a section with no news
    from tests.factories import SectionFactory

    quiet.sections.set([SectionFactory(name="Science", slug="science")])
    subscriber("daily@example.org", daily=True)
    send_edition()
    assert sorted(editions()) == ["daily@example.org"]
    quiet.refresh_from_db()
    assert quiet.served_until == EDITION  # served: nothing was new for them


def test_calling_it_twice_sends_nobody_the_edition_twice(newsroom):
    subscriber("daily@example.org", daily=True)
    first = send_edition()
    assert first.startswith("Queued") and len(mail.outbox) == 1
    assert send_edition() == ("Every subscriber has had the edition of Wednesday, "
                              "December 2, 2026, 6:00 AM.")
    assert len(mail.outbox) == 1
    # A subscriber confirmed since gets it from the next call, and only they do.
    subscriber("late@example.org", daily=True)
    assert send_edition().startswith("Queued the edition of Wednesday, December 2, 2026, "
                                     "6:00 AM for 1 subscriber in 1 batch.")
    assert [m.to for m in mail.outbox] == [["daily@example.org"], ["late@example.org"]]
    assert Edition.objects.count() == 1


def test_the_next_edition_carries_what_came_after_the_last(newsroom, clock):
    stories = newsroom["stories"]
    subscriber("daily@example.org", daily=True)
    send_edition()
    clock.shift(timedelta(days=1))
    send_edition()
    second = mail.outbox[1]
    assert stories["after"].headline in second.body  # published 06:30 yesterday
    assert stories["world"].headline not in second.body  # was in the first
    assert second.subject == "EVA DAILY for Thursday, December 3, 2026"
    assert Delivery.objects.count() == 2


def test_a_paused_subscriber_resumes_with_the_last_24_hours(client, newsroom, clock):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    client.post(preferences, {"action": "pause"})
    mail.outbox.clear()
    send_edition()
    assert mail.outbox == []
    clock.shift(timedelta(days=3))
    ArticleFactory(slug="fresh", headline="Fresh harbour news", section=newsroom["world"],
                   author=newsroom["human"], published_at=EDITION + timedelta(days=3,
                                                                              hours=-2))
    client.post(preferences, {"action": "resume"})
    send_edition()
    (message,) = mail.outbox
    assert "Fresh harbour news" in message.body
    assert newsroom["stories"]["after"].headline not in message.body  # 3 days ago


@pytest.mark.parametrize("paused", [False, True])
def test_resuming_after_the_edition_does_not_make_it_due_again(client, newsroom, paused):
    """DESIGN section 9: send_edition may run again the same day; nobody gets a second copy."""
    preferences = subscribe_and_confirm(client, "ana@example.org")
    subscriber("bo@example.org", daily=True)
    send_edition()
    assert sorted(editions()) == ["ana@example.org", "bo@example.org"]
    if paused:
        client.post(preferences, {"action": "pause"})
    assert client.post(preferences, {"action": "resume"}).status_code == 302
    ana = Subscriber.objects.get(email="ana@example.org")
    assert not ana.is_paused and ana.served_until == EDITION
    assert send_edition() == ("Every subscriber has had the edition of Wednesday, "
                              "December 2, 2026, 6:00 AM.")
    assert len(editions()) == 2 and Delivery.objects.count() == 2


def test_a_subscriber_due_again_after_their_copy_does_not_stop_the_batch(newsroom):
    """Whatever moved served_until back, the delivery record keeps it to one copy."""
    ana, bo = (subscriber(email, daily=True) for email in ("ana@example.org", "bo@example.org"))
    edition = Edition.objects.create(scheduled_at=EDITION)
    assert serving.serve_batch(edition.pk, ana.pk, ana.pk) == 1
    Subscriber.objects.filter(pk=ana.pk).update(served_until=None)  # due again
    assert serving.serve_batch(edition.pk, ana.pk, bo.pk) == 1  # no IntegrityError
    assert [m.to for m in mail.outbox] == [["ana@example.org"], ["bo@example.org"]]
    assert not Subscriber.objects.due(edition).exists()
    assert Delivery.objects.count() == 2


def test_a_worker_that_dies_mid_batch_leaves_the_rest_for_the_next_run(newsroom, settings):
    """Serving stops at the fourth subscriber; what was sent stays sent, once."""
    for number in range(6):
        subscriber(f"r{number}@example.org", daily=True)
    sent = []

    class DyingBackend:
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            if len(sent) == 3:
                raise smtplib.SMTPServerDisconnected("the worker's connection died")
            sent.extend(messages)
            return len(messages)

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DyingBackendHolder"}}
    DyingBackendHolder.backend = DyingBackend
    edition = Edition.objects.create(scheduled_at=EDITION)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        serving.serve_batch(edition.pk, 0, 10**9)
    assert [m.to[0] for m in sent] == ["r0@example.org", "r1@example.org", "r2@example.org"]
    assert Delivery.objects.count() == 3
    assert Subscriber.objects.due(edition).count() == 3  # the fourth is still due
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert serving.serve_batch(edition.pk, 0, 10**9) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"r{n}@example.org" for n in (3, 4, 5)]
    assert Delivery.objects.count() == 6


class DyingBackendHolder:
    """MAILERS names a class; this one hands out the test's backend."""

    backend = None

    def __new__(cls, **kwargs):
        return cls.backend(**kwargs)


def test_a_second_worker_on_the_same_subscriber_sends_nothing(newsroom):
    ana = subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    content = serving.Content(EDITION)
    follow = serving._follows([ana])[ana.pk]
    connection = mail.mailers.default
    doubts = serving.Doubts(edition)
    assert serving.serve(edition, ana, follow, content, connection, doubts) == 1
    assert serving.serve(edition, ana, follow, content, connection, doubts) == 0
    assert len(mail.outbox) == 1


def test_an_address_refused_for_good_is_skipped_and_the_rest_go(newsroom, settings):
    for email in ("gone@example.org", "ana@example.org"):
        subscriber(email, daily=True)

    class RefusingBackend:
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            if messages[0].to == ["gone@example.org"]:
                raise smtplib.SMTPRecipientsRefused(
                    {"gone@example.org": (550, b"No such mailbox")})
            mail.outbox.extend(messages)
            return 1

    DyingBackendHolder.backend = RefusingBackend
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DyingBackendHolder"}}
    send_edition()
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert not Subscriber.objects.due(Edition.objects.get()).exists()
    assert list(Delivery.objects.values_list("subscriber__email", flat=True)) == [
        "ana@example.org"]


def test_the_watcher_queues_again_what_a_stalled_edition_left(newsroom, settings):
    settings.EDITION_STALL_SECONDS = 60
    subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION, watch_key="k",
                                     heartbeat_at=NOW - timedelta(seconds=30))
    # Still moving: nothing queued.
    assert tasks.watch_edition.call(edition.pk, "k") == "moving"
    assert mail.outbox == []
    # Another watcher took over: this one stops.
    assert tasks.watch_edition.call(edition.pk, "old") == "not mine"
    # Nothing for a minute: what is due is queued again (and, here, sent at once).
    Edition.objects.update(heartbeat_at=NOW - timedelta(seconds=61))
    assert tasks.watch_edition.call(edition.pk, "k") == "queued 1 batch again"
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert tasks.watch_edition.call(edition.pk, "k") == "finished"
    assert Edition.objects.get().finished_at == NOW


def test_a_later_edition_ends_an_earlier_one(newsroom):
    subscriber("ana@example.org", daily=True)
    earlier = Edition.objects.create(scheduled_at=EDITION - timedelta(days=1), watch_key="k")
    Edition.objects.create(scheduled_at=EDITION)
    assert serving.serve_batch(earlier.pk, 0, 10**9) == 0
    assert tasks.watch_edition.call(earlier.pk, "k") == "finished"
    assert mail.outbox == []


class CountingBackend:
    """A mail server that keeps count, not messages: the outbox would grow with readers."""

    sent = 0

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        for message in messages:
            message.message().as_bytes()  # built in full, as for a real server
        CountingBackend.sent += len(messages)
        return len(messages)


def test_the_edition_goes_out_in_batches_holding_one_batch_of_readers_at_a_time(
        newsroom, settings):
    """Memory is bounded by the batch, whatever the number of subscribers.

    Every subscriber object alive at once is counted as it is made; with 300
    subscribers in batches of 25, never more than one batch is held.
    (make bench sends 2,000 and 10,000 and reports the worker's peak memory.)
    """
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    Subscriber.objects.bulk_create(
        Subscriber(email=f"r{number}@example.org", is_daily=True, confirmed_at=NOW)
        for number in range(300))
    alive, most = weakref.WeakSet(), [0]

    def made(sender, instance, **kwargs):
        alive.add(instance)
        most[0] = max(most[0], len(alive))

    batches = []
    real = serving.serve_batch

    def spy(edition_id, first_id, last_id):
        gc.collect()  # the previous batch's objects are garbage now; count only the living
        batches.append(Subscriber.objects.filter(pk__gte=first_id, pk__lte=last_id).count())
        return real(edition_id, first_id, last_id)

    CountingBackend.sent = 0
    post_init.connect(made, sender=Subscriber)
    try:
        with mock.patch.object(tasks, "serve_batch", spy):
            assert send_edition(batch_size=25).endswith("for 300 subscribers in 12 batches.")
    finally:
        post_init.disconnect(made, sender=Subscriber)
    assert CountingBackend.sent == 300
    assert batches == [25] * 12
    assert most[0] <= 25 + 25, most[0]  # the batch, and the ids' own query's rows at most
