"""The site when what it depends on misbehaves: Redis hangs or restarts from an old
snapshot, PostgreSQL holds a lock, the media folder refuses a file, the database
is away while someone searches."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from unittest import mock

import psycopg.errors
import pytest
import redis
from django.conf import settings as django_settings
from django.contrib import admin
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from PIL import Image

from articles import search
from articles.models import Article
from authors.models import Author
from comments.models import Comment
from core import database, pagecache, ratelimit, redis_cache
from core.backends.postgresql.base import DatabaseWrapper
from core.busy import is_busy, ran_too_long
from core.redis_cache import RedisCache
from core.storage_errors import StorageErrorsMixin
from tests.articles.newsroom import ADD_URL, article_form, form_errors, staff
from tests.commenting import comment_form
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory
from tests.redis_server import RedisServer


def jpeg(size=(300, 300)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("face.jpg", buffer.getvalue(), content_type="image/jpeg")


# ---------------------------------------------------------------------------
# A media folder the server may not write: the form comes back, nothing is lost.

NOT_STORED = ("The image could not be stored (permission denied); nothing was saved. Try "
              "again or tell the site&#x27;s operator.")


@pytest.fixture
def unwritable_media():
    refusal = PermissionError(13, "Permission denied", "/srv/media/avatars/x.jpg")
    with mock.patch.object(FileSystemStorage, "_save", side_effect=refusal) as save:
        yield save


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors", username="editor"))
    return client


@pytest.mark.django_db
def test_an_avatar_the_storage_refuses_sends_the_form_back_as_typed(editor, unwritable_media,
                                                                   caplog):
    response = editor.post("/admin/authors/author/add/", {
        "name": "New Writer", "slug": "new-writer", "title": "Harbour reporter",
        "bio": "Twenty years on the docks.", "avatar": jpeg()})
    assert response.status_code == 200
    assert unwritable_media.called
    assert response.context["adminform"].form.errors["avatar"] == [
        NOT_STORED.replace("&#x27;", "'")]
    page = response.content.decode()
    assert NOT_STORED in page and "/srv/media" not in page
    assert 'value="Harbour reporter"' in page and "Twenty years on the docks." in page
    assert not Author.objects.exists()
    assert "An uploaded file could not be stored." in caplog.text  # for the operator


@pytest.mark.django_db
def test_a_changed_avatar_the_storage_refuses_changes_nothing(editor, unwritable_media):
    author = AuthorFactory(name="Ines Duarte", slug="ines", bio="Before.")
    response = editor.post(f"/admin/authors/author/{author.pk}/change/", {
        "name": "Ines Duarte", "slug": "ines", "bio": "After.", "avatar": jpeg()})
    assert response.status_code == 200
    assert NOT_STORED in response.content.decode() and "After." in response.content.decode()
    author.refresh_from_db()
    assert author.bio == "Before." and not author.avatar


@pytest.fixture
def story_admin_refuses_unstored_files():
    """ArticleAdmin with StorageErrorsMixin, as articles/admin.py declares it (or will)."""
    registered = admin.site._registry[Article]
    original = type(registered)
    if not isinstance(registered, StorageErrorsMixin):
        registered.__class__ = type(original.__name__, (StorageErrorsMixin, original), {})
    yield
    registered.__class__ = original


@pytest.mark.django_db
@pytest.mark.usefixtures("story_admin_refuses_unstored_files")
def test_a_story_image_the_storage_refuses_keeps_the_story_as_typed(editor, unwritable_media):
    data = article_form(headline="Ferry strike ends", slug="ferry-strike", body="Long text.",
                        section=SectionFactory(), author=AuthorFactory(), image=jpeg((1200, 800)),
                        image_alt="The ferry at dawn")
    response = editor.post(ADD_URL, data)
    assert response.status_code == 200
    assert NOT_STORED in form_errors(response)
    page = response.content.decode()
    assert 'id="id_headline">\nFerry strike ends</textarea>' in page and "Long text." in page
    assert 'value="The ferry at dawn"' in page
    assert not Article.objects.exists()


# ---------------------------------------------------------------------------
# Redis that hangs, or restarts from an older snapshot: no page taken down since is served.


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    os.kill(server.process.pid, signal.SIGCONT)  # in case a test left it stopped
    server.stop()


@pytest.fixture
def page_cache_on_redis(settings, redis_server, page_cache_on):
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "core.redis_cache.RedisCache", "LOCATION": f"{redis_server.url}/0"}}
    return redis_server


class _Hung:
    """The redis-server stopped (SIGSTOP): it keeps its connections and answers nothing."""

    def __init__(self, server):
        self.pid = server.process.pid

    def __enter__(self):
        os.kill(self.pid, signal.SIGSTOP)

    def __exit__(self, *exc):
        os.kill(self.pid, signal.SIGCONT)


@pytest.mark.django_db
def test_while_redis_hangs_a_story_taken_down_elsewhere_is_not_served_from_memory(
        client, page_cache_on_redis):
    story = ArticleFactory(slug="harbour")
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    with _Hung(page_cache_on_redis):
        # Taken down by another process, whose change cannot reach Redis.
        Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
        time.sleep(redis_cache.CONFIRM_AFTER)
        started = time.monotonic()
        assert client.get("/articles/harbour/").status_code == 404
        assert time.monotonic() - started < 2  # one socket timeout, then the database
        assert client.get("/articles/harbour/").status_code == 404


def test_a_watched_value_costs_one_round_trip_a_second_at_most(redis_server, monkeypatch):
    cache = RedisCache(f"{redis_server.url}/0", {})
    cache.set("count", 4, None)
    assert cache.watched_get_many(["count"]) == {"count": 4}
    sent = []
    send = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command",
                        lambda self, command, *a, **k: sent.append(command) or send(
                            self, command, *a, **k))
    for _ in range(50):
        assert cache.watched_get_many(["count"]) == {"count": 4}
    assert sent == []
    time.sleep(redis_cache.CONFIRM_AFTER)
    for _ in range(50):
        assert cache.watched_get_many(["count"]) == {"count": 4}
    assert len(sent) == 1  # MGET, read again


@pytest.mark.django_db
def test_a_redis_restarted_from_an_older_snapshot_serves_nothing_taken_down_since(
        client, page_cache_on_redis):
    ArticleFactory(slug="harbour")
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    page_cache_on_redis.save()  # a snapshot with the story in it
    story = Article.objects.get(slug="harbour")
    story.status = Article.Status.DRAFT
    story.save()  # taken down, and Redis is told
    assert client.get("/articles/harbour/").status_code == 404
    page_cache_on_redis.stop()
    page_cache_on_redis.start()  # from the snapshot
    assert client.get("/articles/harbour/").status_code == 404
    pagecache._local.clear()  # another process
    assert client.get("/articles/harbour/").status_code == 404


def test_a_restarted_redis_is_emptied_once_and_a_running_one_never(redis_server, caplog):
    cache = RedisCache(f"{redis_server.url}/0", {})
    cache.set("page", "a story since taken down", None)
    cache.set("django.contrib.sessions.cached_db123", {"_auth_user_id": "7"}, None)
    redis_server.save()
    cache.delete("page")
    cache.delete("django.contrib.sessions.cached_db123")  # the reader signs out
    another = RedisCache(f"{redis_server.url}/0", {})  # another process, on the same server
    another.set("fragment", "kept", None)
    assert RedisCache(f"{redis_server.url}/0", {}).get("fragment") == "kept"
    redis_server.stop()
    redis_server.start()
    with caplog.at_level("WARNING", logger="evadaily.cache"):
        assert RedisCache(f"{redis_server.url}/0", {}).get("page") is None
        assert cache.get("django.contrib.sessions.cached_db123") is None
        assert cache.get("fragment") is None
        cache.set("fragment", "rendered again", None)
        assert another.get("fragment") == "rendered again"  # emptied once, not per process
    assert caplog.messages.count("Redis restarted: the cache was emptied, since its snapshot "
                                 "may be older than what the site last wrote.") == 1


# ---------------------------------------------------------------------------
# PostgreSQL: a lock held for a minute holds a request for lock_timeout, then 503.


def _driver_error(cls, message):
    error = OperationalError(message)
    error.__cause__ = cls()
    return error


def test_postgresqls_lock_and_statement_timeouts_are_busy():
    locked = _driver_error(psycopg.errors.LockNotAvailable, "canceling statement due to lock "
                                                            "timeout")
    too_long = _driver_error(psycopg.errors.QueryCanceled, "canceling statement due to "
                                                           "statement timeout")
    assert is_busy(locked) and is_busy(too_long)
    assert not ran_too_long(locked) and ran_too_long(too_long)
    assert not is_busy(_driver_error(psycopg.errors.UndefinedTable, "no such table"))
    assert is_busy(OperationalError("database is locked"))  # SQLite, as before


def test_only_a_process_that_answers_requests_gets_time_limits(monkeypatch, settings):
    wrapper = DatabaseWrapper({**connection.settings_dict, "ENGINE": "core.backends.postgresql",
                               "NAME": "x", "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                               "OPTIONS": {"options": "-c lock_timeout=3000"}})
    monkeypatch.setattr(database, "_answering_requests", False)
    assert wrapper.get_connection_params()["options"] == "-c lock_timeout=3000"
    monkeypatch.setattr(database, "_answering_requests", True)
    assert wrapper.get_connection_params()["options"] == (
        "-c lock_timeout=5000 -c statement_timeout=30000 -c lock_timeout=3000")  # theirs wins
    settings.DATABASE_LOCK_TIMEOUT, settings.DATABASE_STATEMENT_TIMEOUT = 1.5, 0
    assert wrapper.get_connection_params()["options"].startswith(
        "-c lock_timeout=1500 -c statement_timeout=0 ")


SHOW_TIMEOUTS = """
import django, os
django.setup()
{setup}
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW lock_timeout")
    lock = cursor.fetchone()[0]
    cursor.execute("SHOW statement_timeout")
    print(lock, cursor.fetchone()[0])
