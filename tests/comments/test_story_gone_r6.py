"""A comment or a bias report sent as its story is unpublished or deleted.

The story is public when the form is checked, and gone by the time the row is
written: nothing is stored on a story that is not public, the reader gets the
404 with what they typed to copy, never a 500 or a "published". The hook that
interleaves is a function each view calls between its check of the story and
its transaction (comments: check_comment; bias reports: _duplicate_report).
"""

import threading
import time
from html import unescape

import pytest
from django.db import close_old_connections, connection, transaction
from django.test import Client

from articles.models import Article
from comments import views as comment_views
from comments.models import Comment, CommentReport
from standards import views as standards_views
from standards.models import BiasReport
from tests.commenting import comment_form
from tests.factories import ArticleFactory, CommentFactory, UserFactory

COMMENTS = "/articles/harbour/comments/"
REPORT = "/articles/harbour/report-bias/"
GONE = "This story is no longer available"
COMMENT_GONE = ("Your comment was not posted: the story has been withdrawn, so it takes no "
                "comments.")
REPORT_GONE = "Your report was not sent: the story has been withdrawn."
BODY = "Typed with care & kept."
REPORT_DATA = {"reason": "other", "quoted_passage": "The mayor said “enough”.",
               "details": "Only one side <of it> was asked."}


def unpublish(story):
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)


def delete(story):
    Article.objects.filter(pk=story.pk).delete()


def meanwhile(monkeypatch, module, name, change, story):
    """Make change to story once module's name has been called: after the view found the
    story public, before it stores anything."""
    original = getattr(module, name)

    def changed_then_original(*args, **kwargs):
        change(story)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, changed_then_original)


def page(response):
    return unescape(response.content.decode())


def assert_gone_with(response, notice, *texts):
    html = page(response)
    assert response.status_code == 404
    assert GONE in html and notice in html
    for text in texts:
        assert f">\n{text}</textarea>" in html  # readonly, for the reader to copy
    assert "<!doctype html>" in html.lower()  # a whole page: the script keeps its form


@pytest.fixture
def story():
    return ArticleFactory(slug="harbour")


@pytest.fixture
def reader(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


# Comments ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("partial", [False, True])
def test_a_comment_sent_as_the_story_is_unpublished_is_not_stored(client, story, reader,
                                                                  monkeypatch, partial):
    data = comment_form(client, "harbour", body=BODY)
    meanwhile(monkeypatch, comment_views, "check_comment", unpublish, story)
    response = client.post(COMMENTS + ("?partial=1" if partial else ""), data)
    assert_gone_with(response, COMMENT_GONE, BODY)
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_comment_sent_as_the_story_is_deleted_is_a_404_not_a_500(client, story, reader,
                                                                   monkeypatch):
    # Committed for real: SQLite checks the story's key at commit.
    data = comment_form(client, "harbour", body=BODY)
    meanwhile(monkeypatch, comment_views, "check_comment", delete, story)
    response = client.post(COMMENTS, data)
    assert_gone_with(response, COMMENT_GONE, BODY)
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_story_gone_only_at_commit_is_still_a_404(client, story, reader, monkeypatch):
    """The answer when the database, not the check, finds the story gone."""
    data = comment_form(client, "harbour", body=BODY)
    monkeypatch.setattr(comment_views, "_still_public", lambda article: True)
    meanwhile(monkeypatch, comment_views, "check_comment", delete, story)
    response = client.post(COMMENTS, data)
    assert_gone_with(response, COMMENT_GONE, BODY)
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_a_comment_sent_after_the_story_was_withdrawn_keeps_its_text(client, story, reader):
    data = comment_form(client, "harbour", body=BODY)
    unpublish(story)
    assert_gone_with(client.post(COMMENTS, data), COMMENT_GONE, BODY)
    assert client.get(COMMENTS).status_code == 404  # the page itself is as it was
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_a_signed_out_comment_on_a_withdrawn_story_keeps_its_text_too(client, story):
    unpublish(story)
    assert_gone_with(client.post(COMMENTS, {"body": BODY}), COMMENT_GONE, BODY)


@pytest.mark.django_db
def test_a_comment_on_a_public_story_is_still_published(client, story, reader):
    response = client.post(COMMENTS, comment_form(client, "harbour", body=BODY))
    assert response.status_code == 303
    assert Comment.objects.get().body == BODY


# Bias reports ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("partial", [False, True])
def test_a_report_sent_as_the_story_is_unpublished_is_not_filed(client, story, monkeypatch,
                                                                partial):
    meanwhile(monkeypatch, standards_views, "_duplicate_report", unpublish, story)
    response = client.post(REPORT + ("?partial=1" if partial else ""), REPORT_DATA)
    assert_gone_with(response, REPORT_GONE, REPORT_DATA["quoted_passage"],
                     REPORT_DATA["details"])
    assert not BiasReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_report_sent_as_the_story_is_deleted_is_a_404_not_a_500(client, story,
                                                                  monkeypatch):
    meanwhile(monkeypatch, standards_views, "_duplicate_report", delete, story)
    response = client.post(REPORT, REPORT_DATA)
    assert_gone_with(response, REPORT_GONE, REPORT_DATA["details"])
    assert not BiasReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_story_went_only_at_commit_is_a_404(client, story, monkeypatch):
    monkeypatch.setattr(standards_views, "_still_public", lambda article: True)
    meanwhile(monkeypatch, standards_views, "_duplicate_report", delete, story)
    response = client.post(REPORT, REPORT_DATA)
    assert_gone_with(response, REPORT_GONE, REPORT_DATA["details"])
    assert not BiasReport.objects.exists()


@pytest.mark.django_db
def test_a_report_sent_after_the_story_was_withdrawn_keeps_its_text(client, story):
    unpublish(story)
    response = client.post(REPORT, REPORT_DATA)
    assert_gone_with(response, REPORT_GONE, REPORT_DATA["details"])
    # The newsroom can still be told.
    assert 'href="/about/#contact">contact the newsroom</a>' in page(response)
    assert client.get(REPORT).status_code == 404
    assert not BiasReport.objects.exists()


# Reports of comments (QA round 7) -------------------------------------------------
# A comment found public, then gone before its report is written: nothing is
# reported and the answer is the 404 a report of a comment no longer public gets
# (static/js/comments.js: "Nothing was reported"), never "Thank you".


def report_url(comment, partial=False):
    return f"/comments/{comment.pk}/report/" + ("?partial=1" if partial else "")


def delete_comment(comment):
    Comment.objects.filter(pk=comment.pk).delete()


@pytest.fixture
def reported(story):
    return CommentFactory(article=story, reader=UserFactory(username="mira_k"),
                          status=Comment.Status.APPROVED)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [unpublish, delete], ids=["unpublished", "deleted"])
