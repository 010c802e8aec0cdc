"""The comments block when time passes or the session changes under it.

Times in the cached block are absolute; a reader cannot report their own
comment; a report sent after the session ended leads, once signed in, back
to the comment; a comment sent while signed out keeps its text on screen;
a form whose CSRF token is out of date gets the site's own 403 page. The
script's side is tests/browser/test_comment_block_session.py.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from comments.models import Comment, CommentReport
from tests.commenting import comment_form
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/articles/harbour/comments/"
BLOCK = PAGE + "?partial=1"
PASSWORD = "a-long-test-passphrase"
POSTED_AT = datetime(2026, 12, 4, 15, 13, tzinfo=UTC)


def _report_url(comment):
    return f"/comments/{comment.pk}/report/"


class TestTimesInTheCachedBlock:
    @pytest.fixture(autouse=True)
    def new_york(self, settings):
        settings.TIME_ZONE = "America/New_York"

    @pytest.fixture
    def article(self):
        # Published before the times these tests travel to, whatever the clock says now.
        return ArticleFactory(slug="harbour", published_at=POSTED_AT - timedelta(days=1))

    @pytest.mark.usefixtures("page_cache_on")
    def test_the_block_shows_when_not_how_long_ago(self, client, article):
        CommentFactory(article=article, body="Early boats at last.", created_at=POSTED_AT)
        with time_machine.travel(POSTED_AT + timedelta(minutes=2), tick=False):
            first = client.get(BLOCK)
        # Seven minutes on, anonymous readers get the copy kept two minutes in.
        with time_machine.travel(POSTED_AT + timedelta(minutes=7), tick=False):
            later = client.get(BLOCK)
        assert (first["X-Page-Cache"], later["X-Page-Cache"]) == ("miss", "hit")
        html = later.content.decode()
        # Shown in TIME_ZONE, with the byline's date and the dateline's time.
        assert ('<time datetime="2026-12-04T10:13:00-05:00" title="Friday, December 4, 2026 '
                'at 10:13 AM">Dec 4, 2026, 10:13 AM</time>') in html
        assert not re.search(r"\b(minute|hour|second|day)s? ago\b", html)  # no "5 minutes ago"

    def test_the_full_page_likewise(self, client, article, reader):
        # Words of its own: a made-up body may hold "Chicago" or "ago".
        CommentFactory(article=article, body="Early boats at last.", created_at=POSTED_AT)
        with time_machine.travel(POSTED_AT + timedelta(minutes=5), tick=False):
            html = client.get(PAGE).content.decode()
        assert ">Dec 4, 2026, 10:13 AM</time>" in html
        assert not re.search(r"\b(minute|hour|second|day)s? ago\b", html)  # no "5 minutes ago"


class TestReportingOnesOwnComment:
    @pytest.mark.parametrize("partial", [False, True])
    def test_is_refused_and_stores_nothing(self, client, article, reader, partial):
        own = CommentFactory(article=article, reader=reader, body="My own words.")
        url = _report_url(own) + ("?partial=1" if partial else "")
        response = client.post(url, {"reason": "abuse"})
        assert response.status_code == 403
        html = response.content.decode()
        assert "You cannot report your own comment. Nothing was reported." in html
        assert ("<html" in html) is not partial
        assert not CommentReport.objects.exists()
        # Others' comments they still can.
        theirs = CommentFactory(article=article, reader=UserFactory(username="bo"))
        assert client.post(_report_url(theirs), {"reason": "abuse"}).status_code == 303
        assert CommentReport.objects.get().reporter == reader


class TestReportingAfterTheSessionEnded:
    def test_signing_in_leads_back_to_the_comment_and_files_nothing(self, client, article):
        comment = CommentFactory(article=article)
        response = client.post(_report_url(comment), {"reason": "abuse"})
        assert response.status_code == 302
        target = f"/articles/harbour/comments/#comment-{comment.pk}"
        assert response["Location"] == (
            f"/accounts/login/?next=/articles/harbour/comments/%23comment-{comment.pk}")
        login = client.get(response["Location"]).content.decode()
        assert re.search(r'<input type="hidden" name="next" value="([^"]*)">', login)[1] == target
        user = UserFactory(username="ana")
        signed_in = client.post("/accounts/login/", {
            "username": user.username, "password": PASSWORD, "next": target})
        assert signed_in["Location"] == target
        page = client.get(PAGE).content.decode()
        assert f'id="comment-{comment.pk}"' in page and "Send report" in page
        assert not CommentReport.objects.exists()

    def test_the_report_address_by_get_leads_to_the_comment(self, client, article, reader):
        comment = CommentFactory(article=article)
        response = client.get(_report_url(comment), {"reason": "abuse"})
        assert response.status_code == 302
        assert response["Location"] == f"/articles/harbour/comments/#comment-{comment.pk}"
        assert not CommentReport.objects.exists()

    def test_a_comment_on_an_older_page_is_found_there(self, client, article, reader):
        now = datetime.now(UTC)
        old = CommentFactory(article=article, created_at=now - timedelta(days=1))
        for minutes in range(20):
            CommentFactory(article=article, created_at=now - timedelta(minutes=minutes))
        CommentFactory(article=article, status=Comment.Status.HIDDEN, created_at=now)
        target = f"/articles/harbour/comments/?page=2#comment-{old.pk}"
        assert client.get(_report_url(old))["Location"] == target
        assert f'id="comment-{old.pk}"' in client.get(PAGE + "?page=2").content.decode()
        anonymous = Client()
        assert anonymous.post(_report_url(old), {"reason": "spam"})["Location"] == (
            f"/accounts/login/?next=/articles/harbour/comments/%3Fpage%3D2%23comment-{old.pk}")

    def test_from_the_script_the_answer_is_the_block_asking_to_sign_in(self, client, article):
        comment = CommentFactory(article=article)
        response = client.post(_report_url(comment) + "?partial=1", {"reason": "abuse"})
        assert response.status_code == 403
        html = response.content.decode()
        assert "<html" not in html and "data-comments-block" in html
        assert "Sign in to report a comment. Nothing was reported." in html
        assert 'href="/accounts/login/?next=/articles/harbour/%23comments"' in html
        assert not CommentReport.objects.exists()

    def test_hidden_comments_stay_unknown(self, client, article):
        hidden = CommentFactory(article=article, status=Comment.Status.HIDDEN)
        assert client.get(_report_url(hidden)).status_code == 404
        assert client.post(_report_url(hidden), {"reason": "spam"}).status_code == 404


class TestCommentSentWhileSignedOut:
    @pytest.mark.parametrize("partial", [False, True])
    def test_the_text_stays_on_screen_to_copy(self, client, article, partial):
        reader = UserFactory(username="ana")
        client.force_login(reader)
        form = comment_form(client, "harbour", body="Two <b>lines</b>\r\nof thought.")
        client.logout()  # in another tab
        response = client.post(PAGE + ("?partial=1" if partial else ""), form)
        assert response.status_code == 403
        html = response.content.decode()
        assert ("You are signed out, so your comment was not posted. Sign in to post it; "
                "your text is below.") in html
        copy = re.search(r'<label for="unsent-comment">([^<]*)</label>\s*'
                         r'<textarea id="unsent-comment" rows="4" readonly dir="auto">\n([^<]*)</textarea>',
                         html)
        assert copy, "no read-only copy of the text"
        assert copy[1] == "Your comment, not posted: copy it to keep it"
        assert copy[2] == "Two &lt;b&gt;lines&lt;/b&gt;\r\nof thought."
        assert "Sign in to comment</a>" in html and 'name="body"' not in html
        assert not Comment.objects.exists()
        # The copy is theirs alone: the block for everyone else has none.
        assert "unsent-comment" not in Client().get(BLOCK).content.decode()
        # Without text there is nothing to copy.
        blank = client.post(BLOCK, {**form, "body": " \r\n "}).content.decode()
        assert "Sign in to comment. Nothing was posted." in blank
        assert "unsent-comment" not in blank


class TestOutOfDateForm:
    def test_a_refused_token_gets_the_sites_page_and_nothing_else(self, article):
        client = Client(enforce_csrf_checks=True)
        client.force_login(UserFactory(username="ana"))
        page = client.get(PAGE).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        # Signed out and in again elsewhere: a new token, this page's is old.
        client.logout()
        client.force_login(UserFactory(username="ana-again"))
        client.get("/")
        response = client.post(PAGE, {"body": "A secret draft", "csrfmiddlewaretoken": token})
        assert response.status_code == 403
        html = response.content.decode()
        assert '<h1>Your form was not sent</h1>' in html
        assert "Go back with your browser’s Back button" in html and "reload that page" in html
        # The site's layout: its header (and the reader's own name) and footer.
        assert 'class="site-header"' in html and "<footer" in html
        assert "<title>Not sent: the page was out of date · EVA DAILY</title>" in html
        assert "A secret draft" not in html and "CSRF" not in html and "incorrect" not in html
        assert "no-cache" in response["Cache-Control"]
        assert not Comment.objects.exists()

    def test_signed_out_readers_get_a_sign_in_link(self, article):
        response = Client(enforce_csrf_checks=True).post(PAGE, {"body": "hello"})
        assert response.status_code == 403
        html = response.content.decode()
        assert '<a href="/accounts/login/">Sign in again</a>' in html
