"""A suspended reader is told until when (date and time) before they write, not after."""

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from comments.models import Comment, ReaderStanding
from tests.commenting import comment_form
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

BLOCK = "/articles/harbour/comments/?partial=1"


def _text(response):
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


UNTIL = datetime(2026, 12, 6, 15, 30, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def that_morning():
    """Every test runs on the morning of Dec 6, 2026, the story and the reader made then too:
    they had run at the real time, and the suspension's end below, still to come that
    morning, was past from that afternoon on."""
    with time_machine.travel(UNTIL - timedelta(hours=6), tick=True):
        yield


@pytest.fixture
def until(settings):
    """3:30 PM on Dec 6, 2026 in the site's time zone (not UTC), still to come."""
    settings.TIME_ZONE = "America/New_York"
    assert UNTIL > timezone.now()
    return UNTIL


def test_the_refusal_gives_the_end_of_the_suspension_to_the_minute(client, article, reader,
                                                                   until):
    form = comment_form(client, "harbour", body="Let me in")  # the page open before
    ReaderStanding.objects.create(reader=reader, suspended_until=until)
    response = client.post(BLOCK, form)
    text = _text(response)
    assert response.status_code == 403
    assert "Your account cannot post comments until Dec 6, 2026, 3:30 PM (America/New_York time)." in text
    assert text.count("cannot post comments until") == 1
    assert "Let me in" in text  # kept to copy
    assert not Comment.objects.exists()


def test_a_suspended_reader_sees_the_refusal_in_place_of_the_form(client, article, reader,
                                                                  until):
    CommentFactory(article=article, body="An earlier comment")
    ReaderStanding.objects.create(reader=reader, suspended_until=until)
    for url in (BLOCK, "/articles/harbour/comments/"):
        response = client.get(url)
        text = _text(response)
        assert response.status_code == 200
        assert "Your account cannot post comments until Dec 6, 2026, 3:30 PM (America/New_York time)." in text
        assert "data-comment-form" not in text and 'name="body"' not in text
        assert "An earlier comment" in text  # the rest as before
        assert "Send report" not in text  # reporting is refused too (test_comment_reports)


def test_a_banned_reader_sees_that_they_can_no_longer_comment(client, article, reader):
    ReaderStanding.objects.create(reader=reader, is_banned=True)
    text = _text(client.get(BLOCK))
    assert "Your account can no longer post comments." in text
    assert "data-comment-form" not in text and "Be the first" not in text


def test_the_form_is_back_once_the_suspension_ends(client, article, reader):
    ReaderStanding.objects.create(reader=reader, is_premoderated=True,
                                  suspended_until=timezone.now() - timedelta(minutes=1))
    text = _text(client.get(BLOCK))
    assert "data-comment-form" in text and "cannot post comments" not in text
