"""A sign-up form sent twice (a double click) is answered twice as the first send was."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts import views as account_views
from accounts.forms import SignupForm

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = "/accounts/signup/"
TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')
PASSWORD = "a-long-harbour-passphrase"
TAKEN = "A user with that username already exists."


def signup_form(client, username="harbour", **extra):
    """The fields of a freshly rendered sign-up form, filled in."""
    page = client.get(URL + "?next=/articles/").content.decode()
    match = TOKEN.search(page)
    assert match, "no submission token in the sign-up form"
    return {"submission_token": match[1], "username": username,
            "email": f"{username}@example.org", "password1": PASSWORD, "password2": PASSWORD,
            "next": "/articles/", **extra}


def signed_in_as(response):
    return response.wsgi_request.session.get("_auth_user_id")


def test_the_token_is_hidden_with_no_label_of_its_own(client):
    page = client.get(URL).content.decode()
    assert TOKEN.search(page)
    assert "Submission token" not in page and "submission_token</label>" not in page


def test_a_double_click_signs_in_twice_to_the_one_account(client):
    data = signup_form(client, next="/accounts/")  # a page that shows the welcome
    browser = Client()  # the later answer is the one the browser shows
    first, twin = Client().post(URL, data), browser.post(URL, data)
    user = User.objects.get(username="harbour")
    assert first.status_code == twin.status_code == 302
    assert first["Location"] == twin["Location"] == "/accounts/"
    assert signed_in_as(first) == signed_in_as(twin) == str(user.pk)
    follow = unescape(browser.get("/accounts/").content.decode())
    assert "Welcome, harbour. You can comment now." in follow


def test_a_twin_that_lost_the_race_for_the_name_is_signed_in_too(client, monkeypatch):
    """The first send saves the account between the twin's check of the name and its save."""
    data = signup_form(client)
    is_valid, first = SignupForm.is_valid, []

    def first_saves_meanwhile(form):
        valid = is_valid(form)
        if valid and not first:
            first.append(None)  # the first send itself goes straight through
            first[0] = Client().post(URL, data)
        return valid

    monkeypatch.setattr(SignupForm, "is_valid", first_saves_meanwhile)
    twin = Client().post(URL, data)
    user = User.objects.get(username="harbour")
    assert first[0].status_code == twin.status_code == 302
    assert twin["Location"] == "/articles/"
    assert signed_in_as(twin) == signed_in_as(first[0]) == str(user.pk)


def test_someone_else_with_the_same_name_and_password_is_refused(client):
    data = signup_form(client)
    assert Client().post(URL, data).status_code == 302
    other = Client()
    response = other.post(URL, signup_form(other, email="other@example.org"))
    assert response.status_code == 400 and TAKEN in unescape(response.content.decode())
    assert signed_in_as(response) is None
    # Nor without a token at all.
    untokened = {key: value for key, value in data.items() if key != "submission_token"}
    response = Client().post(URL, untokened)
    assert response.status_code == 400 and signed_in_as(response) is None


def test_the_token_with_another_name_is_another_account(client):
    """The page brought back (its token with it) and another name typed."""
    data = signup_form(client)
    Client().post(URL, data)
    again = Client().post(URL, {**data, "username": "lighthouse",
                                "email": "lighthouse@example.org"})
    assert again.status_code == 302
    assert signed_in_as(again) == str(User.objects.get(username="lighthouse").pk)


def test_a_twin_is_recognised_for_five_minutes_only(client):
    data = signup_form(client)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert Client().post(URL, data).status_code == 302
        clock.shift(timedelta(seconds=account_views.SIGNUP_TWIN_SECONDS + 1))
        late = Client().post(URL, data)
    assert late.status_code == 400 and TAKEN in unescape(late.content.decode())
    assert signed_in_as(late) is None
