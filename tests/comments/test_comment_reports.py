"""Reporting comments: a limit per reader, and none from a suspended reader."""

import re
import time
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.utils import timezone

from comments.models import CommentReport, ReaderStanding
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

# The next whole hour: the hourly allowance starts there, and the reader's
# session (signed in now) is still alive.
T0 = (int(time.time()) // 3600 + 1) * 3600


def _text(response):
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def report(client, comment, partial=True):
    url = f"/comments/{comment.pk}/report/" + ("?partial=1" if partial else "")
    return client.post(url, {"reason": "spam"})


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_comment_held_on_arrival_is_not_found_and_its_story_not_named(client, article,
                                                                       django_user_model,
                                                                       signed_in):
    """QA round 10: anyone counting through /comments/<id>/report/ was shown the story of
    each held comment ("no longer shown", though it never was)."""
    from comments.models import Comment

    held = CommentFactory(article=article, status=Comment.Status.PENDING,
                          hold_reason="Reader is in pre-moderation")
    if signed_in:
        client.force_login(django_user_model.objects.create_user("counter"))
    client.get("/")
    for partial in (False, True):
        response = report(client, held, partial=partial)
        assert response.status_code == 404
        assert article.headline not in _text(response)
        assert "no longer shown" not in _text(response)
    assert not CommentReport.objects.exists()


def test_a_reader_files_ten_reports_an_hour(client, article, reader):
    comments = [CommentFactory(article=article) for _ in range(12)]
    with time_machine.travel(T0, tick=False) as clock:
        for comment in comments[:10]:
            assert report(client, comment).status_code == 200
        refused = report(client, comments[10])
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3960"  # an hour on from T0's tenth of it
        assert ("You have reported many comments in a short time. You can report again "
                "in 66 minutes; nothing was reported this time.") in _text(refused)
        assert CommentReport.objects.count() == 10
        assert not CommentReport.objects.filter(comment=comments[10]).exists()

        # Reporting one of the ten again uses up nothing and is no refusal.
        assert report(client, comments[0]).status_code == 200
        assert CommentReport.objects.count() == 10

        clock.shift(3960)
        assert report(client, comments[11]).status_code == 200
    assert CommentReport.objects.count() == 11


def test_the_limit_is_each_readers_own(client, article, reader):
    comments = [CommentFactory(article=article) for _ in range(11)]
    with time_machine.travel(T0, tick=False):
        for comment in comments[:10]:
            report(client, comment)
        assert report(client, comments[10]).status_code == 429
        client.force_login(UserFactory(username="bea"))
        assert report(client, comments[10]).status_code == 200


@pytest.mark.parametrize("standing", [
    {"is_banned": True},
    {"suspended_until": timezone.now() + timedelta(days=2)},
])
def test_a_suspended_reader_can_report_nothing_and_is_offered_no_form(client, article, reader,
                                                                     standing):
    comment = CommentFactory(article=article, body="An earlier comment")
    ReaderStanding.objects.create(reader=reader, **standing)
    block = client.get("/articles/harbour/comments/?partial=1")
    assert "An earlier comment" in _text(block)
    assert "Send report" not in _text(block)

    for partial in (True, False):
        response = report(client, comment, partial=partial)
        assert response.status_code == 403
        assert ("Your account cannot report comments while it is suspended. Nothing was "
                "reported.") in _text(response)
    assert not CommentReport.objects.exists()


def test_once_a_suspension_ends_the_reader_may_report_again(client, article, reader):
    comment = CommentFactory(article=article)
    ReaderStanding.objects.create(reader=reader,
                                  suspended_until=timezone.now() - timedelta(minutes=1))
    assert "Send report" in _text(client.get("/articles/harbour/comments/?partial=1"))
    assert report(client, comment).status_code == 200
    assert CommentReport.objects.filter(comment=comment, reporter=reader).exists()


def test_a_comment_hidden_before_it_is_reported_is_said_so_on_its_story(client, article,
                                                                        reader):
    """QA, 2026-12-06: without the script, the reader landed on the site's "We can't find
    that page", which said the story was gone; it is there, with its comments. (The script
    says so beside the report's form: tests/browser/test_comments_qa_round.py.)"""
    from comments.models import Comment

    theirs = CommentFactory(article=article, body="Will the island keep its Sunday boat?")
    kept = CommentFactory(article=article, body="The Sunday boat is the one I take.")
    Comment.objects.filter(pk=theirs.pk).update(status=Comment.Status.HIDDEN)
    response = report(client, theirs, partial=False)
    assert response.status_code == 404
    text = _text(response)
    assert ("Nothing was reported: this comment is no longer shown. It may have been removed "
            "already.") in text
    assert kept.body in text and theirs.body not in text
    assert not CommentReport.objects.exists()
    assert client.get(f"/comments/{theirs.pk}/report/").status_code == 404
