"""Changing an account's email address: asked with the password, made by a link to the new
address, told to the old one; refused, limited and expired links answer plainly."""

import re
import smtplib
from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from accounts import email_change
from accounts.models import EmailChanged, Reader
from core import ratelimit
from core.honeypot import HONEYPOT_REFUSAL
from newsletter.models import Subscriber
from tests.factories import UserFactory
from tests.markup import parse_html
from tests.tasks import run_due_tasks

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"
T0 = 1_800_000_000  # a fixed instant, whole hour
DAY = 24 * 3600
LINK = re.compile(r"https://news\.example(/accounts/email/confirm/[^\s/]+/)")
NOTE = "The newsletter does not follow your account"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://news.example"
    settings.NEWSROOM_EMAIL = "desk@news.example"


@pytest.fixture
def reader(client):
    user = UserFactory(username="ana", email="ana@example.org")
    client.force_login(user)
    return user


def ask(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/email/", {"email": email, "password": password, **extra})


def text(response):
    return unescape(response.content.decode())


def link_in(message):
    (path,) = LINK.findall(message.body)
    return path


def asked_link(client, email="new@example.org"):
    """Ask for a change and return the path of the link the new address got."""
    assert ask(client, email).status_code == 302
    return link_in(mail.outbox[-1])


def email_of(user):
    user.refresh_from_db()
    return user.email


def field_tag(html, name):
    return re.search(rf'<input[^>]* name="{name}"[^>]*>', html)[0]


class TestTheForm:
    @pytest.mark.parametrize("path", ["/accounts/email/", "/accounts/email/sent/"])
    def test_sign_in_is_required(self, path):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"

    def test_an_anonymous_post_sends_nothing(self):
        UserFactory(username="ana", email="ana@example.org")
        response = ask(Client(), "new@example.org")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert mail.outbox == []

    def test_the_account_page_links_it_beside_the_email(self, client, reader):
        html = text(client.get("/accounts/"))
        assert ('<dd>ana@example.org <a href="/accounts/email/" class="account-change">'
                'Change email</a>') in html

    @pytest.mark.parametrize("path", ["/accounts/email/", "/accounts/email/sent/", "link"])
    def test_its_pages_are_personal_never_cached_and_not_indexed(self, client, reader, path):
        if path == "link":
            path = asked_link(client)
        elif path == "/accounts/email/sent/":
            ask(client, "new@example.org")
        response = client.get(path)
        assert response.status_code == 200
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
        assert "public" not in cache_control
        assert parse_html(response).meta["robots"] == "noindex"

    def test_it_asks_for_the_new_address_and_the_password_with_labels(self, client, reader):
        html = text(client.get("/accounts/email/"))
        assert '<label for="id_email">New email address</label>' in html
        assert '<label for="id_password">Your current password</label>' in html
        assert 'autocomplete="current-password"' in field_tag(html, "password")
        assert 'type="email"' in field_tag(html, "email")
        assert "Your account uses <strong>ana@example.org</strong>." in html
        assert 'name="website"' in html  # the honeypot, as on the other forms that send email

    @pytest.mark.parametrize("email, password, field, message", [
        ("new@example.org", "not-my-password", "password", "That is not your password."),
        ("new.example.org", PASSWORD, "email",
         "Enter an email address such as name@example.org."),
        ("ANA@example.org", PASSWORD, "email",
         "This is already your account’s email address. Enter the new one."),
        ("", PASSWORD, "email", "Enter the new address for your account."),
    ])
    def test_a_refused_form_keeps_the_address_not_the_password(
            self, client, reader, email, password, field, message):
        response = ask(client, email, password)
        assert response.status_code == 400
        html = text(response)
        assert "Please check the fields marked below; your email address has not changed." \
            in html
        # The message is tied to its field.
        assert (f'<ul class="field-errors" id="id_{field}_error"><li>{message}</li></ul>'
                in html)
        tag = field_tag(html, field)
        assert 'aria-invalid="true"' in tag and f"id_{field}_error" in tag
        if email:
            assert f'value="{email}"' in field_tag(html, "email")
        assert password not in html and "value=" not in field_tag(html, "password")
        assert mail.outbox == []
        assert email_of(reader) == "ana@example.org"

    def test_the_honeypot_refuses_and_sends_nothing(self, client, reader):
        response = ask(client, "new@example.org", website="https://spam.example")
        assert response.status_code == 400
        html = text(response)
        assert HONEYPOT_REFUSAL in html
        assert 'value="new@example.org"' in html and PASSWORD not in html
        assert mail.outbox == []


class TestAsking:
    def test_sends_one_link_to_the_new_address_and_changes_nothing_yet(self, client, reader):
        response = ask(client, "new@example.org")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/email/sent/"
        (message,) = mail.outbox
        assert message.to == ["new@example.org"]
        assert message.subject == "Confirm the new email address of your EVA DAILY account"
        assert message.body.startswith("Hello,\n")
        assert 'your EVA DAILY account "ana"' in message.body
        assert "The link works for 3 days." in message.body
        assert link_in(message)
        assert email_of(reader) == "ana@example.org"

        sent = text(client.get(response["Location"]))
        assert "Check your inbox" in sent
        assert "We have sent an email to <strong>new@example.org</strong>." in sent
        assert "your account keeps using ana@example.org" in sent

    def test_the_sent_page_without_a_request_leads_to_the_form(self, client, reader):
        response = client.get("/accounts/email/sent/")
        assert response.status_code == 302 and response["Location"] == "/accounts/email/"

    def test_an_address_of_another_account_gets_a_note_not_a_link(self, client, reader):
        UserFactory(username="bo", email="Taken@example.org")
        unused = ask(client, "free@example.org")
        unused_page = client.get(unused["Location"]).content.decode()
        taken = ask(client, "taken@example.org")
        taken_page = client.get(taken["Location"]).content.decode()

        # The reader cannot tell the two apart.
        assert (taken.status_code, taken["Location"]) == (unused.status_code,
                                                          unused["Location"])
        strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|(free|taken)@example.org')
        assert strip.sub("", taken_page) == strip.sub("", unused_page)

        assert len(mail.outbox) == 2
        note = mail.outbox[1]
        assert note.to == ["Taken@example.org"]
        assert note.subject == "An EVA DAILY account asked to use your email address"
        assert note.body.startswith("Hello,\n")
        assert 'your account "bo" already uses' in note.body
        assert "https://news.example/accounts/password_reset/" in note.body
        assert "/accounts/email/confirm/" not in note.body
        assert '"ana"' not in note.body  # the asking account is not named
        assert email_of(reader) == "ana@example.org"

    def test_an_inactive_account_does_not_hold_its_address(self, client, reader):
        UserFactory(username="gone", email="old@example.org", is_active=False)
        assert ask(client, "old@example.org").status_code == 302
        (message,) = mail.outbox
        assert message.to == ["old@example.org"] and link_in(message)


class TestTheLink:
    def test_get_shows_the_change_and_changes_nothing(self, client, reader):
        path = asked_link(client)
        for method in (Client().get, Client().head, client.get):
            assert method(path).status_code == 200
        html = text(Client().get(path))
        assert "Confirm your new email address" in html
        assert ("The account <strong>ana</strong> will use <strong>new@example.org</strong> "
                "instead of a•••@example.org.") in html
        assert f'<form method="post" action="{path}"' in html
        assert email_of(reader) == "ana@example.org"
        assert len(mail.outbox) == 1

    def test_post_changes_it_and_tells_the_old_address(self, client, reader):
        path = asked_link(client)
        response = client.post(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/"
        assert email_of(reader) == "new@example.org"

        assert len(mail.outbox) == 2
        notice = mail.outbox[1]
        assert notice.to == ["ana@example.org"]
        assert notice.subject == "The email address of your EVA DAILY account was changed"
        assert notice.body.startswith("Hello,\n")
        assert "from this address to n•••@example.org." in notice.body
        assert "new@example.org" not in notice.body
        assert "A password reset would not help" in " ".join(notice.body.split())  # wrapped
        assert "https://news.example/accounts/password_change/" in notice.body
        assert "https://news.example/accounts/email/" in notice.body
        assert "write to the newsroom at desk@news.example" in notice.body

        page = text(client.get("/accounts/"))
        assert ('<div role="status"><ul class="notices"><li>Your account’s email address is '
                'now new@example.org. Password-reset emails go there from now on.</li></ul>'
                '</div>') in page
        assert "<dd>new@example.org" in page

    def test_it_works_without_a_sign_in(self, client, reader):
        path = asked_link(client)
        response = Client().post(path)
        # Done, on a page of its own: the account page would ask to sign in first.
        assert response.status_code == 200
        assert "The account “ana” now uses new@example.org." in text(response)
        assert email_of(reader) == "new@example.org"
        assert [m.to for m in mail.outbox] == [["new@example.org"], ["ana@example.org"]]

    def test_the_sign_in_keeps_working_and_a_reset_goes_to_the_new_address(self, client,
                                                                           reader):
        client.post(asked_link(client))
        assert client.get("/accounts/").status_code == 200  # still signed in
        mail.outbox.clear()
        Client().post("/accounts/password_reset/", {"email": "new@example.org"})
        assert [m.to for m in mail.outbox] == [["new@example.org"]]

    def test_another_account_that_took_the_address_meanwhile_stops_it(self, client, reader):
        path = asked_link(client)
        UserFactory(username="bo", email="NEW@example.org")
        for response in (Client().get(path), client.post(path)):
            assert response.status_code == 409
            assert "Another account uses this address" in text(response)
        assert email_of(reader) == "ana@example.org"
        assert len(mail.outbox) == 1  # no notice

    def test_the_link_expires_after_three_days(self, client, reader):
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(reader)  # a session that has not expired at T0
            path = asked_link(client)
            clock.shift(3 * DAY - 60)
            assert Client().get(path).status_code == 200
            clock.shift(61)
            for response in (Client().get(path), client.post(path)):
                assert response.status_code == 410
                html = text(response)
                assert "<h1>This link has expired</h1>" in html
                assert "work for 3 days" in html and 'href="/accounts/"' in html
        assert email_of(reader) == "ana@example.org"
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize("tamper", [
        lambda token: token[:9] + ("A" if token[9] != "A" else "B") + token[10:],
        lambda token: signing.dumps(signing.loads(token, salt=email_change.SALT),
                                    salt="newsletter.confirm"),
        lambda token: signing.dumps({"user": "1", "email": "x@example.org", "state": "x"},
                                    salt=email_change.SALT),
        lambda token: "not-a-token",
    ])
    def test_a_tampered_link_is_refused_plainly(self, client, reader, tamper):
        path = asked_link(client)
        token = path.split("/")[-2]
        bad = f"/accounts/email/confirm/{tamper(token)}/"
        for response in (Client().get(bad), client.post(bad)):
            assert response.status_code == 400
            html = text(response)
            assert "<h1>This link does not work</h1>" in html
            assert "Copy the whole link from the email" in html
        assert email_of(reader) == "ana@example.org"

    def test_a_used_link_does_nothing_more(self, client, reader):
        path = asked_link(client)
        client.post(path)
        response = client.post(path)
        assert response.status_code == 410
        assert "Your account already uses this email address." in text(response)
        assert len(mail.outbox) == 2  # one link, one notice

    def test_an_older_link_cannot_be_replayed_after_another_change(self, client, reader):
        first = asked_link(client, "first@example.org")
        second = asked_link(client, "second@example.org")
        assert client.post(second).status_code == 302
        assert email_of(reader) == "second@example.org"
        for response in (Client().get(first), client.post(first)):
            assert response.status_code == 410
            assert "has changed since the link was sent" in text(response)
        assert email_of(reader) == "second@example.org"

    def test_changing_back_does_not_revive_a_link_sent_before(self, client, reader):
        # Sent for ana@, then the address moves away and back: ana@ with the same
        # password again, but the link asked for before stays void.
        before = asked_link(client, "typo@example.org")
        assert client.post(asked_link(client, "new@example.org")).status_code == 302
        assert client.post(asked_link(client, "ana@example.org")).status_code == 302
        assert email_of(reader) == "ana@example.org"
        response = client.post(before)
        assert response.status_code == 410
        assert "has changed since the link was sent" in text(response)
        assert email_of(reader) == "ana@example.org"

    def test_a_change_made_elsewhere_voids_the_links_too(self, client, reader):
        # The admin (or a shell) saves the user: the change is noted all the same.
        path = asked_link(client)
        reader.email = "desk-set@example.org"
        reader.save()
        reader.email = "ana@example.org"
        reader.save()
        assert client.post(path).status_code == 410
        assert email_of(reader) == "ana@example.org"

    def test_a_change_saved_through_the_reader_proxy_voids_them_too(self, client, reader):
        # Django names accounts.Reader, not the user model, as that save's sender.
        path = asked_link(client)
        proxy = Reader.objects.get(pk=reader.pk)
        proxy.email = "desk-set@example.org"
        proxy.save()
        assert EmailChanged.objects.get().user_id == reader.pk
        proxy.email = "ana@example.org"
        proxy.save()
        assert client.post(path).status_code == 410

    def test_a_sign_in_or_a_new_link_notes_no_change(self, client, reader):
        reader.last_login = timezone.now()
        reader.save(update_fields=["last_login"])
        reader.save()  # the same address
        assert not EmailChanged.objects.exists()
        assert client.post(asked_link(client)).status_code == 302
        assert EmailChanged.objects.get().user_id == reader.pk

    def test_a_new_password_voids_the_links_sent_before(self, client, reader):
        path = asked_link(client)
        reader.set_password("a-new-harbour-passphrase")
        reader.save()
        assert client.post(path).status_code == 410
        assert email_of(reader) == "ana@example.org"

    def test_a_deleted_account_s_link_changes_nothing(self, client, reader):
        path = asked_link(client)
        reader.delete()
        response = Client().post(path)
        assert response.status_code == 410
        assert "deleted or closed" in text(response)


class TestLimits:
    def test_every_request_counts_and_the_sixth_in_an_hour_gets_429(self, client, reader):
        attempts = [("one@example.org", PASSWORD), ("two@example.org", "wrong-password"),
                    ("three.example.org", PASSWORD), ("ana@example.org", PASSWORD),
                    ("five@example.org", PASSWORD), ("six@example.org", PASSWORD)]
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(reader)  # a session that has not expired at T0
            statuses = []
            for email, password in attempts:
                response = ask(client, email, password)
                statuses.append(response.status_code)
                clock.shift(10)
            assert statuses == [302, 400, 400, 400, 302, 429]
            # An hour on from the tenth of it the requests fell in (T0's).
            assert int(response["Retry-After"]) == 3960 - 5 * 10
            html = text(response)
            assert ("We accept at most five requests to change the email address an hour "
                    "from one connection. You can try again in 66 minutes; the address you "
                    "typed is still here.") in html
            assert 'value="six@example.org"' in field_tag(html, "email")
            assert PASSWORD not in html
            assert "That is not your password" not in html  # nothing was checked
            assert [m.to for m in mail.outbox] == [["one@example.org"], ["five@example.org"]]
            # Another connection has its own allowance.
            elsewhere = Client(REMOTE_ADDR="192.0.2.7")
            elsewhere.force_login(reader)
            assert ask(elsewhere, "six@example.org").status_code == 302

    def test_one_address_gets_at_most_three_emails_an_hour(self, reader):
        UserFactory(username="bo", email="target@example.org")

        def from_elsewhere(n):
            client = Client(REMOTE_ADDR=f"192.0.2.{n}")
            client.force_login(UserFactory(username=f"asker{n}"))
            return ask(client, "TARGET@example.org")

        with time_machine.travel(T0, tick=False):
            assert [from_elsewhere(n).status_code for n in range(3)] == [302] * 3
            response = from_elsewhere(3)
        assert response.status_code == 429
        assert int(response["Retry-After"]) == 3960  # an hour on from T0's tenth of it
        html = text(response)
        assert "We have sent that address as many emails as we send it in an hour." in html
        assert 'value="TARGET@example.org"' in html and PASSWORD not in html
        assert len(mail.outbox) == 3

    @pytest.mark.parametrize("down", ["every limit", "the address's limit"])
    def test_the_limit_store_down_answers_503_with_the_form_as_typed(
            self, client, reader, monkeypatch, down):
        acquire = ratelimit.acquire

        def unavailable(limits, ident, now=None):
            if down == "every limit" or limits[0].scope == "email-change-email-hourly":
                raise ratelimit.Unavailable("redis is down")
            return acquire(limits, ident, now)

        monkeypatch.setattr(ratelimit, "acquire", unavailable)
        response = ask(client, "new@example.org")
        assert response.status_code == 503
        html = text(response)
        assert "We can't take posts for a moment" in html
        assert 'value="new@example.org"' in html and PASSWORD not in html
        assert mail.outbox == []
        assert email_of(reader) == "ana@example.org"


class TestTheNewsletter:
    def test_a_subscription_keeps_its_address_and_the_pages_say_so(self, client, reader):
        Subscriber.objects.create(email="ana@example.org", is_daily=True,
                                  confirmed_at=timezone.now())
        assert NOTE in text(client.get("/accounts/email/"))
        path = asked_link(client)
        assert NOTE in text(Client().get(path))
        client.post(path)
        assert list(Subscriber.objects.values_list("email", flat=True)) == ["ana@example.org"]

    def test_the_confirm_page_tells_nothing_about_the_old_address(self, client, reader):
        # The old address was never proven to be the reader's.
        path = asked_link(client)
        strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        before = strip.sub("", Client().get(path).content.decode())
        Subscriber.objects.create(email="ana@example.org", is_daily=True,
                                  confirmed_at=timezone.now())
        after = strip.sub("", Client().get(path).content.decode())
        assert before == after


@pytest.mark.django_db(transaction=True)
def test_the_queue_holds_the_addresses_not_the_link(client, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reader = UserFactory(username="ana", email="ana@example.org")
    client.force_login(reader)
    assert ask(client, "new@example.org").status_code == 302
    assert mail.outbox == []
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "accounts.email_change.send_link"
    assert "/confirm/" not in str(queued.args_kwargs)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    (message,) = mail.outbox
    assert Client().post(link_in(message)).status_code == 200
    assert email_of(reader) == "new@example.org"


def test_a_note_the_mail_server_dropped_goes_again_once(client, flaky_mail, monkeypatch):
    """Two accounts share the address asked for: one note names both, and goes again,
    once, when the mail server drops the connection on it."""
    for name in ("bo", "cy"):
        UserFactory(username=name, email="shared@example.org")
    client.force_login(UserFactory(username="ana", email="ana@example.org"))
    answers = iter([smtplib.SMTPServerDisconnected("Connection unexpectedly closed")])
    deliver = flaky_mail.send_messages

    def drops_the_first(server, messages):
        flaky_mail.failure = next(answers, None)
        return deliver(server, messages)

    monkeypatch.setattr(flaky_mail, "send_messages", drops_the_first)
    assert ask(client, "shared@example.org").status_code == 302
    run_due_tasks()  # the link task queues one note for the address; it is dropped
    assert mail.outbox == []
    run_due_tasks()  # a minute later, it goes again
    (note,) = mail.outbox
    assert note.to == ["shared@example.org"]
    assert note.body.startswith("Hello,\n") and '"bo" and "cy"' in note.body
