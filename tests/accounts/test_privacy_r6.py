"""Round 6 on what accounts keep: deleting an account ends its sessions everywhere, an
address is held from a deleted account only if it was proven, addresses show as their
owners write them, and the privacy page says what is kept."""

import importlib
import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore as DjangoDbStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core import mail
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import sessions
from accounts.models import HeldName, ProvenEmail
from accounts.models import Session as AccountSession
from comments.models import Comment, HeldStanding, ReaderStanding
from newsletter.forms import SubscribeForm
from pages.models import Page
from tests.commenting import post_comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
NEW_PASSWORD = "a-new-harbour-passphrase"
HELD_EMAIL = "This email address cannot be used at the moment."
EMAIL_LINK = re.compile(r"https://news\.example(/accounts/email/confirm/[^\s/]+/)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://news.example"


def text(response):
    return unescape(response.content.decode())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for the commit (the cache's copies of sessions go then)."""
    return django_capture_on_commit_callbacks


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def session_cache():
    from django.conf import settings

    return caches[settings.SESSION_CACHE_ALIAS]


def cached(key):
    return session_cache().get(sessions.SessionStore.cache_key_prefix + key)


def stored(key):
    return (AccountSession.objects.filter(session_key=key).exists()
            or DjangoSession.objects.filter(session_key=key).exists())


# 1. Deleting an account ends every session signed in to it -------------------------

class TestSessionsEndWithTheAccount:
    def test_the_other_browser_s_session_and_the_address_it_held_go(self, committed):
        ana = UserFactory(username="ana", email="ana@example.org")
        a, b = signed_in(ana), signed_in(ana)
        bo_key = signed_in(UserFactory(username="bo")).cookies["sessionid"].value
        assert b.post("/accounts/email/", {"email": "carol.secret@example.org",
                                           "password": PASSWORD}).status_code == 302
        key_b = b.cookies["sessionid"].value
        assert cached(key_b)["accounts:email-change-sent-to"] == "carol.secret@example.org"

        with committed(execute=True):
            assert a.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302

        assert not stored(key_b) and cached(key_b) is None
        assert not AccountSession.objects.filter(account_id=ana.pk).exists()
        assert stored(bo_key) and cached(bo_key) is not None  # another reader's stays
        assert not any("carol" in str(AccountSession.get_session_store_class()().decode(
            data)) for data in AccountSession.objects.values_list("session_data", flat=True))
        # B is signed out, and its next page says nothing of the address.
        assert "carol" not in text(b.get("/accounts/email/sent/", follow=True))
        assert "_auth_user_id" not in b.session

    def test_a_session_whose_key_changed_since_sign_in_goes_too(self, committed):
        ana = UserFactory(username="ana", email="ana@example.org")
        b = signed_in(ana)
        before = b.cookies["sessionid"].value
        # A password change gives the session a new key (update_session_auth_hash).
        assert b.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}).status_code == 302
        after = b.cookies["sessionid"].value
        assert after != before
        assert AccountSession.objects.get(session_key=after).account_id == ana.pk

        with committed(execute=True):
            ana.delete()  # from the admin or a shell, as from the account page
        assert not stored(after) and cached(after) is None

    def test_no_session_is_decoded_to_find_them(self, monkeypatch):
        """On a big site every session would be read: the account's id sits in an index."""
        ana = UserFactory(username="ana")
        for user in [ana, *UserFactory.create_batch(5)]:
            signed_in(user)

        def no_decoding(self, data):
            raise AssertionError("a session was decoded")

        monkeypatch.setattr(sessions.SessionStore, "decode", no_decoding)
        assert sessions.end_sessions(ana) == 1

    def test_a_deletion_rolled_back_leaves_the_sessions(self):
        ana = UserFactory(username="ana")
        key = signed_in(ana).cookies["sessionid"].value
        with transaction.atomic():
            sessions.end_sessions(ana)
            transaction.set_rollback(True)
        assert stored(key) and cached(key) is not None


def test_the_sent_page_shows_the_new_address_once_and_then_forgets_it(client):
    client.force_login(UserFactory(username="ana", email="ana@example.org"))
    client.post("/accounts/email/", {"email": "carol.secret@example.org",
                                     "password": PASSWORD})
    first = text(client.get("/accounts/email/sent/"))
    assert "We have sent an email to <strong>carol.secret@example.org</strong>." in first
    assert "carol" not in str(dict(client.session))
    again = text(client.get("/accounts/email/sent/"))
    assert "We have sent an email to the new address you gave." in again
    assert "carol" not in again