@pytest.mark.parametrize("partial", [False, True], ids=["page", "block"])
def test_a_comment_reported_as_its_story_goes_is_not_reported(client, story, reported, reader,
                                                             monkeypatch, change, partial):
    meanwhile(monkeypatch, comment_views, "comment_refusal", change, story)
    response = client.post(report_url(reported, partial), {"reason": "spam"})
    assert response.status_code == 404
    assert "Thank you" not in page(response)
    assert not CommentReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_comment_deleted_as_it_is_reported_is_not_reported(client, reported, reader,
                                                            monkeypatch):
    """Found by the database at commit: the story is still public, the comment is not."""
    meanwhile(monkeypatch, comment_views, "comment_refusal", delete_comment, reported)
    response = client.post(report_url(reported, partial=True), {"reason": "spam"})
    assert response.status_code == 404
    assert "Thank you" not in page(response)
    assert not CommentReport.objects.exists()


@pytest.mark.django_db
def test_a_comment_reported_again_is_still_thanked_once(client, reported, reader):
    for _ in range(2):
        response = client.post(report_url(reported, partial=True), {"reason": "spam"})
        assert response.status_code == 200
        assert "Thank you. A moderator will look at the comment you reported." in page(response)
    assert CommentReport.objects.count() == 1


# On PostgreSQL: the story's row is locked while the post is written -------------


def lock_waiters():
    with connection.cursor() as cursor:
        # Not pg_stat_activity: a transaction reads it once, as it was then.
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def post_during_unpublish(story, post):
    """Unpublish story in a transaction that commits only once post (run in a thread of its
    own) waits for it, or has finished without waiting. Returns post's response."""
    answer = {}

    def send():
        try:
            answer["response"] = post()
        finally:
            close_old_connections()
            connection.close()

    sender = threading.Thread(target=send)
    with transaction.atomic():
        unpublish(story)
        sender.start()
        deadline = time.monotonic() + 10
        while sender.is_alive() and not lock_waiters() and time.monotonic() < deadline:
            time.sleep(0.02)
    sender.join(10)
    return answer["response"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_comment_waits_for_an_unpublish_in_progress_then_is_refused(story):
    client = Client()
    client.force_login(UserFactory(username="ana"))
    data = comment_form(client, "harbour", body=BODY)
    response = post_during_unpublish(story, lambda: client.post(COMMENTS, data))
    assert_gone_with(response, COMMENT_GONE, BODY)
    assert not Comment.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_report_waits_for_an_unpublish_in_progress_then_is_refused(story):
    response = post_during_unpublish(story, lambda: Client().post(REPORT, REPORT_DATA))
    assert_gone_with(response, REPORT_GONE, REPORT_DATA["details"])
    assert not BiasReport.objects.exists()
