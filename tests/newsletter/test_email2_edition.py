"""The edition's sending, QA round (email2): one refused address stops nobody else, no
transaction is open while the mail server is talked to, a claim keeps a second worker
off, and corrections reach subscribers who had no new stories."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection

from articles.models import Article
from newsletter import edition as serving
from newsletter import tasks
from newsletter.models import Delivery, Edition, Subscriber
from standards.models import Correction
from tests.factories import ArticleFactory, CorrectionFactory, SectionFactory

from .conftest import EDITION, NOW
from .emailcheck import problems
from .test_edition import editions, send_edition, subscriber

pytestmark = pytest.mark.django_db

ADDRESSES = ("ana@example.org", "bad@example.org", "cy@example.org")


class Server:
    """A mail server that answers `refusal` (an exception) for bad@example.org while it is
    set, checks what the test asks of each send (`check`), and delivers the rest."""

    refusal = None
    check = None

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        (message,) = messages
        if Server.check is not None:
            Server.check(message)
        if message.to == ["bad@example.org"] and Server.refusal is not None:
            raise Server.refusal
        mail.outbox.append(message)
        return 1


@pytest.fixture
def server(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Server"}}
    Server.refusal = Server.check = None
    yield Server
    Server.refusal = Server.check = None


def sender_refused(code):
    return smtplib.SMTPSenderRefused(code, b"Sender refused", "newsroom@localhost")


def recipients_refused(code):
    return smtplib.SMTPRecipientsRefused({"bad@example.org": (code, b"Refused")})


# Finding 1: one address refused, by the server's answer to any command, stops nobody.

@pytest.mark.parametrize("refusal", [
    smtplib.SMTPDataError(554, b"Transaction failed: Address blacklisted."),  # Amazon SES
    recipients_refused(550),
], ids=["data-554", "recipients-550"])
def test_an_address_refused_for_good_is_served_with_nothing_and_the_rest_go(
        newsroom, server, refusal):
    for email in ADDRESSES:
        subscriber(email, daily=True)
    server.refusal = refusal
    send_edition()
    assert sorted(editions()) == ["ana@example.org", "cy@example.org"]
    edition = Edition.objects.get()
    assert not Subscriber.objects.due(edition).exists()  # bad@ too: served, nothing sent
    assert sorted(Delivery.objects.values_list("subscriber__email", flat=True)) == [
        "ana@example.org", "cy@example.org"]
    # The watcher finds nobody left: nothing more is sent, ever.
    Edition.objects.update(heartbeat_at=NOW - timedelta(days=1))
    assert tasks.watch_edition.call(edition.pk, edition.watch_key) == "finished"
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("refusal", [
    smtplib.SMTPDataError(451, b"Try again later"),
    recipients_refused(452),
], ids=["data-451", "recipients-452"])
def test_an_address_refused_for_now_waits_for_the_next_try_and_the_rest_go(
        newsroom, server, settings, refusal):
    settings.EDITION_STALL_SECONDS = 60
    for email in ADDRESSES:
        subscriber(email, daily=True)
    server.refusal = refusal
    send_edition()
    assert sorted(editions()) == ["ana@example.org", "cy@example.org"]
    edition = Edition.objects.get()
    assert [s.email for s in Subscriber.objects.due(edition)] == ["bad@example.org"]
    assert not Delivery.objects.filter(subscriber__email="bad@example.org").exists()

    # The server takes it now; the watcher's next try sends it, and only it.
    server.refusal = None
    Edition.objects.update(heartbeat_at=NOW - timedelta(seconds=61))
    assert tasks.watch_edition.call(edition.pk, edition.watch_key) == "queued 1 batch again"
    assert [m.to for m in mail.outbox[2:]] == [["bad@example.org"]]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(ADDRESSES)
    assert not Delivery.objects.filter(sending=True).exists()
    assert tasks.watch_edition.call(edition.pk, edition.watch_key) == "finished"


@pytest.mark.parametrize("code", [553, 452])
def test_the_sites_own_address_refused_ends_the_batch_and_marks_nobody_served(
        newsroom, server, code):
    """A refused sender says nothing of the subscriber: the next would be refused too."""
    for email in ADDRESSES:
        subscriber(email, daily=True)
    server.refusal = sender_refused(code)
    edition = Edition.objects.create(scheduled_at=EDITION)
    with pytest.raises(smtplib.SMTPSenderRefused):
        serving.serve_batch(edition.pk, 0, 10**9)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert sorted(s.email for s in Subscriber.objects.due(edition)) == [
        "bad@example.org", "cy@example.org"]
    assert not Delivery.objects.filter(sending=True).exists()


def test_a_lost_connection_ends_the_batch_and_leaves_the_subscriber_due(newsroom, server):
    for email in ADDRESSES:
        subscriber(email, daily=True)
    server.refusal = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    edition = Edition.objects.create(scheduled_at=EDITION)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        serving.serve_batch(edition.pk, 0, 10**9)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert sorted(s.email for s in Subscriber.objects.due(edition)) == [
        "bad@example.org", "cy@example.org"]
    assert not Delivery.objects.filter(sending=True).exists()  # no claim left behind


# Finding 2: the mail server is talked to with no transaction open, the subscriber claimed.

@pytest.mark.django_db(transaction=True)
def test_the_email_is_handed_over_with_no_transaction_open(newsroom, server):
    ana = subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    seen = []

    def check(message):
        # On SQLite an open write transaction holds the database's write lock: every
        # sign-in and post waited for the mail server.
        seen.append((connection.in_atomic_block, connection.get_autocommit(),
                     list(Delivery.objects.filter(subscriber=ana)
                          .values_list("sending", flat=True))))

    server.check = check
    assert serving.serve_batch(edition.pk, 0, 10**9) == 1
    # Claimed, and the claim committed, before the send.
    assert seen == [(False, True, [True])]
    delivery = Delivery.objects.get()
    assert not delivery.sending and delivery.story_count == 2
    ana.refresh_from_db()
    assert ana.served_until == EDITION


def test_a_second_worker_leaves_a_subscriber_another_is_sending_to(newsroom, server, clock,
                                                                    settings):
    settings.EDITION_STALL_SECONDS = 600
    ana = subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    # Another worker took ana a minute ago and is talking to the mail server.
    Delivery.objects.create(edition=edition, subscriber=ana, story_count=2, sending=True,
                            sent_at=NOW - timedelta(minutes=1))
    assert serving.serve_batch(edition.pk, 0, 10**9) == 0
    assert mail.outbox == []
    assert Subscriber.objects.due(edition).get() == ana  # theirs to finish
    # Ten minutes on, nobody answered for it: that worker died before the server took it.
    clock.shift(timedelta(minutes=10))
    assert serving.serve_batch(edition.pk, 0, 10**9) == 1
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert Delivery.objects.filter(subscriber=ana, sending=False).count() == 1
    assert not Subscriber.objects.due(edition).exists()


def test_a_record_that_fails_once_is_tried_again_and_nothing_is_sent_twice(
        newsroom, server, monkeypatch):
    subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    real, failures = serving._record, []

    def busy_once(*args):
        if not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real(*args)

    monkeypatch.setattr(serving, "_record", busy_once)
    assert serving.serve_batch(edition.pk, 0, 10**9) == 1
    assert failures == [1]
    assert not Delivery.objects.get().sending
    assert serving.serve_batch(edition.pk, 0, 10**9) == 0
    assert len(mail.outbox) == 1


def test_a_worker_dying_after_the_send_leaves_a_claim_no_other_worker_sends_again(
        newsroom, server, monkeypatch):
    """Killed between the server's answer and the record: the watcher's next batch (or a
    second worker) finds the claim, and ana does not get a second copy from it."""
    ana = subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)

    def killed(*args):
        raise SystemExit("worker killed")

    monkeypatch.setattr(serving, "_record", killed)
    with pytest.raises(SystemExit):
        serving.serve_batch(edition.pk, 0, 10**9)
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(subscriber=ana).sending
    assert serving.serve_batch(edition.pk, 0, 10**9) == 0
    assert len(mail.outbox) == 1


# Finding 6: corrections reach subscribers with no new stories.

@pytest.fixture
def science(newsroom):
    """A section with no new story, whose older story was corrected since the last edition."""
    section = SectionFactory(name="Science", slug="science", position=2)
    story = ArticleFactory(slug="comet", headline="Comet passes close to Earth",
                           section=section, author=newsroom["human"],
                           published_at=EDITION - timedelta(days=3))
    correction = CorrectionFactory(article=story, date=EDITION - timedelta(hours=5),
                                   text="The comet passed 4 million km away, not 40,000 km.")
    return {"section": section, "story": story, "correction": correction}


def test_a_subscriber_with_only_a_correction_gets_it(newsroom, science, server):
    reader = subscriber("sci@example.org", sections=[science["section"]])
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["sci@example.org"]
    text = " ".join(message.body.split())
    html = message.alternatives[0].content
    assert ("Good morning. No new stories in what you follow this time, only the "
            "corrections and notes below.") in text
    assert "new stories in what you follow." not in text  # no "0 new stories"
    assert "CORRECTIONS AND NOTES" in message.body
    assert "The comet passed 4 million km away, not 40,000 km." in text
    assert f"/articles/comet/#correction-{science['correction'].pk}" in message.body
    assert "No new stories in what you follow this time" in html
    assert problems(html) == []
    assert Delivery.objects.get(subscriber=reader).story_count == 0
    reader.refresh_from_db()
    assert reader.served_until == EDITION
    # The daily subscriber gets their stories and the correction; nobody gets it twice.
    assert send_edition().startswith("Every subscriber has had the edition")
    assert len(mail.outbox) == 2


def test_an_edition_of_corrections_alone_goes_out(newsroom, science, server):
    Article.objects.exclude(pk=science["story"].pk).update(status=Article.Status.DRAFT)
    Correction.objects.exclude(pk=science["correction"].pk).delete()
    subscriber("daily@example.org", daily=True)
    assert send_edition() == ("Queued the edition of Wednesday, December 2, 2026, 6:00 AM "
                              "for 1 subscriber in 1 batch.")
    message = editions()["daily@example.org"]
    assert "The comet passed 4 million km away" in " ".join(message.body.split())
    assert Delivery.objects.get().story_count == 0


def test_nothing_new_at_all_is_still_no_email(newsroom, science, server):
    quiet = SectionFactory(name="Culture", slug="culture", position=3)
    reader = subscriber("quiet@example.org", sections=[quiet])
    subscriber("daily@example.org", daily=True)
    send_edition()
    assert sorted(editions()) == ["daily@example.org"]
    reader.refresh_from_db()
    assert reader.served_until == EDITION
    assert not Delivery.objects.filter(subscriber=reader).exists()


def test_an_address_no_server_takes_is_skipped_with_the_claim(newsroom, server):
    """Django's refusal of an address before it reaches the server (a ValueError)."""
    for email in ("bad@example.org", "ana@example.org"):
        subscriber(email, daily=True)
    server.refusal = ValueError("Invalid address")
    send_edition()
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert not Subscriber.objects.due(Edition.objects.get()).exists()
