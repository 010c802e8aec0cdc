"""The newsletter with a real task worker and a real SMTP server (aiosmtpd) on a free port.

gunicorn serves the site; the web process only queues (its own mail server
address goes nowhere). `manage.py db_worker` runs as a separate process and
sends every email to the SMTP server started here. The paths a reader takes:
subscribe, confirm, the edition with the right stories, the preferences page,
one-click unsubscribe by POST as mail clients send it, a password reset
through the queue; and a worker killed mid-edition, then started again,
which sends each subscriber exactly one copy.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
import urllib.parse
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from .conftest import Client, Worker

pytestmark = pytest.mark.integration

WAIT = 60  # seconds, at most, for any email to arrive
STALL = 3  # EDITION_STALL_SECONDS for these tests


class Inbox:
    """An aiosmtpd handler that keeps every message, and can hold one recipient's RCPT."""

    def __init__(self):
        self.messages = []
        self.raw = {}  # Message-ID: the bytes as the server took them
        self.lock = threading.Lock()
        self.hold = None  # an address whose RCPT waits until released
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait, WAIT)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.extend((address, message) for address in envelope.rcpt_tos)
            self.raw[message["Message-ID"]] = envelope.content
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [message for rcpt, message in self.messages if rcpt == address]

    def wait_for(self, address, count=1, subject=""):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = [m for m in self.to(address) if subject in m["Subject"]]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no email to {address} with {subject!r} within {WAIT} s")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def mail_site(site):
    """The site, an SMTP server, a gunicorn and a worker; the edition due a minute ago."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    now = datetime.now(UTC)
    site.env.update({
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "TIME_ZONE": "UTC",
        "EDITION_TIME": f"{now:%H:%M}",  # the edition due is this minute's
        "EDITION_STALL_SECONDS": str(STALL),
    })
    # The web process never talks to a mail server: give it one that does not exist.
    server = site.start(env={"EMAIL_URL": f"smtp://127.0.0.1:{_free_port()}"})
    world = site.shell(NEWSROOM)["world"]
    workers = []

    def start_worker():
        """A worker of its own: the ones before it are stopped first."""
        for worker in workers:
            worker.stop()
        workers.append(Worker(site.env, site.folder / "worker.log"))
        return workers[-1]

    start_worker()
    try:
        yield {"site": site, "server": server, "inbox": inbox, "start_worker": start_worker,
               "workers": workers, "world": world}
    finally:
        for worker in workers:
            worker.stop()
        inbox.released.set()
        controller.stop()


NEWSROOM = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from authors.models import Author
from newsletter.edition import due_moment

moment = due_moment()
world = Section.objects.create(name="World", slug="world", position=1)
business = Section.objects.create(name="Business", slug="business", position=2)
author = Author.objects.create(name="Ada Reporter", slug="ada-reporter")
body = "The harbour authority met on Tuesday.\\n\\nIt agreed a new timetable."
for slug, headline, section, minutes, status in [
        ("harbour-ferries", "Harbour ferries run every twenty minutes", world, 5, "published"),
        ("port-profits", "Port operator reports record profits", business, 10, "published"),
        ("lighthouse", "Lighthouse keepers return to Cape Mara", world, 15, "draft"),
        ("old-pier", "Old pier closes for repairs", world, 60 * 30, "published")]:
    Article.objects.create(slug=slug, headline=headline, section=section, author=author,
                           body=body, status=status,
                           published_at=moment - timedelta(minutes=minutes))
print("RESULT " + json.dumps({"world": world.pk}))
"""