def test_the_migration_moves_django_s_sessions_in_with_their_accounts():
    move = importlib.import_module("accounts.migrations.0008_sessions_moved_in")
    ana = UserFactory(username="ana")
    old = DjangoDbStore()
    old["_auth_user_id"] = str(ana.pk)
    old.create()
    expired = DjangoDbStore()
    expired.set_expiry(-1)
    expired.create()
    signed_out = DjangoDbStore()
    signed_out["x"] = 1
    signed_out.create()

    move.move_in(apps, None)

    assert AccountSession.objects.get(session_key=old.session_key).account_id == ana.pk
    assert AccountSession.objects.get(session_key=signed_out.session_key).account_id is None
    assert not AccountSession.objects.filter(session_key=expired.session_key).exists()
    # Still the reader's session, read by the site's engine (the cache aside).
    session_cache().clear()
    assert sessions.SessionStore(old.session_key)["_auth_user_id"] == str(ana.pk)
    assert list(DjangoSession.objects.values_list("session_key", flat=True)) == [
        expired.session_key]  # left for purge_personal_data
    ana.delete()
    assert not AccountSession.objects.filter(session_key=old.session_key).exists()


def test_purge_removes_expired_sessions_of_the_site_s_engine(client):
    from io import StringIO

    from django.core.management import call_command

    session = sessions.SessionStore()
    session.set_expiry(-1)
    session.create()
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert " 1 expired sessions" in out.getvalue()
    assert not AccountSession.objects.exists()


# 4. An address is held only when its account proved it ------------------------------

