"""The edition refused as a message, not as addresses: a mail server that refuses every
copy at the data stage (content it will not take, a sandboxed sending account) must not
mark every subscriber served with nothing sent (newsletter.edition.Doubts)."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail

from newsletter import edition as serving
from newsletter import tasks
from newsletter.models import Delivery, Edition, Subscriber

from .conftest import EDITION, NOW
from .test_edition import subscriber

pytestmark = pytest.mark.django_db

REFUSAL = smtplib.SMTPDataError(554, b"Message rejected: Email address is not verified.")


class Server:
    """Refuses, at the data stage, every copy to an address in `refuses` (all of them
    while `refuses` is None), and takes the rest."""

    refuses = None

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        (message,) = messages
        if Server.refuses is None or message.to[0] in Server.refuses:
            raise REFUSAL
        mail.outbox.append(message)
        return 1


@pytest.fixture
def server(settings, monkeypatch):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Server"}}
    settings.EDITION_STALL_SECONDS = 60
    monkeypatch.setattr(serving, "CONTENT_REFUSALS", 3)
    Server.refuses = None
    yield Server
    Server.refuses = None


def addresses(count):
    return [f"reader{n:02}@example.org" for n in range(count)]


def test_every_copy_refused_ends_the_batch_and_everyone_stays_due(newsroom, server):
    for email in addresses(5):
        subscriber(email, daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    with pytest.raises(serving.MessageRefused, match="refuses the message, not the addresses"):
        serving.serve_batch(edition.pk, 0, 10**9)
    assert Subscriber.objects.due(edition).count() == 5  # nobody marked served
    assert not Delivery.objects.exists()  # no claim left behind


def test_once_the_server_takes_the_message_the_watcher_serves_everyone(newsroom, server):
    for email in addresses(5):
        subscriber(email, daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION, heartbeat_at=NOW,
                                     watch_key="k")
    with pytest.raises(serving.MessageRefused):
        serving.serve_batch(edition.pk, 0, 10**9)
    server.refuses = set()  # the sending account is out of the sandbox
    Edition.objects.update(heartbeat_at=NOW - timedelta(seconds=61))
    assert tasks.watch_edition.call(edition.pk, "k") == "queued 1 batch again"
    assert sorted(m.to[0] for m in mail.outbox) == addresses(5)
    assert tasks.watch_edition.call(edition.pk, "k") == "finished"


def test_refusals_before_a_copy_is_taken_were_the_addresses(newsroom, server):
    """Suppressed addresses first in line, fewer than the limit: decided as theirs once
    the server takes the next subscriber's copy."""
    for email in addresses(4):
        subscriber(email, daily=True)
    server.refuses = set(addresses(2))
    edition = Edition.objects.create(scheduled_at=EDITION)
    assert serving.serve_batch(edition.pk, 0, 10**9) == 2
    assert not Subscriber.objects.due(edition).exists()
    assert sorted(Delivery.objects.values_list("subscriber__email", flat=True)) == addresses(4)[2:]


def test_after_a_copy_was_taken_any_number_of_refusals_are_the_addresses(newsroom, server):
    """The message was taken in an earlier batch: a run of suppressed addresses past the
    limit does not stop the edition."""
    for email in addresses(6):
        subscriber(email, daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION)
    first = Subscriber.objects.order_by("pk").first()
    server.refuses = set(addresses(6)[1:])
    assert serving.serve_batch(edition.pk, first.pk, first.pk) == 1
    assert serving.serve_batch(edition.pk, first.pk + 1, 10**9) == 0
    assert not Subscriber.objects.due(edition).exists()


def test_undecided_refusals_stay_due_when_the_connection_drops(newsroom, server,
                                                               monkeypatch):
    for email in addresses(3):
        subscriber(email, daily=True)
    server.refuses = {addresses(3)[0]}
    real = Server.send_messages

    def dropping(self, messages):
        if messages[0].to[0] == addresses(3)[1]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(self, messages)

    monkeypatch.setattr(Server, "send_messages", dropping)
    edition = Edition.objects.create(scheduled_at=EDITION)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        serving.serve_batch(edition.pk, 0, 10**9)
    assert Subscriber.objects.due(edition).count() == 3
    assert not Delivery.objects.exists()
