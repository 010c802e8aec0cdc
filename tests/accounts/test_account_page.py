"""The reader's account page at /accounts/, the header that leads to it, and password change."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from comments.models import Comment
from newsletter.models import Subscriber
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def reader(client):
    user = UserFactory(username="ana", email="ana@example.org")
    client.force_login(user)
    return user


def _text(response):
    return response.content.decode()


def test_sign_in_is_required_and_returns_to_the_account_page():
    response = Client().get("/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/"


def test_the_page_is_personal_never_cached_and_not_indexed(client, reader):
    response = client.get("/accounts/")
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "public" not in cache_control and "s-maxage" not in cache_control
    page = parse_html(response)
    assert page.meta["robots"] == "noindex"
    assert page.title == "Your account · EVA DAILY"


def test_it_shows_email_password_change_newsletter_and_deletion(client, reader):
    html = _text(client.get("/accounts/"))
    assert "<dd>ana@example.org" in html
    assert 'href="/accounts/password_change/"' in html
    assert 'href="/accounts/delete/"' in html
    assert 'href="/newsletter/"' in html
    headings = re.findall(r"<h2 id=\"[^\"]+\">([^<]+)</h2>", html)
    assert headings == ["Sign-in details", "Where you are signed in", "Your comments",
                        "Newsletter", "Your data", "Leaving"]


def test_comment_history_with_story_links_and_status(client, reader):
    now = timezone.now()
    public = ArticleFactory(headline="Harbour reopens", slug="harbour")
    taken_down = ArticleFactory(headline="A story since withdrawn", slug="withdrawn",
                                draft=True)
    CommentFactory(article=public, reader=reader, body="First & oldest",
                   created_at=now - timedelta(hours=3))
    CommentFactory(article=public, reader=reader, body="Held one",
                   status=Comment.Status.PENDING, created_at=now - timedelta(hours=2))
    CommentFactory(article=taken_down, reader=reader, body="On the withdrawn story",
                   status=Comment.Status.HIDDEN, created_at=now - timedelta(hours=1))
    CommentFactory(article=public, body="Somebody else's words")

    html = _text(client.get("/accounts/"))
    assert "3 comments, newest first." in html
    bodies = re.findall(r'<blockquote class="account-comment-body" dir="auto">(.*?)</blockquote>',
                        html)
    assert bodies == ["On the withdrawn story", "Held one", "First &amp; oldest"]
    assert html.count('href="/articles/harbour/#comments"') == 2
    # A story that is no longer public is neither named nor linked.
    assert "A story since withdrawn" not in html and "/articles/withdrawn/" not in html
    assert "On a story that is no longer published" in html
    statuses = re.findall(r'<span class="comment-status [^"]+">([^<]+)</span>', html)
    assert statuses == ["Hidden by a moderator", "Waiting for a moderator", "Published"]
    assert "Somebody else" not in html


def test_comment_history_reads_the_stories_headlines_not_their_text(client, reader):
    CommentFactory(article=ArticleFactory(headline="Harbour reopens"), reader=reader)
    with CaptureQueriesContext(connection) as captured:
        html = _text(client.get("/accounts/"))
    assert "Harbour reopens" in html
    assert not any('"articles_article"."body' in q["sql"] for q in captured.captured_queries)


def test_no_comments_yet(client, reader):
    html = _text(client.get("/accounts/"))
    assert "You have not commented yet." in html


def test_comment_history_is_paginated_strictly(client, reader):
    story = ArticleFactory(slug="busy")
    start = timezone.now() - timedelta(days=1)
    for n in range(23):
        CommentFactory(article=story, reader=reader, body=f"Comment number {n}",
                       created_at=start + timedelta(minutes=n))
    first = _text(client.get("/accounts/"))
    assert first.count('class="account-comment-body"') == 20
    assert "Comment number 22" in first and "Comment number 2<" not in first
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = _text(client.get("/accounts/?page=2"))
    assert second.count('class="account-comment-body"') == 3
    assert "Comment number 0<" in second
    for bad in ("3", "0", "two", ""):
        assert client.get(f"/accounts/?page={bad}").status_code == 404, bad


def test_the_newsletter_part_tells_nothing_about_the_address(client, reader):
    # The account's address is not proven to be its owner's, so whether it is
    # subscribed (and its preferences link) must not show here.
    before = _text(client.get("/accounts/"))
    Subscriber.objects.create(email="ana@example.org", is_daily=True,
                              confirmed_at=timezone.now())
    after = _text(client.get("/accounts/"))
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", before) == strip.sub("", after)
    assert "/newsletter/preferences/" not in after


@pytest.mark.parametrize("comments", [1, 30])
def test_query_budget_does_not_grow_with_the_history(client, reader, comments,
                                                     django_assert_num_queries):
    for story in ArticleFactory.create_batch(3):
        CommentFactory.create_batch(comments, article=story, reader=reader)
    client.get("/accounts/")  # the session's first read of the user is not the page's
    # session, user, how many other browsers are signed in, whether it is a newsroom
    # account (its groups), whether the newsroom's record keeps it (a former editor's),
    # their commenting standing (comments.account.standing_record), their bias reports
    # (standards.account), comment count, one page of comments with their stories
    with django_assert_num_queries(9):
        assert client.get("/accounts/").status_code == 200


def test_header_links_the_account_page_not_deletion(client, reader):
    html = _text(client.get("/articles/"))
    header = html.split("</header>", 1)[0]
    assert 'href="/accounts/">Your account</a>' in header
    assert "/accounts/delete/" not in header
    assert "Delete account" not in html


def test_anonymous_header_has_a_search_form_and_no_account_bits():
    html = _text(Client().get("/articles/"))
    header = html.split("</header>", 1)[0]
    form = re.search(r'<form class="header-search" method="get" action="/search/"[^>]*>(.*?)</form>',
                     header, re.S)
    assert form, header
    assert '<label for="header-search-q" class="visually-hidden">Search stories</label>' \
        in form[1]
    assert 'id="header-search-q" name="q"' in form[1]
    assert 'class="header-search-link" href="/search/"' in header
    assert "Signed in as" not in header and "/accounts/\"" not in header


def test_the_search_page_keeps_its_own_form_only():
    header = _text(Client().get("/search/")).split("</header>", 1)[0]
    assert "header-search-q" not in header
    assert 'class="header-search-link" href="/search/" aria-current="page"' in header


class TestPasswordChange:
    def test_sign_in_required(self):
        response = Client().get("/accounts/password_change/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/accounts/password_change/"

    def test_form_in_plain_words(self, client, reader):
        response = client.get("/accounts/password_change/")
        html = _text(response)
        assert response.status_code == 200
        assert parse_html(response).meta["robots"] == "noindex"
        assert "Your current password" in html
        assert "At least 8 characters, not only digits" in html
        assert "can’t be too similar" not in html and "<li>Your password" not in html
        # The site's page, not the admin's.
        assert 'class="stacked-form"' in html and "Django administration" not in html

    def test_wrong_current_password_changes_nothing(self, client, reader):
        response = client.post("/accounts/password_change/", {
            "old_password": "wrong", "new_password1": "a-new-harbour-passphrase",
            "new_password2": "a-new-harbour-passphrase"})
        assert response.status_code == 200
        assert "your password has not changed" in _text(response)
        reader.refresh_from_db()
        assert reader.check_password(PASSWORD)

    def test_change_keeps_the_reader_signed_in(self, client, reader):
        response = client.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": "a-new-harbour-passphrase",
            "new_password2": "a-new-harbour-passphrase"})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_change/done/"
        reader.refresh_from_db()
        assert reader.check_password("a-new-harbour-passphrase")
        done = client.get("/accounts/password_change/done/")
        assert "Your password has been changed" in _text(done)
        assert client.get("/accounts/").status_code == 200


class TestSignupWords:
    def test_says_the_username_is_public_in_plain_words(self, client):
        html = _text(client.get("/accounts/signup/"))
        assert "<strong>username is shown publicly</strong>" in html
        assert "Shown publicly beside your comments." in html
        assert "At least 8 characters" in html
        assert "The same password again" in html
        # Django's defaults are gone.
        for default in ("Required. 150 characters or fewer", "can’t be too similar",
                        "can’t be entirely numeric", "Enter the same password as before"):
            assert default not in html, default

    def test_the_password_sentence_follows_the_validators(self, client, settings):
        settings.AUTH_PASSWORD_VALIDATORS = [{
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12}}]
        # Django's setting_changed receiver forgets the validators it had built.
        assert "At least 12 characters" in _text(client.get("/accounts/signup/"))


@pytest.mark.parametrize("url", [
    "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/",
    "/accounts/password_reset/done/", "/accounts/reset/done/",
    "/accounts/reset/MQ/not-a-token/",
])
def test_sign_in_pages_are_not_indexed(client, url):
    response = client.get(url)
    # A reset link cut short answers 400, saying so (QA round 12).
    assert response.status_code == (400 if "not-a-token" in url else 200)
    assert parse_html(response).meta["robots"] == "noindex"


def test_deletion_page_is_not_indexed(client, reader):
    assert parse_html(client.get("/accounts/delete/")).meta["robots"] == "noindex"


def test_a_reset_link_asks_for_the_new_password_in_plain_words(client):
    user = UserFactory(username="ana")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    response = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/",
                          follow=True)
    html = _text(response)
    assert "Choose a new password" in html
    assert "At least 8 characters" in html and "The same password again" in html
    assert "can’t be too similar" not in html
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "a-new-harbour-passphrase",
        "new_password2": "a-new-harbour-passphrase"})
    assert response["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("a-new-harbour-passphrase")
