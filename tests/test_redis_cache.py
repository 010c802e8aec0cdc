import inspect
import logging
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.core.cache.backends import redis as django_redis

from core import redis_cache as backend
from core.ratelimit import Unavailable
from core.redis_cache import RedisCache, SecurityRedisCache
from tests.redis_dbs import redis_url
from tests.redis_server import RedisServer, free_port

# The first two need the Redis server on 127.0.0.1:6379, as the integration
# tests do; the others start and stop a redis-server of their own.


@pytest.fixture
def redis_cache():
    cache = RedisCache(redis_url(1), {})
    cache.clear()
    yield cache
    cache.clear()


def test_one_client_serves_every_call(redis_cache):
    redis_cache.set("key", {"a": 1}, 30)
    assert redis_cache.get("key") == {"a": 1}
    assert redis_cache._cache.get_client() is redis_cache._cache.get_client(write=True)


def test_the_django_internals_that_the_shared_client_relies_on_are_unchanged():
    # If this fails, Django changed what RedisCacheClient overrides: adapt it,
    # or drop it if Django now keeps its clients (measure, as its docstring says).
    client = django_redis.RedisCacheClient
    assert str(inspect.signature(client._get_connection_pool)) == "(self, write)"
    assert str(inspect.signature(client.get_client)) == "(self, key=None, *, write=False)"
    stock = django_redis.RedisCache(redis_url(1), {})
    assert stock._class is client
    assert stock._cache._get_connection_pool(False) is stock._cache._get_connection_pool(True)
    # Django still builds a new client on every call, so sharing one still pays.
    assert stock._cache.get_client() is not stock._cache.get_client()
    for ours in (RedisCache, SecurityRedisCache):
        assert type(ours(redis_url(1), {})._cache) is backend.RedisCacheClient


def test_the_settings_use_it_for_a_redis_cache_url():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.CACHES['default']['BACKEND'], settings.CACHES['security']['BACKEND'],"
         " settings.CACHES['security']['LOCATION'])"],
        env={"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
             "CACHE_URL": redis_url(1), "PATH": "/usr/bin:/bin"},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True)
    # Rate limits and lock-outs in the next database of the same server.
    assert result.stdout.split() == ["core.redis_cache.RedisCache",
                                     "core.redis_cache.SecurityRedisCache",
                                     redis_url(2)]


@pytest.fixture
def quick_retry(monkeypatch):
    monkeypatch.setattr(backend, "RETRY_AFTER", 0.2)


@pytest.fixture
def server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_an_unreachable_redis_is_an_empty_cache_logged_once(caplog):
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", {})  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="evadaily.cache"):
        for _ in range(50):
            assert cache.get("page", "missing") == "missing"
            assert cache.get_many(["a", "b"]) == {}
            assert not cache.has_key("page")
            cache.set("page", "html", 30)
            assert cache.add("version", 1) is False
            assert cache.delete("page") is False
            with pytest.raises(ValueError):
                cache.incr("version")
    assert time.monotonic() - started < 2
    assert [r.message for r in caplog.records] == [
        "Cache unreachable: pages come from the database until it is back."]


def test_what_was_written_during_an_outage_is_not_read_stale_afterwards(server, quick_retry,
                                                                         caplog, monkeypatch):
    cache = RedisCache(f"{server.url}/0", {})
    cache.set("version", 7, None)
    cache.set("session", {"user": 1}, None)
    cache.set("untouched", "kept", None)
    cache.set("fragment", "old", None, version=2)
    server.save()
    server.stop()
    # Back with what it held, as after a network outage: not seen as a restart
    # (that empties the cache: test_deps_qa_round.py).
    monkeypatch.setattr(backend, "EMPTY_IF_RESTARTED", "return 0")

    assert cache.get("version") is None
    with pytest.raises(ValueError):
        cache.incr("version")  # a bump that does not reach Redis
    cache.delete("session")  # a reader signs out
    cache.delete("fragment", version=2)
    cache.set("page", "rendered during the outage", 30)

    server.start()  # with what it held before the outage
    time.sleep(0.3)
    with caplog.at_level(logging.WARNING, logger="evadaily.cache"):
        assert cache.get("version") is None  # not 7: that bump was lost
    assert cache.get("session") is None  # not resurrected
    assert cache.get("fragment", version=2) is None
    assert cache.get("untouched") == "kept"
    assert "Cache reachable again." in [r.message for r in caplog.records]
    cache.set("page", "cached again", 30)
    assert cache.get("page") == "cached again"


