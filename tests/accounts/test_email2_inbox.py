"""One inbox, one allowance (QA round, email2): every form that emails an address typed into
it takes from one allowance per inbox, beside its own limit, and says so as it does for its
own; what was typed is kept."""

from html import unescape

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-harbour-passphrase"
INBOX = "ana@example.org"
FULL = ("We have sent that address as many emails as we send it in an hour. You can ask "
        "again in")


def connection(number):
    return Client(REMOTE_ADDR=f"192.0.2.{number}")


def subscribe(number, email=INBOX):
    return connection(number).post("/newsletter/", {"email": email, "is_daily": "on"})


def sign_up(number, username, email=INBOX):
    return connection(number).post("/accounts/signup/", {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})


def reset(number, email=INBOX):
    return connection(number).post("/accounts/password_reset/", {"email": email})


def test_five_emails_an_hour_reach_one_inbox_whichever_forms_send_them(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert subscribe(1).status_code == 302                     # 1: the confirmation link
        assert subscribe(2, "Ana+news@example.org").status_code == 302  # 2: the same inbox
        assert sign_up(3, "ana1").status_code == 302               # 3: the welcome
        assert sign_up(4, "ana2").status_code == 302               # 4: a note to ana1
        assert reset(5).status_code == 302                         # 5: one reset email
    assert len(mail.outbox) == 5
    assert {m.to[0].lower() for m in mail.outbox} == {INBOX, "ana+news@example.org"}

    # Every form's own limit has room left; the inbox's shared allowance has none.
    response = reset(6)
    assert response.status_code == 429
    html = unescape(response.content.decode())
    assert FULL in html and "your address is still here." in html
    assert f'value="{INBOX}"' in html
    assert int(response["Retry-After"]) > 0

    bo = UserFactory(username="bo", email="bo@example.org")
    client = connection(7)
    client.force_login(bo)
    response = client.post("/accounts/email/", {"email": INBOX,
                                                "password": "a-long-test-passphrase"})
    assert response.status_code == 429
    html = unescape(response.content.decode())
    assert FULL in html and "the address you typed is still here." in html
    assert f'value="{INBOX}"' in html

    # Subscribing and signing up answer as always (they tell nobody what an address
    # has had); only the email is held back.
    with django_capture_on_commit_callbacks(execute=True):
        assert subscribe(8).status_code == 302
        assert sign_up(9, "ana3").status_code == 302
    assert len(mail.outbox) == 5


def test_other_inboxes_keep_their_own_allowance(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(1, 4):
            subscribe(number)
        sign_up(4, "ana1")
        sign_up(5, "ana2")
        assert sign_up(6, "cy", "cy@example.org").status_code == 302
    assert [m.to for m in mail.outbox].count(["cy@example.org"]) == 1