"""


@pytest.mark.postgresql
@pytest.mark.django_db
def test_gunicorns_workers_have_time_limits_and_commands_none():
    params = connection.settings_dict
    url = (f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:"
           f"{params['PORT'] or 5432}/{params['NAME']}")
    env = {"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
           "DATABASE_URL": url, "PATH": os.environ["PATH"]}

    def shown(setup):
        return subprocess.run([sys.executable, "-c", SHOW_TIMEOUTS.format(setup=setup)],
                              env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True,
                              timeout=60, check=True).stdout.split()

    assert shown("import evadaily.wsgi") == ["5s", "30s"]  # what gunicorn loads
    assert shown("") == ["0", "0"]  # migrate, the task worker, any command


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_table_locked_for_long_answers_503_busy_after_the_lock_timeout(settings,
                                                                         monkeypatch):
    ArticleFactory(slug="harbour")
    settings.DATABASE_LOCK_TIMEOUT = 1
    monkeypatch.setattr(database, "_answering_requests", False)
    holder = connection.get_new_connection(connection.get_connection_params())
    monkeypatch.setattr(database, "_answering_requests", True)
    connection.close()  # the request opens one as a worker does
    released = threading.Timer(8, holder.rollback)  # a long migration, shortened
    try:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        released.start()
        started = time.monotonic()
        response = Client(raise_request_exception=False).get("/articles/harbour/")
        assert time.monotonic() - started < 5
        assert response.status_code == 503 and response["Retry-After"] == "10"
        assert "The site is busy for a moment" in response.content.decode()
    finally:
        released.cancel()
        holder.rollback()
        holder.close()
        connection.close()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_past_the_statement_timeout_is_busy(settings, monkeypatch):
    settings.DATABASE_STATEMENT_TIMEOUT = 0.2
    monkeypatch.setattr(database, "_answering_requests", True)
    connection.close()
    try:
        with pytest.raises(OperationalError) as stopped, connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        assert is_busy(stopped.value) and ran_too_long(stopped.value)
    finally:
        connection.close()


# ---------------------------------------------------------------------------
# Search: a failed search uses no allowance; a store that hung gives its places back.


@pytest.mark.django_db
def test_a_search_the_database_could_not_answer_uses_none_of_the_allowance(settings):
    settings.SEARCH_LIMIT_PER_MINUTE = 1
    ArticleFactory(headline="Harbour talks")
    client = Client(raise_request_exception=False)
    away = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(search, "_run_search", side_effect=away), \
            mock.patch("core.views.database_reachable", return_value=False):
        assert client.get("/search/", {"q": "harbour"}).status_code == 503
    assert client.get("/search/", {"q": "harbour"}).status_code == 200
    assert client.get("/search/", {"q": "harbour"}).status_code == 429  # the one allowed


@pytest.mark.django_db
def test_a_search_that_ran_past_the_statement_timeout_uses_its_allowance(settings):
    settings.SEARCH_LIMIT_PER_MINUTE = 1
    client = Client(raise_request_exception=False)
    too_long = _driver_error(psycopg.errors.QueryCanceled, "statement timeout")
    with mock.patch.object(search, "_run_search", side_effect=too_long):
        response = client.get("/search/", {"q": "harbour"})
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert client.get("/search/", {"q": "harbour"}).status_code == 429


@pytest.mark.django_db
def test_a_place_taken_after_its_answer_timed_out_is_given_back(client, settings, monkeypatch):
    settings.SEARCH_CONCURRENCY = 1
    ArticleFactory(headline="Harbour talks")
    store = caches["security"]
    real_add = store.add

    def hung(*args, **kwargs):
        real_add(*args, **kwargs)  # the store runs it once it answers again...
        raise ratelimit.Unavailable("timed out")  # ...after the client gave up waiting

    monkeypatch.setattr(store, "add", hung)
    assert client.get("/search/", {"q": "harbour"}).status_code == 200  # goes ahead
    monkeypatch.setattr(store, "add", real_add)
    for _ in range(3):
        assert client.get("/search/", {"q": "harbour"}).status_code == 200


# ---------------------------------------------------------------------------
# 503s while the limits' store is away say when to come back, as sign-in's does.


@pytest.fixture
def limits_unavailable(monkeypatch):
    def unavailable(*args, **kwargs):
        raise ratelimit.Unavailable("redis is down")

    monkeypatch.setattr(ratelimit, "acquire", unavailable)


@pytest.mark.django_db
@pytest.mark.usefixtures("limits_unavailable")
def test_posting_while_the_limits_cannot_be_read_says_when_to_try_again(client):
    story = ArticleFactory(slug="harbour")
    subscribe = client.post("/newsletter/", {"email": "ana@example.org", "is_daily": "on"})
    assert subscribe.status_code == 503 and subscribe["Retry-After"] == "60"
    signup = client.post("/accounts/signup/", {"username": "ana", "email": "ana@example.org",
                                               "password1": "a long passphrase 9",
                                               "password2": "a long passphrase 9"})
    assert signup.status_code == 503 and signup["Retry-After"] == "60"
    client.force_login(UserFactory(username="ana"))
    posted = client.post("/articles/harbour/comments/",
                         comment_form(client, "harbour", body="Wait for me."))
    assert posted.status_code == 503 and posted["Retry-After"] == "60"
    comment = Comment.objects.create(article=story, reader=UserFactory(), body="Rude.")
    reported = client.post(f"/comments/{comment.pk}/report/", {"reason": "abuse"})
    assert reported.status_code == 503 and reported["Retry-After"] == "60"