def sign_up(username, email, address="192.0.2.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})


def ban(user):
    return ReaderStanding.objects.create(reader=user, is_banned=True)


def delete(user):
    assert signed_in(user).post("/accounts/delete/", {"password": PASSWORD}
                                ).status_code == 302


def confirm_email_change(client, email):
    assert client.post("/accounts/email/", {"email": email, "password": PASSWORD}
                       ).status_code == 302
    (path,) = EMAIL_LINK.findall(mail.outbox[-1].body)
    assert client.post(path).status_code == 302


def reset_password(email):
    client = Client()
    assert client.post("/accounts/password_reset/", {"email": email}).status_code == 302
    (link,) = re.findall(r"\S+/accounts/reset/\S+", mail.outbox[-1].body)
    form = client.get(urlsplit(link).path, follow=True)
    assert client.post(form.redirect_chain[-1][0], {
        "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302


class TestOnlyProvenAddressesAreHeld:
    def test_a_troll_cannot_block_someone_else_s_address_by_deleting(self):
        assert sign_up("troll", "victim@example.org").status_code == 302
        troll = User.objects.get(username="troll")
        ban(troll)
        delete(troll)
        held = HeldName.objects.get()
        assert held.email == "" and held.skeleton  # the name stays held
        assert not HeldStanding.objects.exists()
        # The address's owner signs up, in any spelling, and comments freely.
        assert sign_up("victim", "Victim+news@example.org").status_code == 302
        assert sign_up("victim2", "victim@example.org", "192.0.2.2").status_code == 302
        assert not ReaderStanding.objects.exists()
        other = signed_in(UserFactory(username="someone"))
        response = other.post("/accounts/email/", {"email": "victim@example.org",
                                                   "password": PASSWORD})
        assert response.status_code == 302 and HELD_EMAIL not in text(response)
        assert HeldName.objects.in_force().looking_like("troll").exists()

    def test_a_banned_troll_s_live_account_passes_nothing_to_the_owner(self):
        ArticleFactory(slug="harbour")
        assert sign_up("troll", "victim@example.org").status_code == 302
        ban(User.objects.get(username="troll"))
        assert sign_up("victim", "victim@example.org", "192.0.2.2").status_code == 302
        victim = User.objects.get(username="victim")
        assert not ReaderStanding.objects.filter(reader=victim).exists()
        assert post_comment(signed_in(victim), "harbour", "A fair story.").status_code == 303
        assert Comment.objects.get().status == Comment.Status.APPROVED

    def test_an_address_proven_by_its_email_change_link_is_held(self):
        troll = UserFactory(username="troll", email="first@example.org")
        confirm_email_change(signed_in(troll), "troll.own@example.org")
        troll.refresh_from_db()
        assert ProvenEmail.proves(troll)
        ban(troll)
        delete(troll)
        assert HeldName.objects.get().email and HeldStanding.objects.get().is_banned
        assert HELD_EMAIL in text(sign_up("another", "Troll.Own+2@example.org"))

    def test_an_address_proven_by_a_password_reset_is_held(self):
        troll = UserFactory(username="troll", email="troll.own@example.org")
        reset_password("troll.own@example.org")
        assert ProvenEmail.proves(troll)
        ban(troll)
        assert sign_up("again", "troll.own@example.org").status_code == 302
        assert ReaderStanding.objects.get(reader__username="again").is_banned

    def test_the_owner_who_takes_a_banned_account_over_and_deletes_it_is_not_held(self):
        """The welcome email offers the owner of an address a troll typed a reset link to
        take the account over and delete it: proven after the ban, by its owner."""
        assert sign_up("troll", "victim@example.org").status_code == 302
        troll = User.objects.get(username="troll")
        ban(troll)
        reset_password("victim@example.org")
        troll.refresh_from_db()
        assert ProvenEmail.proves(troll)
        assert not ProvenEmail.proves(troll, before=troll.standing.updated_at)
        client = Client()
        assert client.post("/accounts/login/", {"username": "troll",
                                                "password": NEW_PASSWORD}).status_code == 302
        assert client.post("/accounts/delete/", {"password": NEW_PASSWORD}).status_code == 302
        assert HeldName.objects.get().email == ""
        assert sign_up("victim", "victim@example.org", "192.0.2.2").status_code == 302

    def test_a_later_proof_does_not_date_the_first_anew(self):
        ana = UserFactory(username="ana", email="ana@example.org")
        earlier = timezone.now() - timedelta(days=3)
        ProvenEmail.record(ana, now=earlier)
        reset_password("ana@example.org")
        assert ProvenEmail.objects.get(user=ana).proven_at == earlier

    def test_a_proof_is_of_one_address(self):
        ana = UserFactory(username="ana", email="ana@example.org")
        ProvenEmail.record(ana)
        User.objects.filter(pk=ana.pk).update(email="other@example.org")  # the admin, say
        ana.refresh_from_db()
        assert not ProvenEmail.proves(ana)
        ana.email = "ANA+x@example.org"  # the same mailbox
        assert ProvenEmail.proves(ana)


# 5. Addresses as their owners write them; one error at a time; the privacy page ------

IDN = "jurgen@xn--bcher-kva.example"


def test_the_account_page_shows_an_idn_address_as_written(client):
    client.force_login(UserFactory(username="jurgen", email=IDN))
    html = text(client.get("/accounts/"))
    assert "<dd>jurgen@bücher.example <a" in html and "xn--" not in html


def test_the_newsletter_fills_in_an_idn_address_as_written(client):
    client.force_login(UserFactory(username="jurgen", email=IDN))
    html = text(client.get("/newsletter/"))
    assert 'value="jurgen@bücher.example"' in html and "xn--" not in html


def test_the_email_change_pages_show_idn_addresses_as_written(client):
    client.force_login(UserFactory(username="jurgen", email=IDN))
    assert "Your account uses <strong>jurgen@bücher.example</strong>." in text(
        client.get("/accounts/email/"))
    client.post("/accounts/email/", {"email": "jurgen@münchen.example", "password": PASSWORD})
    html = text(client.get("/accounts/email/sent/"))
    assert "<strong>jurgen@münchen.example</strong>" in html
    assert "keeps using jurgen@bücher.example" in html and "xn--" not in html


def test_the_newsletter_says_one_thing_wrong_with_an_address():
    # A label over 63 characters, and too long: malformed is said, alone.
    form = SubscribeForm({"email": "a" * 60 + "@" + "b" * 190 + ".org", "is_daily": "on"})
    assert not form.is_valid()
    assert form.errors["email"] == ["Enter an email address such as name@example.org."]


def test_the_bias_report_form_says_who_sees_the_email(client):
    ArticleFactory(slug="harbour")
    html = text(client.get("/articles/harbour/report-bias/"))
    assert "Our moderators see it; it is never published or used for anything else." in html
    assert "never shown" not in html


PRIVACY = importlib.import_module(
    "pages.migrations.0009_privacy_sessions_proven_addresses_cookies")


def test_the_privacy_page_says_what_is_kept_and_every_cookie(client):
    html = text(client.get("/privacy/"))
    for told in ("you last signed in and when your email address last changed",
                 "signs the account out in every browser", "never held: anyone can type one",
                 "one-line message", "when you open it, kept for a year",
                 "report waits for a decision"):
        assert told in html, told


def test_the_migration_updates_an_old_privacy_page_once_and_spares_edited_words():
    page = Page.objects.get(slug="privacy")
    old = page.body
    for before, after in PRIVACY.CHANGES:
        old = old.replace(after, before)
    # Its editors reworded the cookies; the rest is as it was.
    cookies_before = PRIVACY.CHANGES[2][0]
    edited = old.replace(cookies_before, cookies_before.replace("Cookies:", "Cookies we set:"))
    Page.objects.filter(pk=page.pk).update(body=edited, body_html="<p>old</p>")
    PRIVACY.update_privacy(apps, None)
    PRIVACY.update_privacy(apps, None)  # once only
    page.refresh_from_db()
    for before, after in PRIVACY.CHANGES[:2] + PRIVACY.CHANGES[3:]:
        assert page.body.count(after) == 1 and before not in page.body
    assert "Cookies we set:" in page.body and PRIVACY.CHANGES[2][1] not in page.body
    assert "you last signed in" in page.body_html
