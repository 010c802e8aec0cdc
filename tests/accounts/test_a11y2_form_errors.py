"""A form sent back with errors opens on what to correct (core.forms.SiteFormRenderer).

On every form page of the site, a refused form: the first invalid field has
autofocus and nothing else does (Django's sign-in and sign-up put it on the
username whatever was wrong); with an error on no field (a username and password
that do not match, no edition chosen, a missing token) the page's summary has it
instead; each invalid field is aria-invalid and described by its message; and the
page's title begins "Error: ". The same pages, not refused, are as they were.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from newsletter import tokens
from newsletter.models import Subscriber
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's
NEW_PASSWORD = "harbour-lantern-pebble-91"


class _Page(HTMLParser):
    """The start tags of a page, with the text inside each element that has an id."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.texts, self.open = [], {}, []
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self._in_title = tag == "title"
        if tag not in self.VOID:
            self.open.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.texts[attrs["id"]] = ""

    def handle_endtag(self, tag):
        self._in_title = False
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        for _, element_id in self.open:
            if element_id:
                self.texts[element_id] += data

    def autofocused(self):
        return [(tag, attrs) for tag, attrs in self.elements if "autofocus" in attrs]

    def invalid(self):
        return [attrs for tag, attrs in self.elements if attrs.get("aria-invalid") == "true"]

    def description(self, attrs):
        return " ".join(" ".join(self.texts.get(name, "<missing>").split())
                        for name in (attrs.get("aria-describedby") or "").split())


SUMMARY = object()


def _signed_in(client):
    user = UserFactory(email="ana@example.org")
    client.force_login(user)
    return user


def _check_refused(response, focused, said, invalid=None):
    """focused: the id of the one element with autofocus, or SUMMARY for the page's summary
    of the errors; said: words of the message it is read with; invalid: the names of the
    fields marked invalid."""
    assert response.status_code in (200, 400), response.status_code
    page = _Page(response.content.decode())
    assert page.title.startswith("Error: "), page.title
    (tag, attrs), = page.autofocused()
    if focused is not SUMMARY:
        assert attrs.get("id") == focused, attrs
    marked = page.invalid()
    if invalid is not None:
        assert sorted(attrs["name"] for attrs in marked) == sorted(invalid)
    for field in marked:
        # Each invalid field is described by an element that is there and says why.
        assert field.get("aria-describedby"), field
        assert "<missing>" not in page.description(field), field
    if tag in ("input", "textarea", "select"):
        assert attrs.get("aria-invalid") == "true"
        assert said in page.description(attrs), page.description(attrs)
    else:
        # The summary: focusable by the page only; the message is on the page.
        assert (tag, attrs.get("tabindex"), attrs.get("role")) == ("p", "-1", "alert"), attrs
        assert said in response.content.decode()
    return page


def _check_not_refused(response, focused=None):
    page = _Page(response.content.decode())
    assert not page.title.startswith("Error"), page.title
    assert [attrs.get("id") for _, attrs in page.autofocused()] == ([focused] if focused else [])
    assert page.invalid() == []


# Accounts -------------------------------------------------------------------

def test_sign_in_refused_opens_on_the_message_that_describes_both_boxes(client):
    _check_not_refused(client.get("/accounts/login/"), "id_username")
    UserFactory(username="ana")
    response = client.post("/accounts/login/", {"username": "ana", "password": "not-it-at-all"})
    page = _check_refused(response, "sign-in-error", "didn’t match",
                          invalid=["username", "password"])
    for field in page.invalid():
        assert page.description(field) == ("Your username and password didn’t match. "
                                            "Please try again.")


def test_the_admins_sign_in_refused_keeps_the_username_focused(client):
    """The admin's page has no summary that takes the focus: its field keeps Django's own."""
    UserFactory(username="desk", is_staff=True)
    response = client.post("/admin/login/", {"username": "desk", "password": "not-it-at-all"})
    assert "Please enter the correct username and password" in response.content.decode()
    page = _Page(response.content.decode())
    assert [attrs.get("id") for _, attrs in page.autofocused()] == ["id_username"]


def test_sign_in_with_an_empty_box_opens_on_it(client):
    _check_refused(client.post("/accounts/login/", {"username": "ana", "password": ""}),
                   "id_password", "This field is required.", invalid=["password"])


