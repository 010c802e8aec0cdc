"""Abuse limits: sign-in lock-out, sign-up and password-reset limits, honeypots.

Every limit answers 429 with Retry-After and the form as it was typed; a
filled honeypot answers 400 and stores nothing.
"""

from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from comments.models import Comment
from standards.models import BiasReport
from tests.commenting import comment_form
from tests.factories import UserFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()

T0 = 1_800_000_000  # a fixed instant, whole hour
LOCKED = "Too many failed attempts to sign in as this user. You can try again in 15 minutes."
ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, username, password="wrong-password", url="/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", email="ana@example.org", is_staff=True)


class TestSignInLockOut:
    def test_five_failures_lock_the_username_out_for_fifteen_minutes(self, client, ana):
        with time_machine.travel(T0, tick=False) as clock:
            for _ in range(4):
                response = sign_in(client, "ana")
                assert response.status_code == 200
                assert "didn’t match" in response.content.decode()
            response = sign_in(client, "ana")
            assert response.status_code == 429
            assert response["Retry-After"] == "900"
            html = response.content.decode()
            assert LOCKED in html
            assert 'name="username" value="ana"' in html  # what was typed is kept
            assert "didn’t match" not in html  # no password was checked

            clock.shift(60)
            right = sign_in(client, "ana", PASSWORD)
            assert right.status_code == 429  # even the right password, while locked
            assert "_auth_user_id" not in client.session
            # Each refused attempt starts the 15 minutes again, so the page is right.
            clock.shift(15 * 60 - 1)
            assert sign_in(client, "ana", PASSWORD).status_code == 429
            clock.shift(15 * 60 + 1)
            response = sign_in(client, "ana", PASSWORD)
            assert response.status_code == 302
            assert client.session["_auth_user_id"] == str(ana.pk)

    def test_the_lock_is_per_username_and_address(self, client, ana):
        UserFactory(username="ben")
        for _ in range(5):
            sign_in(client, "ana")
        assert sign_in(client, "ana", PASSWORD).status_code == 429
        assert sign_in(Client(), "ben", PASSWORD).status_code == 302
        elsewhere = Client(REMOTE_ADDR="192.0.2.7")
        assert sign_in(elsewhere, "ana", PASSWORD).status_code == 302

    def test_a_forged_forwarded_for_header_does_not_escape_the_lock(self, client, ana):
        for _ in range(5):
            sign_in(client, "ana")
        response = sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert response.status_code == 429

    def test_behind_a_declared_proxy_the_forwarded_address_counts(self, client, ana, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.BEHIND_PROXY = True
        settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR
        for _ in range(5):
            sign_in(client, "ana", HTTP_X_FORWARDED_FOR="198.51.100.1")
        locked = sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert locked.status_code == 429
        other = sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
        assert other.status_code == 302

    def test_a_successful_sign_in_clears_the_failures(self, client, ana):
        for _ in range(4):
            sign_in(client, "ana")
        assert sign_in(client, "ana", PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        for _ in range(4):
            assert sign_in(client, "ana").status_code == 200
        assert sign_in(client, "ana").status_code == 429  # counted afresh from zero

    def test_the_admin_login_locks_out_too_and_stays_the_admin_page(self, client, ana):
        url = "/admin/login/?next=/admin/articles/article/"
        for _ in range(4):
            assert sign_in(client, "ana", url=url).status_code == 200
        response = sign_in(client, "ana", url=url)
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        html = response.content.decode()
        assert 'id="login-form"' in html and "EVA DAILY newsroom" in html
        assert LOCKED in html
        assert 'name="username" value="ana"' in html
        assert 'name="next" value="/admin/articles/article/"' in html
        assert "Content-Security-Policy" in response
        # The public sign-in shares the count: one lock for the account.
        assert sign_in(client, "ana", PASSWORD).status_code == 429

    def test_failures_live_in_the_shared_cache_not_the_database(self, client, ana):
        for _ in range(5):
            sign_in(client, "ana")
        assert sign_in(client, "ana", PASSWORD).status_code == 429
        assert AccessAttempt.objects.count() == 0
        assert AccessLog.objects.count() == 0
        assert AccessFailureLog.objects.count() == 0
        cache.clear()  # what every server reads
        assert sign_in(client, "ana", PASSWORD).status_code == 302
        assert AccessLog.objects.count() == 0


SIGNUP = {"password1": "a-long-harbour-passphrase", "password2": "a-long-harbour-passphrase"}


def sign_up(username, address="127.0.0.1", **extra):
    data = {"username": username, "email": f"{username}@example.org", **SIGNUP, **extra}
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", data)


class TestSignUpLimit:
    def test_five_attempts_an_hour_from_one_address(self):
        with time_machine.travel(T0, tick=False) as clock:
            for i in range(5):
                assert sign_up(f"reader{i}").status_code == 302
                clock.shift(60)
            response = sign_up("sixth")
            assert response.status_code == 429
            # An hour on from the tenth of it the attempts fell in (T0's).
            assert int(response["Retry-After"]) == 3960 - 5 * 60
            html = response.content.decode()
            assert "at most five sign-up attempts an hour" in html
            assert "You can try again in 61 minutes" in html
            assert 'value="sixth"' in html and 'value="sixth@example.org"' in html
            assert SIGNUP["password1"] not in html
            assert not User.objects.filter(username="sixth").exists()
            assert sign_up("elsewhere", address="192.0.2.7").status_code == 302
            clock.shift(61 * 60)
            assert sign_up("sixth").status_code == 302

    def test_refused_forms_use_the_allowance_too(self):
        # Otherwise refused forms would be a free way to ask which usernames exist.
        with time_machine.travel(T0, tick=False):
            for i in range(4):
                assert sign_up(f"bad{i}", password2="different").status_code == 400
            assert sign_up("bot", website="http://spam.example").status_code == 400
            response = sign_up("good")
            assert response.status_code == 429
            assert 'value="good"' in response.content.decode()
            assert not User.objects.exists()


def reset(email, address="127.0.0.1", **extra):
    return Client(REMOTE_ADDR=address).post("/accounts/password_reset/",
                                             {"email": email, **extra})


class TestPasswordResetLimits:
    def test_three_links_an_hour_for_one_email(self, ana):
        with time_machine.travel(T0, tick=False):
            for i in range(3):
                assert reset("ana@example.org", address=f"192.0.2.{i}").status_code == 302
            response = reset("ANA@example.org", address="192.0.2.9")
            assert response.status_code == 429
            assert response["Retry-After"] == "3960"  # an hour on from T0's tenth of it
            html = response.content.decode()
            assert "You can ask again in 66 minutes" in html
            assert 'value="ANA@example.org"' in html
        assert len(mail.outbox) == 3

    def test_five_an_hour_from_one_address(self, ana):
        with time_machine.travel(T0, tick=False):
            for i in range(5):
                assert reset(f"someone{i}@example.org").status_code == 302
            response = reset("ana@example.org")
            assert response.status_code == 429
            assert response["Retry-After"] == "3960"
            assert reset("ana@example.org", address="192.0.2.7").status_code == 302
        assert len(mail.outbox) == 1

    def test_unknown_addresses_are_limited_alike(self, ana):
        # The limit must not tell whether an account uses an address.
        statuses = [reset("nobody@example.org", address=f"192.0.2.{i}").status_code
                    for i in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert mail.outbox == []


HONEYPOT_MARKUP = ('<div class="honeypot" aria-hidden="true"><label for="{id}">Leave this '
                   'field empty</label> <input type="text" name="website" id="{id}" value="" '
                   'autocomplete="off" tabindex="-1"></div>')
REFUSAL = "This form could not be sent, and nothing was saved. Please try again."


class TestHoneypot:
    @pytest.mark.parametrize(("url", "element_id", "signed_in"), [
        ("/articles/harbour-ferries/comments/", "comment-website", True),
        ("/articles/harbour-ferries/comments/?partial=1", "comment-website", True),
        ("/articles/harbour-ferries/report-bias/", "bias-website", False),
        ("/articles/harbour-ferries/report-bias/?partial=1", "bias-website", False),
        ("/accounts/signup/", "signup-website", False),
        ("/accounts/password_reset/", "reset-website", False),
    ])
    def test_every_public_form_has_the_hidden_field(self, client, site, ana, url, element_id,
                                                    signed_in):
        if signed_in:
            client.force_login(ana)
        html = client.get(url).content.decode()
        assert html.count('name="website"') == 1
        assert HONEYPOT_MARKUP.format(id=element_id) in html

    def test_the_class_hides_it_from_sight_without_inline_style(self):
        css = (ROOT / "static" / "css" / "site.css").read_text()
        rule = css[css.index(".honeypot {"):]
        rule = rule[:rule.index("}")]
        assert "position: absolute;" in rule and "left: -10000px;" in rule

    def test_a_filled_one_refuses_a_comment(self, client, site, ana):
        client.force_login(ana)
        response = client.post("/articles/harbour-ferries/comments/", comment_form(
            client, "harbour-ferries", body="Buy cheap watches", website="http://spam.example"))
        assert response.status_code == 400
        html = response.content.decode()
        assert REFUSAL in html
        assert "Buy cheap watches" in html  # a person who tripped it keeps the text
        assert 'name="website" id="comment-website" value=""' in html
        assert not Comment.objects.filter(body="Buy cheap watches").exists()

    def test_a_filled_one_refuses_a_bias_report(self, client, site):
        response = client.post("/articles/harbour-ferries/report-bias/",
                               {"reason": "other", "details": "spam", "website": "x"})
        assert response.status_code == 400
        assert REFUSAL in response.content.decode()
        assert BiasReport.objects.count() == 0

    def test_a_filled_one_refuses_a_sign_up(self, client):
        response = sign_up("bot", website="http://spam.example")
        assert response.status_code == 400
        assert REFUSAL in response.content.decode()
        assert not User.objects.filter(username="bot").exists()
        assert "_auth_user_id" not in client.session

    def test_a_filled_one_refuses_a_password_reset(self, ana):
        response = reset("ana@example.org", website="spam")
        assert response.status_code == 400
        html = response.content.decode()
        assert REFUSAL in html and 'value="ana@example.org"' in html
        assert mail.outbox == []

    def test_a_repeated_field_counts_if_any_copy_is_filled(self, client, site, ana):
        client.force_login(ana)
        response = client.post("/articles/harbour-ferries/comments/", comment_form(
            client, "harbour-ferries", body="hello", website=["", "spam"]))
        assert response.status_code == 400
        assert Comment.objects.filter(body="hello").count() == 0
