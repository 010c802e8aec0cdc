"""Sign-up does not tell strangers which emails have accounts, and every attempt counts."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import HeldName, ProvenEmail
from core import ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

T0 = 1_800_000_000  # a fixed instant, whole hour
PASSWORD = "a-long-harbour-passphrase"
TELLS = ("already uses this email", "already uses this address", "email is taken",
         "email already", "already registered")


def sign_up(client, username, email, **extra):
    return client.post("/accounts/signup/", {"username": username, "email": email,
                                             "password1": PASSWORD, "password2": PASSWORD,
                                             **extra})


def _shape(response):
    """What a stranger can compare between two answers: status, target, page skeleton."""
    return response.status_code, response.get("Location"), re.sub(
        r"value=\"[^\"]*\"|[0-9a-f]{8,}", "", response.content.decode())


class TestTakenEmail:
    def test_answers_exactly_as_a_new_email_does_and_tells_the_owner(
            self, django_capture_on_commit_callbacks):
        UserFactory(username="ana", email="ana@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            new = sign_up(Client(), "fresh", "fresh@example.org", next="/articles/")
        # One email either way: a welcome to a new address, a notice to a used one.
        assert [m.to for m in mail.outbox] == [["fresh@example.org"]]
        assert mail.outbox[0].subject == "Welcome to EVA DAILY"
        assert 'account "fresh"' in mail.outbox[0].body
        with django_capture_on_commit_callbacks(execute=True):
            taken = sign_up(Client(), "copycat", "ANA@example.org", next="/articles/")

        assert _shape(taken) == _shape(new) == (302, "/articles/", "")
        # Created and signed in, like any account, under the inbox's one spelling.
        assert User.objects.filter(username="copycat", email="ana@example.org").exists()
        assert len(mail.outbox) == 2
        notice = mail.outbox[1]
        assert notice.to == ["ana@example.org"]
        assert notice.subject == "A new EVA DAILY account uses your email address"
        assert notice.body.startswith("Hello,\n")
        assert 'your account "ana" already uses' in notice.body
        assert "http://127.0.0.1:8000/accounts/password_reset/" in notice.body
        assert "copycat" not in notice.body and "copycat" not in notice.subject

    def test_the_new_reader_is_signed_in_and_welcomed(self, client):
        UserFactory(username="ana", email="ana@example.org")
        response = sign_up(client, "copycat", "ana@example.org")
        page = client.get(response["Location"]).content.decode()
        assert "Signed in as <strong>copycat</strong>" in page

    def test_no_page_says_the_email_is_taken(self, client):
        UserFactory(username="ana", email="ana@example.org")
        pages = [client.get("/accounts/signup/"),
                 sign_up(Client(), "bad", "ana@example.org", password2="different"),
                 sign_up(Client(), "ana", "ana@example.org"),
                 sign_up(Client(), "", "ana@example.org")]
        response = sign_up(client, "copycat", "ana@example.org")
        pages.append(client.get(response["Location"]))
        assert [p.status_code for p in pages] == [200, 400, 400, 400, 200]
        for page in pages:
            html = page.content.decode().lower()
            assert not [tell for tell in TELLS if tell in html], html

    def test_a_refused_form_is_refused_the_same_whether_the_email_is_used_or_not(self):
        UserFactory(username="ana", email="ana@example.org")
        used = sign_up(Client(), "bad", "ana@example.org", password2="different")
        unused = sign_up(Client(), "bad", "nobody@example.org", password2="different")
        assert _shape(used) == _shape(unused)
        assert used.status_code == 400


class TestOneSpellingForEachInbox:
    """Sign-up keeps an address as email change and the newsletter do (core.mail.mailbox)."""

    @pytest.mark.parametrize("typed, kept", [
        ("Ana.Lopez@Example.ORG", "ana.lopez@example.org"),
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
    ])
    def test_an_address_is_kept_as_mail_is_sent_to_it(self, typed, kept):
        response = sign_up(Client(), "harbour", typed)
        assert response.status_code == 302
        assert User.objects.get(username="harbour").email == kept

    @pytest.mark.parametrize("typed, message", [
        ('"ana"@example.org', "without quotation marks"),
        ("ana@localhost", "Enter an email address such as name@example.org."),
    ])
    def test_an_address_no_mail_can_reach_is_refused_and_the_form_kept(self, typed, message):
        response = sign_up(Client(), "harbour", typed)
        assert response.status_code == 400
        page = unescape(response.content.decode())
        assert message in page
        assert 'value="harbour"' in page
        assert not User.objects.filter(username="harbour").exists()

    def test_a_held_address_is_refused_in_another_spelling(self):
        held = UserFactory(username="gone", email="gone@example.org")
        ProvenEmail.record(held)  # an address never proven is not held
        HeldName.hold(held, timezone.now() + timedelta(days=3))
        held.delete()
        response = sign_up(Client(), "back_again", "GONE@Example.org")
        assert response.status_code == 400
        assert "This email address cannot be used at the moment." in unescape(
            response.content.decode())


class TestPasswordResetWithTwoAccounts:
    def test_one_mail_names_each_account_with_its_own_link_and_each_link_works(self):
        UserFactory(username="ana", email="ana@example.org")
        UserFactory(username="ana_work", email="ANA@example.org")
        response = Client().post("/accounts/password_reset/", {"email": "ana@example.org"})
        assert response.status_code == 302
        # One email for the inbox, however many accounts use it: the per-address
        # limit then bounds what reaches it.
        (message,) = mail.outbox
        assert message.body.startswith("Hello,\n")
        by_name = dict(re.findall(r'For "([^"]+)":\n(\S+/accounts/reset/\S+)', message.body))
        assert set(by_name) == {"ana", "ana_work"}

        # Each link sets the password of the account its mail names.
        for name, link in by_name.items():
            client = Client()
            form = client.get(urlsplit(link).path, follow=True)
            assert "Choose a new password" in form.content.decode()
            new_password = f"{name}-new-harbour-passphrase"
            done = client.post(form.redirect_chain[-1][0], {
                "new_password1": new_password, "new_password2": new_password})
            assert done.status_code == 302
            assert User.objects.get(username=name).check_password(new_password)


class TestEveryAttemptCounts:
    def test_twenty_eight_attempts_get_429_after_the_fifth(self):
        UserFactory(username="ana", email="ana@example.org")
        attempts = [
            {"username": "first", "email": "first@example.org"},                  # valid
            {"username": "second", "email": "ana@example.org"},                   # email in use
            {"username": "bad", "email": "bad@example.org", "password2": "other"},
            {"username": "bot", "email": "bot@example.org", "website": "spam"},   # honeypot
            {"username": "ana", "email": "x@example.org"},                        # name taken
        ] + [{"username": f"probe{i}", "email": f"probe{i}@example.org"} for i in range(23)]
        statuses = []
        with time_machine.travel(T0, tick=False) as clock:
            for data in attempts:
                response = Client().post("/accounts/signup/", {
                    "password1": PASSWORD, "password2": PASSWORD, **data})
                statuses.append(response.status_code)
                clock.shift(10)
            assert statuses == [302, 302, 400, 400, 400] + [429] * 23
            # An hour on from the tenth of it the first attempt fell in (T0's).
            assert int(response["Retry-After"]) == 3960 - 27 * 10
            html = response.content.decode()
            assert ("We accept at most five sign-up attempts an hour from one connection. "
                    "You can try again in 62 minutes; what you typed is still here, "
                    "except the password.") in html
            assert 'value="probe22"' in html and 'value="probe22@example.org"' in html
            assert PASSWORD not in html
            assert "This field is required" not in html  # nothing was checked
            assert not User.objects.filter(username__startswith="probe").exists()
            # Another connection has its own allowance; this one's returns an hour on.
            assert sign_up(Client(REMOTE_ADDR="192.0.2.7"), "elsewhere",
                           "elsewhere@example.org").status_code == 302
            clock.shift(3960 - 28 * 10)
            assert sign_up(Client(), "later", "later@example.org").status_code == 302


class TestStoreUnavailable:
    @pytest.fixture
    def store_down(self, monkeypatch):
        def unavailable(*args, **kwargs):
            raise ratelimit.Unavailable("redis is down")

        monkeypatch.setattr(ratelimit, "acquire", unavailable)

    def test_sign_up_answers_503_with_the_form_as_typed(self, client, store_down):
        response = sign_up(client, "newreader", "new@example.org")
        assert response.status_code == 503
        html = unescape(response.content.decode())
        assert "We can't take posts for a moment" in html
        assert "Please try again in a minute." in html
        assert 'value="newreader"' in html and 'value="new@example.org"' in html
        assert PASSWORD not in html
        assert not User.objects.filter(username="newreader").exists()

    def test_password_reset_answers_503_with_the_address_kept(self, client, store_down):
        UserFactory(username="ana", email="ana@example.org")
        response = client.post("/accounts/password_reset/", {"email": "ana@example.org"})
        assert response.status_code == 503
        html = unescape(response.content.decode())
        assert "We can't take posts for a moment" in html
        assert 'value="ana@example.org"' in html
        assert mail.outbox == []