def test_sign_up_with_only_the_email_wrong_opens_on_the_email(client):
    _check_not_refused(client.get("/accounts/signup/"), "id_username")
    response = client.post("/accounts/signup/", {
        "username": "new_reader", "email": "not-an-address",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    _check_refused(response, "id_email", "Enter an email address such as name@example.org.",
                   invalid=["email"])


def test_sign_up_with_passwords_that_differ_opens_on_the_second(client):
    response = client.post("/accounts/signup/", {
        "username": "new_reader", "email": "new@example.org",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    _check_refused(response, "id_password2", "didn’t match", invalid=["password2"])


def test_password_change_opens_on_the_first_wrong_field(client):
    _signed_in(client)
    _check_not_refused(client.get("/accounts/password_change/"), "id_old_password")
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    # The current password is right: Django's autofocus on it goes to the new one.
    _check_refused(response, "id_new_password1", "This password is too common.",
                   invalid=["new_password1"])


def test_password_reset_and_its_new_password_open_on_the_field(client):
    _check_refused(client.post("/accounts/password_reset/", {"email": "a@b"}),
                   "id_email", "such as name@example.org", invalid=["email"])
    user = UserFactory(email="ana@example.org")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    form = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/",
                      follow=True)
    _check_not_refused(form)
    response = client.post(form.redirect_chain[-1][0], {
        "new_password1": NEW_PASSWORD, "new_password2": "something-else-entirely"})
    _check_refused(response, "id_new_password2", "didn’t match", invalid=["new_password2"])


def test_email_change_opens_on_the_password_when_only_it_is_wrong(client):
    _signed_in(client)
    _check_not_refused(client.get("/accounts/email/"))
    response = client.post("/accounts/email/", {"email": "new@example.org",
                                                "password": "not-my-password"})
    _check_refused(response, "id_password", "That is not your password.", invalid=["password"])


def test_account_deletion_opens_on_the_password(client):
    _signed_in(client)
    _check_not_refused(client.get("/accounts/delete/"))
    response = client.post("/accounts/delete/", {"password": "not-my-password"})
    _check_refused(response, "id_password", "That is not your password.", invalid=["password"])


# Newsletter -----------------------------------------------------------------

def test_newsletter_opens_on_the_address_or_on_the_summary(client):
    _check_not_refused(client.get("/newsletter/"))
    SectionFactory(name="World", slug="world")
    _check_refused(client.post("/newsletter/", {"email": "bad", "is_daily": "on"}),
                   "id_email", "email address", invalid=["email"])
    # A good address and nothing chosen: an error of the whole form.
    _check_refused(client.post("/newsletter/", {"email": "ana@example.org"}), SUMMARY,
                   "Choose at least one edition", invalid=[])


def test_newsletter_preferences_with_nothing_chosen_open_on_the_summary(client):
    subscriber = Subscriber.objects.create(email="ana@example.org", is_daily=True,
                                           confirmed_at=timezone.now())
    url = f"/newsletter/preferences/{tokens.make(subscriber, tokens.MANAGE)}/"
    _check_not_refused(client.get(url))
    _check_refused(client.post(url, {"action": "save"}), SUMMARY, "Choose at least one edition",
                   invalid=[])


# Comments and bias reports, without the script ---------------------------------

def _story():
    return ArticleFactory(published_at=timezone.now() - timedelta(hours=1))


def test_a_refused_comment_opens_on_the_comment_box(client):
    article = _story()
    _signed_in(client)
    url = f"/articles/{article.slug}/comments/"
    form = client.get(url)
    _check_not_refused(form)
    token = re.search(r'name="submission_token" value="([^"]+)"', form.content.decode())[1]
    response = client.post(url, {"body": "  ", "submission_token": token})
    _check_refused(response, "id_body", "Write something before posting", invalid=["body"])


def test_a_comment_without_its_token_opens_on_the_notice(client):
    article = _story()
    _signed_in(client)
    response = client.post(f"/articles/{article.slug}/comments/", {"body": "Fine words."})
    _check_refused(response, SUMMARY, "This form was incomplete, so nothing was posted.",
                   invalid=[])


def test_a_refused_bias_report_opens_on_the_first_wrong_field(client):
    article = _story()
    url = f"/articles/{article.slug}/report-bias/"
    _check_not_refused(client.get(url))
    # No reason: the first radio button of the reasons, and only it.
    response = client.post(url, {"details": "One side only."})
    page = _Page(response.content.decode())
    assert page.title.startswith("Error: ")
    (tag, attrs), = page.autofocused()
    assert (tag, attrs["type"], attrs["name"], attrs["id"]) == ("input", "radio", "reason",
                                                                "id_reason_0")
    # Other without details: the details, described by their message.
    response = client.post(url, {"reason": "other", "evidence_url": "https://example.org/a"})
    _check_refused(response, "id_details", "details are required", invalid=["details"])
