"""Refused forms say so once, out loud, and pages name what they show.

Every page that shows a form's errors has one summary with role="alert" (the
page opens at its top, far from the marked field); the lists of errors keep
their list role; a title agrees with its heading; an aria-describedby names an
element that is there; and a search for a section or author that does not exist
says so and searches everywhere, rather than finding nothing in silence.
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
from tests.articles.test_search import _budget
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's


class _Elements(HTMLParser):
    """Each start tag of a page as (tag, attrs), and the page's ids."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.ids = [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])


def _page(response):
    return _Elements(response.content.decode())


def _alerts(response):
    """The text of each element with role="alert", in page order."""
    text = response.content.decode()
    return re.findall(r'<(\w+)[^>]* role="alert"[^>]*>(.*?)</\1>', text, re.S)


def _listed_roles(response):
    """Roles put on lists, which would stop them being read as lists."""
    return [attrs for tag, attrs in _page(response).elements
            if tag in ("ul", "ol") and "role" in attrs]


def _dangling_descriptions(response):
    page = _page(response)
    return [(tag, name) for tag, attrs in page.elements
            for name in (attrs.get("aria-describedby") or "").split() if name not in page.ids]


def _signed_in(client, **kwargs):
    user = UserFactory(**kwargs)
    client.force_login(user)
    return user


# Forms that include includes/form_fields.html ---------------------------------

def _reset(client):
    return client.post("/accounts/password_reset/", {"email": "a@b"})


def _reset_confirm(client):
    user = UserFactory(email="ana@example.org")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    form = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/",
                      follow=True)
    return client.post(form.redirect_chain[-1][0],
                       {"new_password1": "12345678", "new_password2": "12345678"})


def _delete(client):
    _signed_in(client)
    return client.post("/accounts/delete/", {"password": "not-my-password"})


def _password_change(client):
    _signed_in(client)
    return client.post("/accounts/password_change/", {
        "old_password": "not-my-password", "new_password1": "12345678",
        "new_password2": "12345678"})


def _signup(client):
    return client.post("/accounts/signup/", {
        "username": "ana", "email": "a@b", "password1": "12345678", "password2": "12345678"})


def _email_change(client):
    _signed_in(client)
    return client.post("/accounts/email/", {"email": "a@b", "password": "not-my-password"})


@pytest.mark.parametrize(("refuse", "said"), [
    (_reset, "nothing was sent yet"),
    (_reset_confirm, "your password has not changed"),
    (_delete, "your account has not been deleted"),
    (_password_change, "your password has not changed"),
    (_signup, "Please check the fields marked below"),
    (_email_change, "your email address has not changed"),
])
def test_a_refused_account_form_says_so_once_out_loud(client, refuse, said):
    response = refuse(client)
    assert response.status_code in (200, 400)
    assert b'class="field-errors"' in response.content
    (alert,) = _alerts(response)
    assert alert[0] == "p" and said in alert[1]
    assert _listed_roles(response) == []


def test_an_error_of_the_whole_form_is_a_list_announced_by_the_page():
    from django import forms
    from django.template.loader import render_to_string

    class Refused(forms.Form):
        def clean(self):
            raise forms.ValidationError("This account cannot be deleted here.")

    form = Refused({})
    html = render_to_string("includes/form_fields.html", {"form": form})
    assert '<ul class="field-errors"><li>This account cannot be deleted here.</li></ul>' in html
    assert "role=" not in html


def test_an_expired_reset_link_is_titled_as_it_is_headed(client):
    from tests.factories import UserFactory

    uid = urlsafe_base64_encode(force_bytes(UserFactory().pk))
    for token, heading in (("cz3k2b-0f1e2d3c4b5a69788796a5b4c3d2e1f0", "This link has expired"),
                           ("bad-token", "This link does not work")):
        text = client.get(f"/accounts/reset/{uid}/{token}/").content.decode()
        assert f"<h1>{heading}</h1>" in text
        assert re.search(rf"<title>{heading} · [^<]+</title>", text)
        assert "Choose a new password" not in text


# Comments without the script ------------------------------------------------

def _story():
    return ArticleFactory(published_at=timezone.now() - timedelta(hours=1))


