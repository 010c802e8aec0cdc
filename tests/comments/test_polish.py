"""Issue 17, comments: the count by the heading, signing in back to the story's
comments, and the news of a post shown with the comment, once, not above the
form for the next one. The browser's side is tests/browser/test_comment_polish.py.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from comments.models import Comment
from comments.moderation import decide_comment
from tests.commenting import post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/articles/harbour/comments/"
BLOCK = PAGE + "?partial=1"
PASSWORD = "a-long-test-passphrase"
COUNT = re.compile(r'data-comment-count="(\d+)"')


def shown_count(html):
    match = COUNT.search(html)
    assert match, "the block carries no count"
    return int(match[1])


def heading_count(html):
    match = re.search(r'<h1>Comments on “[^”]*” <span class="comments-count">\((\d+)\)</span></h1>',
                      html)
    assert match, "the page's heading shows no count"
    return int(match[1])


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestCount:
    def test_only_published_comments_of_this_story_count(self, client, article):
        CommentFactory.create_batch(3, article=article)
        CommentFactory(article=article, status=Comment.Status.PENDING, body="held back")
        CommentFactory(article=article, status=Comment.Status.HIDDEN, body="hidden away")
        CommentFactory(body="another story's")
        assert shown_count(get(client, BLOCK)) == 3
        page = get(client, PAGE)
        assert shown_count(page) == 3 and heading_count(page) == 3

    def test_no_comments_count_zero(self, client, article):
        assert shown_count(get(client, BLOCK)) == 0
        assert heading_count(get(client, PAGE)) == 0

    def test_the_count_is_every_page_not_the_twenty_shown(self, client, article):
        now = timezone.now()
        for minutes in range(23):
            CommentFactory(article=article, created_at=now - timedelta(minutes=minutes))
        assert shown_count(get(client, BLOCK)) == 23
        assert shown_count(get(client, BLOCK + "&page=2")) == 23

    def test_the_story_page_stays_the_same_for_every_comment(self, client, article):
        # The count comes with the block; the story page is cached whole.
        before = get(client, "/articles/harbour/")
        CommentFactory(article=article)
        assert '<h2 id="comments-heading">Comments</h2>' in before
        assert 'data-comment-count' not in before

    @pytest.mark.usefixtures("page_cache_on")
    def test_the_cached_count_follows_each_decision(self, client, article):
        moderator = UserFactory(username="mod", is_staff=True)
        shown = CommentFactory(article=article, body="first")
        held = CommentFactory(article=article, status=Comment.Status.PENDING, body="waiting")
        anonymous = Client()

        def count():
            response = anonymous.get(BLOCK)
            return shown_count(response.content.decode()), response["X-Page-Cache"]

        assert count() == (1, "miss")
        assert count() == (1, "hit")
        decide_comment(held, Comment.Status.APPROVED, moderator)
        assert count() == (2, "miss")
        decide_comment(shown, Comment.Status.HIDDEN, moderator)
        assert count() == (1, "miss")
        assert count() == (1, "hit")
        # A new comment held for review changes nothing that is shown.
        CommentFactory(article=article, status=Comment.Status.PENDING)
        assert count() == (1, "hit")
        CommentFactory(article=article)
        assert count() == (2, "miss")


class TestSigningInToComment:
    def test_links_lead_back_to_the_story_at_its_comments(self, client, article):
        html = get(client, BLOCK)
        assert 'href="/accounts/login/?next=/articles/harbour/%23comments">Sign in to comment' in html
        assert 'href="/accounts/signup/?next=/articles/harbour/%23comments">create a free' in html
        assert "/comments/%23" not in html and "next=/articles/harbour/comments/" not in html

    def test_the_comments_page_leads_back_to_itself(self, client, article):
        # Without JavaScript the story page has no form: its link leads here.
        html = get(client, PAGE)
        assert 'href="/accounts/login/?next=/articles/harbour/comments/%23comments"' in html
        assert 'href="/accounts/signup/?next=/articles/harbour/comments/%23comments"' in html

    def test_signing_in_lands_on_the_story_at_its_comments(self, client, article):
        user = UserFactory(username="ana")
        link = re.search(r'<a href="([^"]+)">Sign in to comment</a>', get(client, BLOCK))[1]
        login = get(client, link)
        next_url = re.search(r'<input type="hidden" name="next" value="([^"]*)">', login)[1]
        assert next_url == "/articles/harbour/#comments"
        assert url_has_allowed_host_and_scheme(next_url, allowed_hosts={"testserver"})
        response = client.post("/accounts/login/", {
            "username": user.username, "password": PASSWORD, "next": next_url})
        assert response.status_code == 302
        assert response["Location"] == "/articles/harbour/#comments"
        # There, the block has the form.
        assert 'name="body"' in get(client, BLOCK)

    def test_signing_up_lands_there_too_and_is_welcomed_in_the_block(self, client, article):
        response = client.post("/accounts/signup/", {
            "username": "newcomer", "email": "newcomer@example.org", "password1": PASSWORD,
            "password2": PASSWORD, "next": "/articles/harbour/#comments"})
        assert response.status_code == 302
        assert response["Location"] == "/articles/harbour/#comments"
        block = get(client, BLOCK)
        assert ('<div role="status"><ul class="notices"><li>Welcome, newcomer. You can comment '
                'now.</li></ul></div>') in block
        assert block.index("Welcome, newcomer") < block.index('name="body"')
        assert "Welcome, newcomer" not in get(client, BLOCK)  # once

    def test_a_foreign_next_is_not_followed(self, client, article):
        user = UserFactory(username="ana")
        response = client.post("/accounts/login/", {
            "username": user.username, "password": PASSWORD,
            "next": "https://evil.example/#comments"})
        assert response["Location"] == "/"


def _form_end(html):
    """Where the comment form ends (the header has forms of its own)."""
    return html.index("</form>", html.index('<form class="comment-form"'))


class TestNewsOfAPost:
    def test_without_a_script_the_news_is_with_the_comment_once(self, client, article, reader):
        CommentFactory(article=article, body="an earlier comment")
        response = post_comment(client, "harbour", "My first comment")
        comment = Comment.objects.get(body="My first comment")
        assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
        html = get(client, response["Location"])
        item = re.search(rf'<li class="comment comment-with-outcome" id="comment-{comment.pk}">'
                         r'(.*?)</li>', html, re.S)
        assert item and ('<p class="comment-outcome" role="status">Your comment is published.</p>'
                         in item[1])
        assert html.count("Your comment is published.") == 1
        assert html.index("Your comment is published.") > _form_end(html)
        assert 'class="notice' not in html and 'class="notices' not in html
        # Shown once: a reload, or the next comment's form, no longer has it.
        again = get(client, PAGE)
        assert "Your comment is published." not in again and "comment-with-outcome" not in again
        assert "My first comment" in again

    def test_with_the_script_the_news_is_with_the_comment_not_above_the_form(
            self, client, article, reader):
        response = post_comment(client, "harbour", "From the script", partial=True)
        html = response.content.decode()
        comment = Comment.objects.get()
        assert response.status_code == 200
        assert f'class="comment comment-with-outcome" id="comment-{comment.pk}"' in html
        assert html.index("Your comment is published.") > _form_end(html)
        assert 'class="notice' not in html
        # The next comment's form is empty.
        assert re.search(r'<textarea [^>]*name="body"[^>]*>\s*</textarea>', html)
        assert "Your comment is published." not in get(client, BLOCK)

    @pytest.mark.parametrize("partial", [False, True])
    def test_a_held_comment_is_acknowledged_under_the_form(self, client, article, reader,
                                                          partial):
        response = post_comment(client, "harbour", "See https://example.org/proof",
                                partial=partial)
        html = (response.content.decode() if partial else get(client, response["Location"]))
        notice = ('<p class="comment-outcome" role="status">Thank you. Your comment will appear '
                  "once a moderator has reviewed it.</p>")
        assert html.count(notice) == 1
        assert _form_end(html) < html.index(notice) < html.index("No comments yet.")
        assert "example.org/proof" not in html
        assert "will appear once" not in get(client, PAGE)

    def test_a_report_is_acknowledged_with_the_comment(self, client, article, reader):
        comment = CommentFactory(article=article, body="rude words")
        response = client.post(f"/comments/{comment.pk}/report/", {"reason": "abuse"})
        assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
        html = get(client, response["Location"])
        item = re.search(rf'id="comment-{comment.pk}">(.*?)</li>', html, re.S)[1]
        assert "Thank you. A moderator will look at the comment you reported." in item
        partial = client.post(f"/comments/{comment.pk}/report/?partial=1", {"reason": "abuse"})
        item = re.search(rf'id="comment-{comment.pk}">(.*?)</li>', partial.content.decode(),
                         re.S)[1]
        assert "A moderator will look at the comment you reported." in item

    def test_news_of_a_comment_on_another_page_shows_under_the_form(self, client, article,
                                                                   reader):
        now = timezone.now()
        old = CommentFactory(article=article, body="the oldest",
                             created_at=now - timedelta(days=1))
        for minutes in range(20):
            CommentFactory(article=article, created_at=now - timedelta(minutes=minutes))
        client.post(f"/comments/{old.pk}/report/", {"reason": "spam"})
        html = get(client, PAGE)
        assert "the oldest" not in html  # page 2
        assert html.count("A moderator will look at the comment you reported.") == 1
        assert _form_end(html) < html.index("A moderator will look") < html.index(
            'class="comment-list"')

    def test_refusals_still_show_above_the_form(self, client, article, reader):
        response = post_comment(client, "harbour", "   ")
        html = response.content.decode()
        assert response.status_code == 400
        assert html.index("the comment is empty") < html.index("<textarea")

    def test_anonymous_readers_never_get_anyone_s_news(self, client, article, reader):
        post_comment(client, "harbour", "Mine")
        html = get(Client(), PAGE)
        assert "Your comment is published." not in html and "Mine" in html

    def test_news_is_kept_for_its_own_story(self, client, article, reader):
        other = ArticleFactory(slug="other")
        response = post_comment(client, "harbour", "Here")
        assert "Your comment is published." not in get(client, f"/articles/{other.slug}/comments/")
        assert "Your comment is published." in get(client, response["Location"])