def test_too_many_lost_writes_empty_the_cache_when_it_is_back(server, quick_retry, monkeypatch):
    monkeypatch.setattr(backend, "MAX_LOST_KEYS", 3)
    cache = RedisCache(f"{server.url}/0", {})
    cache.set("before", "stale", None)
    server.save()
    server.stop()
    for n in range(5):
        cache.set(f"lost-{n}", n, 30)
    server.start()
    time.sleep(0.3)
    assert cache.get("before") is None


def test_the_security_cache_fails_closed():
    cache = SecurityRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    for call in (lambda: cache.get("limit"), lambda: cache.add("limit", 1, 10),
                 lambda: cache.incr("limit"), lambda: cache.set("limit", 1, 10)):
        with pytest.raises(Unavailable):
            call()


# Keys read on every request (the page cache's count of changes): read from
# Redis once per process, then again only when Redis pushes that one changed.


@pytest.fixture
def commands(monkeypatch):
    """The names of the commands this process sends to Redis, as they are sent."""
    sent = []
    send = redis.connection.Connection.send_packed_command

    def spy(self, command, *args, **kwargs):
        packed = b"".join(command) if isinstance(command, list) else command
        sent.append(packed.split(b"\r\n")[2].decode().upper())
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", spy)
    return sent


def _eventually(read, expected, seconds=2.0):
    """read() until it returns expected, for at most seconds (a push takes a moment)."""
    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.01)
        value = read()
    return value


def test_watched_keys_are_read_once_until_one_changes(redis_cache, commands):
    redis_cache.set("count", 4, None)
    redis_cache.set("epoch", 99, None)
    assert redis_cache.watched_get_many(["count", "epoch", "absent"]) == {"count": 4, "epoch": 99}
    commands.clear()
    for _ in range(20):
        assert redis_cache.watched_get_many(["count", "epoch", "absent"]) == {
            "count": 4, "epoch": 99}
    assert commands == []  # answered in this process


def test_a_change_by_another_client_is_pushed_and_read_again(redis_cache, commands):
    other = redis.Redis.from_url(redis_url(1))
    redis_cache.set("count", 4, None)
    redis_cache.watched_get_many(["count", "absent"])
    other.incr(redis_cache.make_key("count"))
    assert _eventually(lambda: redis_cache.watched_get_many(["count", "absent"]),
                       {"count": 5}) == {"count": 5}
    other.set(redis_cache.make_key("absent"), 1)  # a key that was missing is watched too
    assert _eventually(lambda: redis_cache.watched_get_many(["count", "absent"]),
                       {"count": 5, "absent": 1}) == {"count": 5, "absent": 1}
    other.flushdb()
    assert _eventually(lambda: redis_cache.watched_get_many(["count", "absent"]), {}) == {}
    assert "MGET" in commands


def test_what_this_process_writes_is_read_at_once(redis_cache):
    redis_cache.set("count", 4, None)
    redis_cache.watched_get_many(["count"])
    redis_cache.incr("count")  # no waiting for Redis's push
    assert redis_cache.watched_get_many(["count"]) == {"count": 5}
    redis_cache.delete("count")
    assert redis_cache.watched_get_many(["count"]) == {}
    redis_cache.set("count", 1, None)
    assert redis_cache.watched_get_many(["count"]) == {"count": 1}
    redis_cache.clear()
    assert redis_cache.watched_get_many(["count"]) == {}


