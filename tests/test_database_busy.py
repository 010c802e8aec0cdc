"""While another writer holds the database (SQLite's one write lock, held by a large import),
a request is told the site is busy, not sent a 500, and the task worker waits it out.

On SQLite the test database is shared in memory, where a lock held by another
connection fails at once ("database table is locked") rather than after the
busy timeout ("database is locked"): the same refusal, sooner.
"""

import io
import threading
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.management import call_command, get_commands
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django_tasks_db.management.commands import db_worker as library_worker
from django_tasks_db.models import DBTaskResult

from articles.models import Article, Section
from core.mail import queue_email
from core.management.commands import db_worker
from tests.articles.newsroom import article_form, change_url, staff
from tests.commenting import comment_form
from tests.factories import ArticleFactory, UserFactory
from tests.tasks import DATABASE_QUEUE

pytestmark = pytest.mark.django_db

@contextmanager
def writes_locked(message="database is locked"):
    """Every write fails as on SQLite once the busy timeout has passed; reads go on."""
    def refuse(execute, sql, params, many, context):
        if sql.startswith(("INSERT", "UPDATE", "DELETE")):
            raise OperationalError(message)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@contextmanager
def lock_held_elsewhere():
    """Another connection (an import, say) holds the write lock until the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Section.objects.create(name="Held by the import", slug="held")
                held.set()
                release.wait(30)
                transaction.set_rollback(True)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join(10)


def text(response):
    return response.content.decode()


# ---------------------------------------------------------------------------
# Requests


@pytest.fixture
def editor():
    client = Client(raise_request_exception=False)
    client.force_login(staff("Editors", username="editor"))
    return client


def test_a_story_saved_while_the_database_is_locked_gets_a_503_that_says_go_back(
        editor):
    story = ArticleFactory(headline="Harbour reopens")
    data = article_form(story, headline="Harbour reopens after the storm")
    with writes_locked():
        response = editor.post(change_url(story), data)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "private, no-cache"
    assert "The site is busy for a moment" in text(response)
    assert ("What you sent was not saved. Go back with your browser’s back button\n      "
            "(what you typed is kept in the form) and send it again in a moment.") in text(
        response)
    story.refresh_from_db()
    assert story.headline == "Harbour reopens"


def test_a_readers_comment_sent_while_the_database_is_locked_gets_the_503():
    story = ArticleFactory(slug="harbour")
    reader = Client(raise_request_exception=False)
    reader.force_login(UserFactory(username="ben"))
    data = comment_form(reader, "harbour", body="A fair point.")
    with writes_locked("database table is locked"):
        response = reader.post("/articles/harbour/comments/", data)
    assert response.status_code == 503
    assert "The site is busy for a moment" in text(response)
    assert "What you sent was not saved." in text(response)
    assert not story.comments.exists()


def test_a_page_read_while_the_database_is_locked_says_to_try_again_in_a_moment():
    ArticleFactory(slug="harbour")
    reader = Client(raise_request_exception=False)
    with writes_locked(), connection.execute_wrapper(_locked_on_read):
        response = reader.get("/articles/harbour/")
    assert response.status_code == 503
    assert "Please try again in a moment." in text(response)
    assert "What you sent" not in text(response)


def _locked_on_read(execute, sql, params, many, context):
    raise OperationalError("database is locked")


def test_other_database_errors_are_still_a_500(editor):
    story = ArticleFactory()
    with writes_locked("no such column: articles_article.headline"):
        response = editor.post(change_url(story), article_form(story, headline="New"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_a_story_saved_while_an_import_holds_the_lock_gets_the_503():
    editor = Client(raise_request_exception=False)
    editor.force_login(staff("Editors", username="editor"))
    story = ArticleFactory(headline="Harbour reopens")
    data = article_form(story, headline="Harbour reopens after the storm")
    with lock_held_elsewhere():
        response = editor.post(change_url(story), data)
    assert response.status_code == 503
    assert "The site is busy for a moment" in text(response)
    # Sent again once the lock is gone, the story is saved.
    assert editor.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.headline == "Harbour reopens after the storm"


# ---------------------------------------------------------------------------
# The task worker


def test_manage_py_db_worker_is_the_one_that_waits():
    assert get_commands()["db_worker"] == "core"
    assert issubclass(db_worker.Worker, library_worker.Worker)


@pytest.fixture
def queued_email(settings):
    settings.TASKS = DATABASE_QUEUE
    return queue_email("Your bias report BR-000007: upheld", "Thank you.", ["ana@example.org"])


@pytest.fixture
def waits(monkeypatch):
    """The worker's waits, in seconds, recorded instead of slept (the library's too)."""
    waited = []
    monkeypatch.setattr(db_worker.time, "sleep", waited.append)
    return waited


def run_worker():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0,
                 stdout=io.StringIO())


# Transactional, as the worker runs: closing a connection that failed, as it does,
# would end a test's own transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_while_the_database_is_locked_or_away_then_runs_the_task(
        monkeypatch, queued_email, waits):
    """Where the library's worker ended: beginning the queue's exclusive transaction
    (SQLite, after the busy timeout), or reading the queue (PostgreSQL restarting)."""
    failures = [OperationalError("database is locked"), OperationalError("database is locked"),
                OperationalError("server closed the connection unexpectedly")]
    real_get_locked = type(DBTaskResult.objects.all()).get_locked

    def get_locked(queryset):
        if failures:
            raise failures.pop(0)
        return real_get_locked(queryset)

    # The library keeps trying on a lock it meets here; not on one met on beginning.
    real_begin = library_worker.exclusive_transaction
    begin_failures = [OperationalError("database is locked")]

    @contextmanager
    def exclusive_transaction(using=None):
        if begin_failures:
            raise begin_failures.pop(0)
        with real_begin(using):
            yield

    monkeypatch.setattr(type(DBTaskResult.objects.all()), "get_locked", get_locked)
    monkeypatch.setattr(library_worker, "exclusive_transaction", exclusive_transaction)
    run_worker()
    assert [message.subject for message in mail.outbox] == [
        "Your bias report BR-000007: upheld"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    # Ours on beginning, the library's (its interval) on each lock met reading the
    # queue, then ours again, a little longer, on the lost connection.
    assert waits == [1, 1, 1, 2]


@pytest.mark.django_db(transaction=True)
def test_the_waits_grow_to_half_a_minute(monkeypatch, queued_email, waits):
    failures = [OperationalError("connection refused")] * 7

    @contextmanager
    def exclusive_transaction(using=None):
        if failures:
            raise failures.pop(0)
        with transaction.atomic(using=using):
            yield

    monkeypatch.setattr(library_worker, "exclusive_transaction", exclusive_transaction)
    run_worker()
    assert waits == [1, 2, 5, 10, 30, 30, 30]
    assert len(mail.outbox) == 1


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_the_worker_outlasts_an_import_holding_the_write_lock(settings, monkeypatch):
    settings.TASKS = DATABASE_QUEUE
    queue_email("Welcome", "Hello.", ["ana@example.org"])
    with lock_held_elsewhere() as release:
        # The lock goes while the worker waits for the first time.
        waited = []
        monkeypatch.setattr(db_worker.time, "sleep",
                            lambda seconds: waited.append(seconds) or release.set())
        run_worker()
    assert waited and [message.subject for message in mail.outbox] == ["Welcome"]
    assert not Article.objects.exists()
