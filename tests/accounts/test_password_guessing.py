"""Password guessing: sign-in attempts are limited per address, whatever the usernames, before
any password is hashed; the forms that ask a signed-in reader for their password are limited
per account."""

from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.test import Client

from accounts.lockout import SIGN_IN_ADDRESS_LIMITS, _shared_cache_check
from tests.factories import UserFactory
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
T0 = 1_800_000_000  # a fixed instant, whole hour
(SIGN_IN_LIMIT,) = SIGN_IN_ADDRESS_LIMITS
FROM_ADDRESS = "Too many sign-in attempts have come from your connection."


def sign_in(client, username, password="wrong-password", url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


@pytest.fixture
def hashes(monkeypatch):
    """How many sign-ins reached the backend that checks (and so hashes) the password."""
    calls = []
    authenticate = ModelBackend.authenticate

    def counting(self, request, *args, **kwargs):
        calls.append(request.path)
        return authenticate(self, request, *args, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls


def spray(client, count, url="/accounts/login/"):
    """Failed sign-ins, each as another username: axes' lock per username never starts."""
    for number in range(count):
        assert sign_in(client, f"guess{number}", url=url).status_code == 200


class TestSignInAttemptsPerAddress:
    def test_the_limit_holds_across_usernames_before_any_password_is_checked(self, client,
                                                                              hashes):
        UserFactory(username="ana")
        with time_machine.travel(T0, tick=False) as clock:
            spray(client, SIGN_IN_LIMIT.count)
            assert len(hashes) == SIGN_IN_LIMIT.count
            clock.shift(5 * 60)
            response = sign_in(client, "ana", PASSWORD)
            assert response.status_code == 429
            # A quarter of an hour on from the tenth of it (90 s) the attempts fell in.
            assert response["Retry-After"] == str(10 * 60 + 90)
            html = response.content.decode()
            assert f"{FROM_ADDRESS} You can try again in 12 minutes." in html
            assert 'name="username" value="ana"' in html  # what was typed is kept
            assert "didn’t match" not in html  # no password was checked
            assert PASSWORD not in html
            assert "_auth_user_id" not in client.session
            assert len(hashes) == SIGN_IN_LIMIT.count  # nor hashed
            # Another connection signs in as usual.
            assert sign_in(Client(REMOTE_ADDR="192.0.2.7"), "ana", PASSWORD).status_code == 302
            clock.shift(10 * 60 + 90)
            assert sign_in(client, "ana", PASSWORD).status_code == 302

    def test_the_admin_sign_in_shares_the_count_and_answers_alike(self, client, hashes):
        UserFactory(username="ana", is_staff=True)
        url = "/admin/login/?next=/admin/"
        with time_machine.travel(T0, tick=False):
            spray(client, SIGN_IN_LIMIT.count // 2)
            spray(client, SIGN_IN_LIMIT.count - SIGN_IN_LIMIT.count // 2, url=url)
            response = sign_in(client, "ana", PASSWORD, url=url)
            assert response.status_code == 429
            assert response["Retry-After"] == str(SIGN_IN_LIMIT.seconds * 11 // 10)
            html = response.content.decode()
            assert 'id="login-form"' in html  # still the admin's page
            assert FROM_ADDRESS in html
            assert 'name="username" value="ana"' in html
            assert len(hashes) == SIGN_IN_LIMIT.count

    def test_attempts_refused_for_the_address_do_not_lock_the_username(self, client):
        # Nobody checked those passwords; the reader may be one of many behind the address.
        UserFactory(username="ana")
        with time_machine.travel(T0, tick=False) as clock:
            spray(client, SIGN_IN_LIMIT.count)
            for _ in range(6):
                assert sign_in(client, "ana").status_code == 429
            clock.shift(SIGN_IN_LIMIT.seconds * 11 // 10)  # from the tenth they fell in
            assert sign_in(client, "ana", PASSWORD).status_code == 302

    def test_a_successful_sign_in_does_not_clear_the_count(self, client):
        # Or signing in to one's own account would clear the way for more guesses.
        UserFactory(username="ana")
        with time_machine.travel(T0, tick=False):
            spray(client, SIGN_IN_LIMIT.count - 1)
            assert sign_in(client, "ana", PASSWORD).status_code == 302
            client.post("/accounts/logout/")
            assert sign_in(client, "guess-again").status_code == 429

    def test_the_lock_out_per_username_still_comes_first(self, client):
        UserFactory(username="ana")
        with time_machine.travel(T0, tick=False):
            for _ in range(5):
                sign_in(client, "ana")
            response = sign_in(client, "ana", PASSWORD)
            assert response.status_code == 429 and response["Retry-After"] == "900"
            assert "Too many failed attempts to sign in as this user" in response.content.decode()


@pytest.fixture
def reader(db):
    return UserFactory(username="ana", email="ana@example.org")


def delete(client, password="wrong-password"):
    return client.post("/accounts/delete/", {"password": password})


def change(client, old="wrong-password", new="a-new-harbour-passphrase"):
    return client.post("/accounts/password_change/", {
        "old_password": old, "new_password1": new, "new_password2": new})


TOO_MANY = "We check an account’s password at most ten times an hour"


class TestPasswordChecksPerAccount:
    def test_deletion_takes_ten_tries_an_hour(self, client, reader):
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(reader)
            for _ in range(10):
                assert delete(client).status_code == 400
            clock.shift(20 * 60)
            response = delete(client, PASSWORD)  # right, but not checked
            assert response.status_code == 429
            # An hour on from the tenth of it the tries fell in (T0's).
            assert response["Retry-After"] == str(46 * 60)
            html = response.content.decode()
            assert f"{TOO_MANY}, so that nobody can guess it. You can try again in 46 minutes." \
                in html
            assert 'name="password"' in html and PASSWORD not in html
            assert User.objects.filter(pk=reader.pk).exists()
            clock.shift(46 * 60)
            assert delete(client, PASSWORD).status_code == 302
        assert not User.objects.filter(pk=reader.pk).exists()

    def test_password_change_takes_ten_tries_an_hour(self, client, reader):
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(reader)
            for _ in range(10):
                assert change(client).status_code == 200  # Django's form errors
            response = change(client, PASSWORD)
            assert response.status_code == 429
            assert response["Retry-After"] == "3960"  # an hour on from T0's tenth of it
            html = response.content.decode()
            assert TOO_MANY in html and "Your password has not changed." in html
            assert PASSWORD not in html and "a-new-harbour-passphrase" not in html
            reader.refresh_from_db()
            assert reader.check_password(PASSWORD)
            clock.shift(3960)
            assert change(client, PASSWORD).status_code == 302
        reader.refresh_from_db()
        assert reader.check_password("a-new-harbour-passphrase")

    def test_both_forms_share_the_account_allowance_from_any_address(self, client, reader):
        elsewhere = Client(REMOTE_ADDR="192.0.2.7")
        with time_machine.travel(T0, tick=False):
            client.force_login(reader)
            elsewhere.force_login(reader)
            for _ in range(5):
                delete(client)
                change(elsewhere)
            assert delete(elsewhere, PASSWORD).status_code == 429
            assert change(client, PASSWORD).status_code == 429
            # Another account is not held up.
            other = Client()
            other.force_login(UserFactory(username="ben"))
            assert delete(other).status_code == 400

    def test_the_email_change_checks_the_password_within_the_same_allowance(self, client,
                                                                           reader):
        """It asks for the password too: past the account's ten checks it checks none,
        and its own tries, from any connection, count against the other forms."""
        with time_machine.travel(T0, tick=False):
            client.force_login(reader)
            for _ in range(10):
                change(client)
            response = client.post("/accounts/email/", {"email": "new@example.org",
                                                        "password": PASSWORD})
            assert response.status_code == 429
            html = unescape(response.content.decode())
            assert TOO_MANY in html
            assert 'value="new@example.org"' in html and PASSWORD not in html
            assert not mail.outbox

            other = UserFactory(username="ben", email="ben@example.org")
            for address in ("192.0.2.7", "192.0.2.8"):
                elsewhere = Client(REMOTE_ADDR=address)
                elsewhere.force_login(other)
                for _ in range(5):
                    assert elsewhere.post("/accounts/email/", {
                        "email": "new@example.org", "password": "wrong"}).status_code == 400
            assert delete(elsewhere, PASSWORD).status_code == 429
        assert User.objects.filter(pk=other.pk).exists()

    def test_no_password_is_checked_while_the_limits_cannot_be_read(self, client, reader,
                                                                    settings):
        client.force_login(reader)  # the session is kept in the database too
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "security": {"BACKEND": "core.redis_cache.SecurityRedisCache",
                         "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
        for response in (delete(client, PASSWORD), change(client, PASSWORD)):
            assert response.status_code == 503
            assert "We can't check passwords for a moment." in unescape(response.content.decode())
        reader.refresh_from_db()
        assert reader.check_password(PASSWORD)


def test_a_lock_out_store_each_process_keeps_for_itself_is_still_caught(settings):
    # axes' own check (axes.W001) knows only its own handler by name.
    settings.CACHES = {**settings.CACHES, "security": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in _shared_cache_check(None)] == ["axes.W001"]
    settings.CACHES = {**settings.CACHES, "security": {
        "BACKEND": "core.redis_cache.SecurityRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert _shared_cache_check(None) == []