def test_a_key_that_expires_is_forgotten(redis_cache):
    redis_cache.set("count", 4, 1)
    assert redis_cache.watched_get_many(["count"]) == {"count": 4}
    assert _eventually(lambda: redis_cache.watched_get_many(["count"]), {}, seconds=5) == {}


def test_watched_keys_survive_a_restart_and_an_outage_as_other_reads_do(server, quick_retry):
    cache = RedisCache(f"{server.url}/0", {})
    cache.set("count", 7, None)
    assert cache.watched_get_many(["count"]) == {"count": 7}
    server.save()
    server.stop()
    assert cache.watched_get_many(["count"]) == {}  # an empty cache, as get_many is
    with pytest.raises(ValueError):
        cache.incr("count")  # a bump that does not reach Redis
    server.start()  # with the 7 it saved before the outage
    time.sleep(0.3)
    assert cache.watched_get_many(["count"]) == {}  # not 7: that bump was lost

    cache.set("count", 1, None)
    assert cache.watched_get_many(["count"]) == {"count": 1}
    server.stop()
    server.start()  # the watching connection is gone: a new one reads again
    other = RedisCache(f"{server.url}/0", {})  # another process, the first back: it empties it
    other.set("count", 2, None)
    assert cache.watched_get_many(["count"]) == {"count": 2}
    assert not cache._outage.down


def test_a_redis_that_refuses_tracking_is_read_every_time(redis_cache, monkeypatch, caplog):
    monkeypatch.setattr(backend, "TRACKING", ("CLIENT", "NO-SUCH-SUBCOMMAND"))
    redis_cache.set("count", 4, None)
    with caplog.at_level(logging.WARNING, logger="evadaily.cache"):
        assert redis_cache.watched_get_many(["count"]) == {"count": 4}
        redis.Redis.from_url(redis_url(1)).incr(redis_cache.make_key("count"))
        assert redis_cache.watched_get_many(["count"]) == {"count": 5}  # at once: no watch
    assert [r.message for r in caplog.records] == [
        "Redis refused client tracking: the count of changes is read on every request."]
    assert not redis_cache._outage.down


# A server that answers but refuses the cache (the database number past its last,
# "DB index is out of range"): every page was a 500 while /healthz said ok.
NO_SUCH_DATABASE = "redis://127.0.0.1:6379/99"


def test_a_database_the_server_does_not_have_is_an_empty_cache_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="evadaily.cache")
    cache = RedisCache(NO_SUCH_DATABASE, {})
    for _ in range(2):
        assert cache.get("page", "default") == "default"
        assert cache.set("page", "x") is None
        assert cache.watched_get_many(["count"]) == {}
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Cache unreachable: pages come from the database until it is back."]
    assert "DB index is out of range" in caplog.records[0].error


def test_a_security_cache_on_a_database_the_server_does_not_have_fails_closed():
    cache = SecurityRedisCache(NO_SUCH_DATABASE, {})
    with pytest.raises(Unavailable, match="DB index is out of range"):
        cache.add("limit", 1, 60)


def test_pages_are_served_from_the_database_on_a_database_redis_does_not_have(tmp_path):
    from tests.test_backup import _manage

    env = {"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
           "PATH": "/usr/bin:/bin", "ALLOWED_HOSTS": "testserver",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "SECURITY_CACHE_URL": f"filecache://{tmp_path / 'security'}"}
    _manage(env, "migrate", "--noinput")
    code = ("import django; django.setup(); from django.test import Client; "
            "print(*(Client().get(path).status_code for path in ('/', '/healthz')))")
    result = subprocess.run([sys.executable, "-c", code], env={**env, "CACHE_URL": NO_SUCH_DATABASE},
                            cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.stdout.split() == ["200", "200"], result.stderr
