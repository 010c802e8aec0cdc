"""QA round on accounts: no inbox is flooded through sign-up or resets, a plus-address is one
inbox to the limits, a double-clicked sign-up answers plainly, a held address stays held
through email change, a deleted account leaves nothing in the task queue, a reset finds an
address however its domain is written, and the confirm and sign-out pages say what happened."""

import importlib
import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.forms import SignupForm
from accounts.models import HeldName, ProvenEmail
from core import ratelimit
from core.mail import queue_email
from pages.loader import read_page
from pages.models import Page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

T0 = 1_800_000_000  # a fixed instant, whole hour
PASSWORD = "a-long-harbour-passphrase"
FACTORY_PASSWORD = "a-long-test-passphrase"  # UserFactory's
RESET_LINK = re.compile(r"\S+/accounts/reset/\S+")


def sign_up(client, username, email, **extra):
    return client.post("/accounts/signup/", {"username": username, "email": email,
                                             "password1": PASSWORD, "password2": PASSWORD,
                                             **extra})


def to(address):
    return [message for message in mail.outbox if message.to[0].lower() == address.lower()]


def text(response):
    return unescape(response.content.decode())


# 1. Sign-up and password reset cannot flood an inbox.

class TestSignUpFlood:
    def test_five_sign_ups_with_one_address_send_it_at_most_three_emails_an_hour(
            self, django_capture_on_commit_callbacks):
        answers = []
        with time_machine.travel(T0, tick=False):
            for number, spelling in enumerate(["victim@example.net", "VICTIM@example.net",
                                               "Victim@Example.net", "victim@EXAMPLE.NET",
                                               "victim@example.net"]):
                with django_capture_on_commit_callbacks(execute=True):
                    answers.append(sign_up(Client(), f"flood{number}", spelling,
                                           next="/articles/"))
        # Every sign-up went through and answered alike: nothing says an email was held.
        assert [(a.status_code, a["Location"]) for a in answers] == [(302, "/articles/")] * 5
        assert User.objects.filter(email="victim@example.net").count() == 5
        assert len(to("victim@example.net")) == 3  # was 1 + 2 + 3 + 4 + 5 = 15

    def test_the_allowance_is_per_inbox_and_comes_back_an_hour_on(
            self, django_capture_on_commit_callbacks):
        with time_machine.travel(T0, tick=False) as clock:
            for number in range(4):
                with django_capture_on_commit_callbacks(execute=True):
                    sign_up(Client(REMOTE_ADDR=f"192.0.2.{number}"), f"flood{number}",
                            "victim@example.net")
            with django_capture_on_commit_callbacks(execute=True):
                sign_up(Client(), "elsewhere", "someone@example.net")
            assert len(to("victim@example.net")) == 3
            assert len(to("someone@example.net")) == 1
            clock.shift(3600 + 360)  # an hour on from the tenth of it they were sent in
            with django_capture_on_commit_callbacks(execute=True):
                sign_up(Client(), "later", "victim@example.net")
            assert len(to("victim@example.net")) == 4

    def test_a_sign_up_sends_one_email_to_an_address_naming_every_account_on_it(
            self, django_capture_on_commit_callbacks):
        UserFactory(username="ana", email="ana@example.org")
        UserFactory(username="ana_work", email="ANA@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            assert sign_up(Client(), "copycat", "Ana@example.org").status_code == 302
        (notice,) = mail.outbox
        assert notice.to[0].lower() == "ana@example.org"
        assert notice.subject == "A new EVA DAILY account uses your email address"
        assert '"ana"' in notice.body and '"ana_work"' in notice.body
        assert "copycat" not in notice.body  # the new account is not named

    def test_the_store_unreachable_after_the_form_makes_the_account_and_holds_the_email(
            self, django_capture_on_commit_callbacks, monkeypatch):
        acquire = ratelimit.acquire

        def only_the_form(limits, ident, now=None):
            if ident.startswith("email:"):
                raise ratelimit.Unavailable("redis went away")
            return acquire(limits, ident, now)

        monkeypatch.setattr(ratelimit, "acquire", only_the_form)
        with django_capture_on_commit_callbacks(execute=True):
            response = sign_up(Client(), "harbour", "harbour@example.org")
        assert response.status_code == 302
        assert User.objects.filter(username="harbour").exists()
        assert mail.outbox == []


class TestNamesInEmails:
    """A username is whatever its maker typed ("www.evil.example", "call.0800-evil"): an
    email names it only in quotation marks, as a username, never as its greeting."""

    NAME = "www.reset-here.example"

    def _assert_only_quoted(self, message):
        assert not message.body.startswith(f"Hello {self.NAME}")
        assert message.body.startswith("Hello,\n")
        for found in re.finditer(re.escape(self.NAME), message.body):
            start, end = found.span()
            assert message.body[start - 1] == message.body[end] == '"', message.body

    def test_the_welcome(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            sign_up(Client(), self.NAME, "victim@example.net")
        (welcome,) = mail.outbox
        assert self.NAME in welcome.body
        self._assert_only_quoted(welcome)

    def test_the_notice_to_an_address_in_use(self, django_capture_on_commit_callbacks):
        UserFactory(username=self.NAME, email="victim@example.net")
        with django_capture_on_commit_callbacks(execute=True):
            sign_up(Client(), "second", "victim@example.net")
        (notice,) = mail.outbox
        assert self.NAME in notice.body
        self._assert_only_quoted(notice)

    def test_the_reset_email(self):
        UserFactory(username=self.NAME, email="victim@example.net")
        Client().post("/accounts/password_reset/", {"email": "victim@example.net"})
        (reset,) = mail.outbox
        self._assert_only_quoted(reset)


class TestOneResetEmailPerInbox:
    def test_one_request_sends_one_email_with_a_working_link_for_each_account(self):
        for name in ("ana", "ana_work", "ana_old"):
            UserFactory(username=name, email="ana@example.org")
        response = Client().post("/accounts/password_reset/", {"email": "ANA@example.org"})
        assert response.status_code == 302
        (message,) = mail.outbox
        assert message.to == ["ana@example.org"]
        links = {}
        for name in ("ana", "ana_work", "ana_old"):
            # Each account's link follows its name.
            after = message.body.split(f'"{name}"', 1)[1]
            links[name] = RESET_LINK.search(after)[0]
        assert len(set(links.values())) == 3
        for name, link in links.items():
            client = Client()
            form = client.get(urlsplit(link).path, follow=True)
            new = f"{name}-new-harbour-passphrase"
            assert client.post(form.redirect_chain[-1][0], {
                "new_password1": new, "new_password2": new}).status_code == 302
            assert User.objects.get(username=name).check_password(new)

    def test_three_requests_send_three_emails_however_many_accounts_share_the_address(self):
        for number in range(6):
            UserFactory(username=f"flood{number}", email="victim@example.net")
        with time_machine.travel(T0, tick=False):
            statuses = [Client(REMOTE_ADDR=f"192.0.2.{number}").post(
                "/accounts/password_reset/", {"email": "victim@example.net"}).status_code
                for number in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert len(to("victim@example.net")) == 3  # was 18

    def test_an_account_that_left_the_address_meanwhile_is_left_out(self, flaky_mail):
        from tests.tasks import run_due_tasks

        UserFactory(username="ana", email="ana@example.org")
        moved = UserFactory(username="ana_work", email="ana@example.org")
        Client().post("/accounts/password_reset/", {"email": "ana@example.org"})
        moved.email = "work@example.org"
        moved.save()
        run_due_tasks()
        (message,) = mail.outbox
        assert '"ana"' in message.body and "ana_work" not in message.body
        assert len(RESET_LINK.findall(message.body)) == 1


# 2. A plus-address is its inbox to the limits.

class TestPlusAddresses:
    def test_one_key_for_an_inbox_and_its_plus_addresses(self):
        key = ratelimit.email_key("victim@example.net")
        assert ratelimit.email_key("victim+1@example.net") == key
        assert ratelimit.email_key("Victim+news+2@EXAMPLE.net") == key
        assert ratelimit.email_key('"victim+3"@example.net') == key
        # Not every provider's dots, and not another mailbox.
        assert ratelimit.email_key("vic.tim@example.net") != key
        assert ratelimit.email_key("victim2@example.net") != key
        assert ratelimit.email_key("+tag@example.net") != ratelimit.email_key("@example.net")

    def test_the_newsletter_sends_three_an_hour_to_the_inbox_behind_them(self):
        from tests.newsletter.conftest import post_subscribe

        with time_machine.travel(T0, tick=False):
            for number in range(1, 5):
                post_subscribe(Client(), f"victim+{number}@example.net")
        assert len(mail.outbox) == 3  # was 4: each spelling had an allowance of its own

    def test_resets_to_plus_addresses_share_the_inbox_allowance(self):
        with time_machine.travel(T0, tick=False):
            statuses = [Client(REMOTE_ADDR=f"192.0.2.{number}").post(
                "/accounts/password_reset/",
                {"email": f"victim+{number}@example.net"}).status_code
                for number in range(4)]
        assert statuses == [302, 302, 302, 429]


# 3. A sign-up form sent twice at once.

def test_a_sign_up_that_loses_the_race_for_its_name_is_refused_with_the_form_kept(monkeypatch):
    is_valid = SignupForm.is_valid

    def valid_then_taken(form):
        valid = is_valid(form)
        if valid:  # the other click's request saves between this one's check and save
            UserFactory(username=form.cleaned_data["username"], email="other@example.org")
        return valid

    monkeypatch.setattr(SignupForm, "is_valid", valid_then_taken)
    response = sign_up(Client(), "harbour", "harbour@example.org", next="/articles/")
    assert response.status_code == 400
    html = text(response)
    assert "A user with that username already exists." in html
    assert 'value="harbour"' in html and 'value="harbour@example.org"' in html
    assert 'name="next" value="/articles/"' in html
    assert PASSWORD not in html
    assert User.objects.filter(username="harbour").count() == 1
    assert "_auth_user_id" not in response.wsgi_request.session


# 4. A held address stays held through email change, and neither form says why.

NEUTRAL = "This email address cannot be used at the moment."


@pytest.fixture
def held_address():
    gone = UserFactory(username="gone", email="gone@example.org")
    ProvenEmail.record(gone)  # an address never proven is not held
    HeldName.hold(gone, timezone.now() + timedelta(days=30))
    gone.delete()
    return "gone@example.org"


def test_email_change_refuses_a_held_address(client, held_address):
    client.force_login(UserFactory(username="fresh", email="fresh@example.org"))
    response = client.post("/accounts/email/", {"email": "GONE@example.org",
                                                "password": FACTORY_PASSWORD})
    assert response.status_code == 400
    html = text(response)
    assert NEUTRAL in html
    assert 'value="GONE@example.org"' in html or 'value="gone@example.org"' in html
    assert mail.outbox == []


@pytest.mark.parametrize("where", ["sign-up", "email change"])
def test_the_refusal_says_nothing_of_a_suspended_account(client, held_address, where):
    if where == "sign-up":
        response = sign_up(client, "back_again", held_address)
    else:
        client.force_login(UserFactory(username="fresh", email="fresh@example.org"))
        response = client.post("/accounts/email/", {"email": held_address,
                                                    "password": FACTORY_PASSWORD})
    html = text(response).lower()
    assert NEUTRAL.lower() in html
    for tell in ("suspend", "banned", "new account", "deleted"):
        assert tell not in html


# 5. Deleting an account deletes its emails from the task queue; the privacy page is true.

@pytest.mark.django_db(transaction=True)
def test_deleting_an_account_deletes_its_emails_from_the_queue(flaky_mail):
    from tests.tasks import run_due_tasks

    client = Client()
    sign_up(client, "bobqa", "bobqa@example.org")
    run_due_tasks()  # the welcome, sent
    client.post("/accounts/email/", {"email": "bob.new@example.org", "password": PASSWORD})
    run_due_tasks()  # the link, sent
    (message,) = [m for m in mail.outbox if m.to == ["bob.new@example.org"]]
    client.post(re.search(r"http://\S+(/accounts/email/confirm/\S+/)", message.body)[1])
    run_due_tasks()  # the notice to the old address, sent
    Client().post("/accounts/password_reset/", {"email": "bob.new@example.org"})  # waiting
    queue_email("Your bias report BR-000001: upheld", "Thank you.", ["Bob.New@example.org"])
    other = UserFactory(username="cy", email="cy@example.org")
    Client().post("/accounts/password_reset/", {"email": "cy@example.org"})  # someone else's
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() >= 3

    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(username="bobqa").exists()
    left = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert not [task for task in left if "bob" in str(task).lower()], left
    assert left == [("accounts.views.send_password_reset", {"args": [], "kwargs": {
        "email": "cy@example.org", "domain": "127.0.0.1:8000", "protocol": "http",
        "user_ids": [other.pk]}})]


def test_an_account_deleted_in_the_admin_or_a_script_takes_its_queued_emails_too(flaky_mail):
    ana = UserFactory(username="ana", email="ana@example.org")
    Client().post("/accounts/password_reset/", {"email": "ana@example.org"})
    queue_email("Your bias report BR-000001: upheld", "Thank you.", ["ana@example.org"])
    assert DBTaskResult.objects.count() == 2
    ana.delete()
    assert not DBTaskResult.objects.exists()


def test_a_reset_queued_before_one_email_covered_every_account_is_still_sent():
    from accounts.views import send_password_reset

    ana = UserFactory(username="ana", email="ana@example.org")
    send_password_reset.call(user_id=ana.pk, email="ana@example.org", domain="news.example",
                             protocol="https")
    (message,) = mail.outbox
    assert RESET_LINK.search(message.body)[0].startswith("https://news.example/accounts/reset/")


def test_the_privacy_page_does_not_promise_comments_go_with_an_unpublished_story():
    body = " ".join(read_page("privacy")["body"].split())
    assert "for as long as the story it sits under is published" not in body
    assert "taken down" in body
    # And what a deleted account leaves in the queue.
    assert "Deleting your account deletes the emails about it" in body


def test_the_migration_brings_an_unedited_privacy_page_up_to_date_and_leaves_an_edited_one():
    migration = importlib.import_module("pages.migrations.0006_privacy_comments_and_queue")
    page = Page.objects.get(slug="privacy")
    old = page.body
    for before, after in migration.CHANGES:
        old = old.replace(after, before)
    Page.objects.filter(pk=page.pk).update(body=old)
    migration.update_privacy(django_apps, None)
    page.refresh_from_db()
    assert page.body == read_page("privacy")["body"]
    assert "taken down" in page.body_html

    edited = old.replace("We keep the text", "Our editors keep the text")
    Page.objects.filter(pk=page.pk).update(body=edited)
    migration.update_privacy(django_apps, None)
    page.refresh_from_db()
    # The editors' sentence stays theirs; the paragraph nobody edited is brought up to date.
    assert "Our editors keep the text" in page.body
    assert "Deleting your account deletes the emails about it" in page.body


# 6. A reset finds an address however its domain is written.

def test_a_reset_finds_an_account_kept_with_its_domain_in_ascii():
    UserFactory(username="jurgen", email="jurgen@xn--bcher-kva.example")
    response = Client().post("/accounts/password_reset/", {"email": "jurgen@bücher.example"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["jurgen@xn--bcher-kva.example"]
    assert RESET_LINK.search(message.body)


def test_a_reset_still_finds_an_account_kept_with_its_domain_in_letters():
    # As the admin could store it, or sign-up before it kept one spelling.
    UserFactory(username="jurgen", email="jurgen@bücher.example")
    Client().post("/accounts/password_reset/", {"email": "jurgen@bücher.example"})
    (message,) = mail.outbox
    assert message.to == ["jurgen@bücher.example"]


# 7. Confirming an email change in a browser that is not signed in as the account.

def _asked_link(owner_client):
    owner_client.post("/accounts/email/", {"email": "new@example.org",
                                           "password": FACTORY_PASSWORD})
    (message,) = mail.outbox
    return re.search(r"http://\S+(/accounts/email/confirm/\S+/)", message.body)[1]


@pytest.mark.parametrize("signed_in_as", [None, "someone else"])
def test_a_confirmation_elsewhere_says_it_is_done_on_its_own_page(signed_in_as):
    owner = Client()
    owner.force_login(UserFactory(username="ana", email="ana@example.org"))
    path = _asked_link(owner)
    browser = Client()
    if signed_in_as:
        browser.force_login(UserFactory(username="bo", email="bo@example.org"))
    response = browser.post(path)
    assert response.status_code == 200
    html = text(response)
    assert "Your new email address is confirmed" in html
    assert "The account “ana” now uses new@example.org." in html
    assert User.objects.get(username="ana").email == "new@example.org"
    # Nothing is left waiting in the session for a page nobody asked for.
    assert "new@example.org" not in text(browser.get("/"))


def test_a_confirmation_by_the_signed_in_owner_still_goes_to_the_account_page():
    owner = Client()
    owner.force_login(UserFactory(username="ana", email="ana@example.org"))
    response = owner.post(_asked_link(owner))
    assert response.status_code == 302 and response["Location"] == "/accounts/"


# 8. Sign-out from a bookmark.

def test_sign_out_by_get_shows_a_button_to_a_signed_in_reader(client):
    client.force_login(UserFactory(username="ana"))
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    html = text(response)
    assert re.search(r'<form method="post" action="/accounts/logout/"[^>]*>\s*'
                     r'<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert ">Sign out</button>" in html
    assert "no-cache" in response["Cache-Control"]
    assert "_auth_user_id" in client.session  # a GET signs nobody out
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_out_by_get_sends_a_signed_out_visitor_home(client):
    response = client.get("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.head("/accounts/logout/").status_code == 302


def test_sign_out_still_refuses_other_methods(client):
    assert client.put("/accounts/logout/").status_code == 405