def _path(url):
    """A link from an email (on SITE_URL, http://127.0.0.1) as a path on the test server."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _link(message, fragment):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return next(word for word in text.split() if fragment in word)


def _send_edition(site, *args):
    return site.manage("send_edition", *args).stdout.strip()


def test_subscribe_confirm_receive_manage_and_leave(mail_site):
    site, server, inbox = mail_site["site"], mail_site["server"], mail_site["inbox"]
    world = mail_site["world"]
    reader = Client()
    assert reader.get(server.url("/newsletter/")).status == 200
    response = reader.post(server.url("/newsletter/"), {"email": "ana@example.org",
                                                        "sections": world})
    assert response.status == 302, response.text[-2000:]
    assert response.headers["Location"] == "/newsletter/check-your-inbox/"

    # Only the confirmation, sent by the worker.
    (confirmation,) = inbox.wait_for("ana@example.org", subject="Confirm")
    confirm = _path(_link(confirmation, "/newsletter/confirm/"))
    assert reader.get(server.url(confirm)).status == 200
    response = reader.post(server.url(confirm), {})
    assert response.status == 302
    assert response.headers["Location"].startswith("/newsletter/preferences/")

    # The edition: World's public story of the last day, nothing else.
    assert _send_edition(site).startswith("Queued the edition of")
    (edition,) = inbox.wait_for("ana@example.org", subject="EVA DAILY for")
    text = edition.get_body(preferencelist=("plain",)).get_content()
    html = edition.get_body(preferencelist=("html",)).get_content()
    assert "Harbour ferries run every twenty minutes" in text and "Harbour ferries" in html
    for absent in ("Port operator reports", "Lighthouse keepers", "Old pier closes"):
        assert absent not in text and absent not in html
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = edition["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1/newsletter/unsubscribe/")
    # As sent: the URL itself in angle brackets, never RFC 2047 encoded-words.
    raw = inbox.raw[edition["Message-ID"]]
    assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw

    # The preferences page, from the email, without a session.
    stranger = Client()
    preferences = _path(_link(edition, "/newsletter/preferences/"))
    page = stranger.get(server.url(preferences))
    assert page.status == 200 and "ana@example.org" in page.text
    response = stranger.post(server.url(preferences), {"action": "save", "is_daily": "on"})
    assert response.status == 302
    assert site.shell("from newsletter.models import Subscriber\n"
                      "print('RESULT ' + json.dumps(Subscriber.objects.get().is_daily))")

    # One click in the mail client: a POST with no cookie and no CSRF token.
    mail_client = Client()
    response = mail_client.request("POST", server.url(_path(unsubscribe)),
                                   {"List-Unsubscribe": "One-Click"})
    assert response.status == 200, response.text[-2000:]
    assert site.shell("from newsletter.models import Subscriber\n"
                      "print('RESULT ' + json.dumps(Subscriber.objects.count()))") == 0
    assert len(inbox.to("ana@example.org")) == 2  # nothing else was sent


def test_a_password_reset_arrives_through_the_queue(mail_site):
    site, server, inbox = mail_site["site"], mail_site["server"], mail_site["inbox"]
    site.shell("from django.contrib.auth.models import User\n"
               "User.objects.create_user('bo', 'bo@example.org', 'a-long-test-passphrase')\n"
               "print('RESULT 1')")
    reader = Client()
    reader.get(server.url("/accounts/password_reset/"))
    response = reader.post(server.url("/accounts/password_reset/"),
                           {"email": "bo@example.org"})
    assert response.status == 302
    (message,) = inbox.wait_for("bo@example.org", subject="Reset your EVA DAILY password")
    link = _link(message, "/accounts/reset/")
    response = reader.get(server.url(_path(link)))
    assert response.status == 302  # Django moves the token out of the address
    page = reader.get(server.url(response.headers["Location"]))
    assert page.status == 200 and "new password" in page.text.lower()


KILL_SUBSCRIBERS = 60


def test_a_worker_killed_mid_edition_resumes_and_nobody_gets_two(mail_site):
    site, inbox = mail_site["site"], mail_site["inbox"]
    # An earlier test's edition is finished by its watcher STALL seconds after its
    # last batch; until then it would take these subscribers as its own stragglers.
    unfinished = ("from newsletter.models import Edition\n"
                  "print('RESULT ' + json.dumps(Edition.objects.filter("
                  "finished_at__isnull=True).exists()))")
    deadline = time.monotonic() + WAIT
    while site.shell(unfinished):
        assert time.monotonic() < deadline, "an earlier edition was never finished"
        time.sleep(1)
    addresses = [f"k{number:03}@example.org" for number in range(KILL_SUBSCRIBERS)]
    site.shell("from django.utils import timezone\n"
               "from newsletter.models import Subscriber\n"
               "Subscriber.objects.bulk_create(Subscriber(email=e, is_daily=True, "
               "confirmed_at=timezone.now()) for e in PARAMS['addresses'])\n"
               "print('RESULT 1')", addresses=addresses)
    # The worker stops at the 21st subscriber: the mail server holds its RCPT.
    inbox.hold = addresses[20]
    worker = mail_site["workers"][-1]
    output = _send_edition(site, "--batch-size", "25")
    assert output.endswith(f"for {KILL_SUBSCRIBERS} subscribers in 3 batches."), output
    assert inbox.holding.wait(WAIT), "the worker never reached the held subscriber"
    assert len(inbox.to(addresses[19])) == 1 and not inbox.to(addresses[20])
    worker.kill()  # mid-batch, mid-transaction, mid-SMTP conversation
    inbox.hold = None
    inbox.released.set()

    mail_site["start_worker"]()
    for address in addresses:
        inbox.wait_for(address, subject="EVA DAILY for")
    # Let the watcher finish the edition, then look again for any second copy.
    deadline = time.monotonic() + WAIT
    finished = "from newsletter.models import Edition\n" \
               "print('RESULT ' + json.dumps(Edition.objects.get().finished_at is not None))"
    while not site.shell(finished):
        assert time.monotonic() < deadline, "the edition was never finished"
        time.sleep(1)
    counts = {address: len(inbox.to(address)) for address in addresses}
    assert set(counts.values()) == {1}, {a: c for a, c in counts.items() if c != 1}
    deliveries = site.shell("from newsletter.models import Delivery\n"
                            "print('RESULT ' + json.dumps(Delivery.objects.filter("
                            "subscriber__email__startswith='k').count()))")
    assert deliveries == KILL_SUBSCRIBERS
    # Called again: nothing more goes out.
    assert _send_edition(site).startswith("Every subscriber has had the edition of")
    time.sleep(STALL)
    assert {len(inbox.to(address)) for address in addresses} == {1}
