"""Password reset: the link is on SITE_URL whatever host was asked, a completed reset lifts the
account's sign-in lock-out, and a password of blank characters is refused everywhere."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from accounts.lockout import SIGN_IN_ADDRESS_LIMITS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
NEW_PASSWORD = "a-new-harbour-passphrase"
LOCKED = "Too many failed attempts to sign in as this user."
BLANK = "This password is only spaces or other blank characters."


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://news.example"


def reset_link(client, email="ana@example.org", **extra):
    assert client.post("/accounts/password_reset/", {"email": email}, **extra).status_code == 302
    (link,) = re.findall(r"\S+/accounts/reset/\S+", mail.outbox[-1].body)
    return link


def set_password(client, link, password=NEW_PASSWORD):
    form = client.get(urlsplit(link).path, follow=True)
    return client.post(form.redirect_chain[-1][0],
                       {"new_password1": password, "new_password2": password})


def sign_in(client, username, password="wrong-password"):
    return client.post("/accounts/login/", {"username": username, "password": password})


class TestTheLink:
    def test_it_is_on_site_url_whatever_host_port_and_scheme_were_asked(self, client,
                                                                         settings):
        UserFactory(username="ana", email="ana@example.org")
        settings.ALLOWED_HOSTS = ["localhost", "testserver"]
        link = reset_link(client, HTTP_HOST="localhost:6666")
        assert link.startswith("https://news.example/accounts/reset/")
        assert "localhost" not in mail.outbox[0].body
        assert set_password(client, link, NEW_PASSWORD).status_code == 302
        assert User.objects.get(username="ana").check_password(NEW_PASSWORD)


class TestLockOutAfterReset:
    def test_a_completed_reset_lets_the_reader_sign_in_at_once(self, client):
        UserFactory(username="ana", email="ana@example.org")
        for _ in range(5):
            sign_in(client, "ana")
        assert sign_in(client, "ana", PASSWORD).status_code == 429
        assert set_password(client, reset_link(client)).status_code == 302
        assert client.get("/accounts/reset/done/").status_code == 200
        response = sign_in(client, "ana", NEW_PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(User.objects.get(username="ana").pk)

    def test_an_unfinished_reset_lifts_nothing(self, client):
        UserFactory(username="ana", email="ana@example.org")
        for _ in range(5):
            sign_in(client, "ana")
        link = reset_link(client)
        refused = set_password(client, link, "short")
        assert refused.status_code == 200 and "too short" in refused.content.decode()
        assert LOCKED in sign_in(client, "ana", PASSWORD).content.decode()

    def test_only_that_username_is_let_in(self, client):
        UserFactory(username="ana", email="ana@example.org")
        UserFactory(username="ben", email="ben@example.org")
        for _ in range(5):
            sign_in(client, "ana")
            sign_in(client, "ben")
        assert set_password(client, reset_link(client)).status_code == 302
        assert sign_in(client, "ana", NEW_PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        assert sign_in(client, "ben", PASSWORD).status_code == 429

    def test_the_limit_per_address_stays(self, client):
        UserFactory(username="ana", email="ana@example.org")
        (limit,) = SIGN_IN_ADDRESS_LIMITS
        for number in range(limit.count):
            sign_in(client, f"guess{number}")
        assert set_password(client, reset_link(client)).status_code == 302
        response = sign_in(client, "ana", NEW_PASSWORD)
        assert response.status_code == 429
        assert "from your connection" in response.content.decode()


class TestBlankPasswords:
    SPACES = " " * 12

    def test_sign_up_refuses_one_and_keeps_the_rest(self, client):
        response = client.post("/accounts/signup/", {
            "username": "newreader", "email": "new@example.org",
            "password1": self.SPACES, "password2": self.SPACES})
        assert response.status_code == 400
        html = response.content.decode()
        assert BLANK in html
        assert 'value="newreader"' in html and 'value="new@example.org"' in html
        assert not User.objects.filter(username="newreader").exists()

    @pytest.mark.parametrize("password", ["\u3000" * 12, "\t \u200b" * 4])
    def test_other_blank_characters_are_refused_too(self, client, password):
        response = client.post("/accounts/signup/", {
            "username": "newreader", "email": "new@example.org",
            "password1": password, "password2": password})
        assert response.status_code == 400 and BLANK in response.content.decode()

    def test_spaces_between_words_are_fine(self, client):
        response = client.post("/accounts/signup/", {
            "username": "newreader", "email": "new@example.org",
            "password1": "  harbour ferry lantern  ", "password2": "  harbour ferry lantern  "})
        assert response.status_code == 302

    def test_password_change_and_reset_refuse_one(self, client):
        user = UserFactory(username="ana", email="ana@example.org")
        client.force_login(user)
        response = client.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": self.SPACES,
            "new_password2": self.SPACES})
        assert response.status_code == 200 and BLANK in response.content.decode()
        reset = set_password(Client(), reset_link(Client()), self.SPACES)
        assert reset.status_code == 200 and BLANK in reset.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
