"""The account page says in how many other browsers the account is signed in, and signs it
out of them all at once (accounts.views.end_other_sessions, accounts.sessions)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

END = "/accounts/sessions/end-others/"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def section(client):
    """The words of the account page's "Where you are signed in", as read."""
    found = re.search(r'<section class="account-section" aria-labelledby="account-sessions">'
                      r"(.*?)</section>", client.get("/accounts/").content.decode(), re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split()) if found else None


def test_the_account_page_counts_the_other_browsers_and_signs_them_out(
        django_capture_on_commit_callbacks):
    reader = UserFactory(username="ana")
    here, phone, library = signed_in(reader), signed_in(reader), signed_in(reader)
    other_reader = signed_in(UserFactory(username="ben"))
    assert section(here) == (
        "Where you are signed in Here, and in 2 other browsers. If one of them is on a shared "
        "computer, or is not yours, sign out of them; if you think someone else knows your "
        "password, change it too. Sign out of the other browsers")
    with django_capture_on_commit_callbacks(execute=True):  # the cached copies go on commit
        response = here.post(END)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    page = here.get("/accounts/").content.decode()
    assert "Signed out of 2 other browsers." in page
    assert section(here) == "Where you are signed in Here only: in no other browser."
    for client in (phone, library):
        assert client.get("/accounts/")["Location"] == "/accounts/login/?next=/accounts/"
    assert other_reader.get("/accounts/").status_code == 200  # another account's: kept


def test_one_other_browser_is_said_so_and_none_is_said_so_too():
    reader = UserFactory()
    here, _ = signed_in(reader), signed_in(reader)
    assert "Here, and in 1 other browser. If one" in section(here)
    here.post(END)
    here.get("/accounts/")  # the message of the first
    here.post(END)
    assert "You were signed in in no other browser." in here.get("/accounts/").content.decode()


def test_expired_sessions_are_not_counted():
    reader = UserFactory()
    here, _ = signed_in(reader), signed_in(reader)
    Session.objects.exclude(session_key=here.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    assert section(here) == "Where you are signed in Here only: in no other browser."


def test_only_a_signed_in_post_signs_anything_out(client):
    reader = UserFactory()
    here, phone = signed_in(reader), signed_in(reader)
    assert here.get(END).status_code == 405
    response = client.post(END)
    assert response["Location"] == f"/accounts/login/?next={END}"
    assert phone.get("/accounts/").status_code == 200
    # The browser's own CSRF token is needed, as for any form.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)
    assert strict.post(END).status_code == 403
    assert phone.get("/accounts/").status_code == 200
