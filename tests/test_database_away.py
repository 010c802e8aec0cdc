"""While the database is away (a restart, a fail-over), readers get what can be given.

A public page the page cache keeps is served as it is; one that went stale
is served as it was, unless it was taken down; anything else is a 503 that
says when to come back, not a 500. A query that fails while the database
answers is still a 500.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connections
from django.test import Client

from articles.models import Article
from core import pagecache
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
RENDERED = T0 + timedelta(seconds=10)
CHANGED = T0 + timedelta(seconds=20)
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def database_away(reachable=False):
    """Every query fails as on a connection the server dropped; so does a new
    connection, unless reachable (a query that fails for a reason of its own)."""
    def refuse(execute, sql, params, many, context):
        if sql.startswith(SAVEPOINTS):  # the test's own transaction
            return execute(sql, params, many, context)
        raise OperationalError("server closed the connection unexpectedly")

    database = connections["default"]
    new_connection = (mock.patch.object(database, "get_new_connection", autospec=True)
                      if reachable else
                      mock.patch.object(database, "get_new_connection",
                                        side_effect=OperationalError("connection refused")))
    with database.execute_wrapper(refuse), new_connection:
        yield


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


@pytest.fixture
def story():
    with time_machine.travel(T0, tick=False):
        return ArticleFactory(headline="Harbour reopens", slug="harbour",
                              published_at=T0 - timedelta(days=1))


def _text(response):
    return response.content.decode()


def test_a_page_is_a_503_that_says_when_to_come_back(reader, story):
    with database_away():
        response = reader.get("/articles/harbour/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "private, no-cache"  # no edge keeps the apology
    assert "We are back in a moment" in _text(response)
    assert "Please try again in a minute." in _text(response)
    # As on every page, the first link skips to the message (the site's own stylesheet
    # shows it on focus).
    assert '<body>\n  <a class="skip-link" href="#main">Skip to content</a>' in _text(response)


def test_what_was_sent_is_said_to_be_unsaved(reader, story):
    reader.force_login(UserFactory(username="ben"))
    with database_away():
        response = reader.post("/articles/harbour/comments/", {"body": "A fair point."})
    assert response.status_code == 503
    assert "What you sent was not saved: please send it again in a minute." in _text(response)


def test_a_query_that_fails_while_the_database_answers_is_a_500(reader, story):
    with database_away(reachable=True):
        response = reader.get("/articles/harbour/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in _text(response)
    assert '<a class="skip-link" href="#main">Skip to content</a>' in _text(response)


@pytest.mark.django_db(transaction=True)
def test_a_connection_refused_for_want_of_room_is_the_database_away(reader, story):
    """PostgreSQL refuses clients past max_connections ("too many clients already"), and
    one leaving frees a slot for the next: the check that a new connection opens found
    one, and readers got 500s. The request could not open its own: a 503."""
    database = connections["default"]
    refused = OperationalError("FATAL:  sorry, too many clients already")
    # The request's connections are refused; the check's, opened a moment later, is not.
    with mock.patch.object(database, "connection", None), \
            mock.patch.object(database, "connect", side_effect=refused):
        response = reader.get("/articles/harbour/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "We are back in a moment" in _text(response)


def test_a_kept_page_is_served_as_it_is(reader, story):
    with time_machine.travel(RENDERED, tick=False):
        assert reader.get("/articles/harbour/")["X-Page-Cache"] == "miss"
        with database_away():
            response = reader.get("/articles/harbour/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"


def test_a_page_gone_stale_is_served_as_it_was(reader, story):
    with time_machine.travel(RENDERED, tick=False):
        reader.get("/articles/harbour/")
    with time_machine.travel(CHANGED, tick=False):
        story.headline = "Harbour reopens at dawn"
        story.save()
        with database_away():
            response = reader.get("/articles/harbour/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "stale"
    assert "Harbour reopens" in _text(response) and "at dawn" not in _text(response)
    # No other cache may keep it.
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_a_page_taken_down_is_not_served_again(reader, story):
    with time_machine.travel(RENDERED, tick=False):
        reader.get("/articles/harbour/")
    with time_machine.travel(CHANGED, tick=False):
        story.status = Article.Status.DRAFT
        story.save()
        with database_away():
            response = reader.get("/articles/harbour/")
    assert response.status_code == 503 and "Harbour reopens" not in _text(response)


def test_kept_pages_are_served_when_a_scheduled_story_is_due(reader, story):
    """The first request after a scheduled time stamps what went public; with the
    database away it cannot, and the kept pages are served, for no longer than now."""
    with time_machine.travel(RENDERED, tick=False):
        reader.get("/articles/harbour/")
        cache.set(pagecache.NEXT_PUBLICATION_KEY, RENDERED.timestamp() + 5, None)
    with time_machine.travel(CHANGED, tick=False):
        with database_away():
            response = reader.get("/articles/harbour/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
    assert "max-age=0" in response["Cache-Control"] and "s-maxage=0" in response["Cache-Control"]


def test_kept_pages_are_served_when_the_next_scheduled_time_is_unknown(reader, story):
    with time_machine.travel(RENDERED, tick=False):
        reader.get("/articles/harbour/")
        cache.delete(pagecache.NEXT_PUBLICATION_KEY)  # evicted, say
        with database_away():
            response = reader.get("/articles/harbour/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
    assert "s-maxage=0" in response["Cache-Control"]
    assert pagecache.NEXT_PUBLICATION_KEY not in cache  # looked for again later