def test_an_empty_comment_is_refused_out_loud_without_the_script(client):
    article = _story()
    _signed_in(client)
    url = f"/articles/{article.slug}/comments/"
    form = client.get(url).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', form)[1]
    response = client.post(url, {"body": "  ", "submission_token": token})
    assert response.status_code == 400
    (alert,) = _alerts(response)
    assert alert[1] == "Your comment was not posted: please check what is marked below."
    assert "Write something before posting: the comment is empty." in response.content.decode()
    # The script puts the reader in the comment box, described by the reason: no second voice.
    partial = client.post(f"{url}?partial=1", {"body": "  ", "submission_token": token})
    assert partial.status_code == 400 and _alerts(partial) == []


def test_signed_out_a_refused_comment_is_an_alert(client):
    article = _story()
    response = client.post(f"/articles/{article.slug}/comments/",
                           {"body": "Kept for after signing in."})
    assert response.status_code == 403
    (alert,) = _alerts(response)
    assert alert[1].startswith("You are signed out, so your comment was not posted.")
    assert 'role="status">You are signed out' not in response.content.decode()


# Newsletter -----------------------------------------------------------------

def _preferences(client):
    subscriber = Subscriber.objects.create(email="ana@example.org", is_daily=True,
                                           confirmed_at=timezone.now())
    return f"/newsletter/preferences/{tokens.make(subscriber, tokens.MANAGE)}/"


def test_choosing_no_edition_is_said_once_and_the_errors_stay_a_list(client):
    response = client.post(_preferences(client), {"action": "save"})
    assert response.status_code == 400
    (alert,) = _alerts(response)
    assert "nothing was changed" in alert[1]
    assert '<ul class="field-errors" id="editions-errors">' in response.content.decode()
    assert _listed_roles(response) == []


@pytest.mark.parametrize("refused", [False, True])
def test_the_daily_editions_help_is_its_description(client, refused):
    preferences = _preferences(client)
    response = (client.post(preferences, {"action": "save"}) if refused
                else client.get(preferences))
    assert 'aria-describedby="id_is_daily_helptext"' in response.content.decode()
    assert _dangling_descriptions(response) == []
    response = client.get("/newsletter/")
    assert 'aria-describedby="id_is_daily_helptext"' in response.content.decode()
    assert _dangling_descriptions(response) == []


# Search ---------------------------------------------------------------------

@pytest.fixture
def harbour():
    world = SectionFactory(name="World", slug="world")
    li = AuthorFactory(name="Li Wei", slug="li-wei")
    hidden = AuthorFactory(name="Not Yet", slug="not-yet")
    ArticleFactory(draft=True, author=hidden, headline="Harbour draft")
    now = timezone.now()
    return [ArticleFactory(headline=f"Harbour story {n}", section=world, author=li,
                           published_at=now - timedelta(hours=n + 1)) for n in range(2)]


def _search(client, **params):
    response = client.get("/search/", {"q": "harbour", **params})
    assert response.status_code == 200
    return response, response.content.decode()


def _selected(text, name):
    select = re.search(rf'<select id="search-{name}" name="{name}">(.*?)</select>', text, re.S)[1]
    return re.findall(r'<option value="([^"]*)" selected>', select)


@pytest.mark.parametrize(("params", "said"), [
    ({"section": "nosuch"},
     "There is no section “nosuch”; showing results from every section."),
    ({"author": "nobody"}, "There is no author “nobody”; showing results by every author."),
    # An author with no public story yet has a page, but is not in the form's list.
    ({"author": "not-yet"},
     "Not Yet has no published stories yet; showing results by every author."),
    ({"section": "no such\x00thing"},
     "There is no such section; showing results from every section."),
    ({"author": "x" * 500}, "There is no such author; showing results by every author."),
])
def test_an_unknown_filter_is_said_and_left_out(client, harbour, params, said):
    response, text = _search(client, **params)
    assert said in text
    assert "2 results for “<bdi>harbour</bdi>”" in text
    assert {a.headline for a in response.context["articles"]} == {a.headline for a in harbour}
    # The form shows what was searched: every section and author.
    assert _selected(text, "section") == [] and _selected(text, "author") == []


def test_known_filters_are_kept_and_say_nothing(client, harbour):
    response, text = _search(client, section="world", author="li-wei")
    assert "There is no" not in text
    assert _selected(text, "section") == ["world"] and _selected(text, "author") == ["li-wei"]
    _, text = _search(client, section="world", author="nobody")
    assert "There is no author “nobody”" in text and "There is no section" not in text
    assert _selected(text, "section") == ["world"] and _selected(text, "author") == []


def test_an_unknown_filter_costs_no_query(client, harbour, django_assert_num_queries):
    with django_assert_num_queries(_budget()):
        _search(client, section="nosuch", author="nobody")
