"""Django's Redis cache: one client per connection pool, and a site that outlives Redis.

Both caches keep one `redis.Redis` per connection pool (RedisCacheClient).

`RedisCache` (pages, fragments, sessions) treats an unreachable Redis as an
empty cache: a read is a miss, a write does nothing, and pages come from the
database. The first failure is logged and Redis is left alone for
RETRY_AFTER seconds, then tried again, so pages never wait on it twice in a
row. Every key whose write was lost is deleted when Redis is back, before
anything is read from it, so nothing changed during the outage is hidden by
what Redis held before it: the site version a lost bump left behind, the
session of a reader who signed out meanwhile. Other processes know nothing
of those writes: one that ended meanwhile (a command, a worker restarted)
or that did not touch Redis until it was back would leave them hidden. So
the first write lost in an outage also queues a task (empty_after_outage),
once the transaction it was lost in commits, that empties the cache as soon
as Redis answers again.

`RedisCache.watched_get_many()` reads a few keys that every request needs
(the page cache's count of changes) once per process, and again only when
Redis says that one of them changed or a second has passed: a cache hit
then costs no round trip.

A Redis that restarted may hold an older copy of what it held (its last
snapshot): pages taken down since, sessions signed out since. Everything in
this cache is a copy of the database or rebuilt from it, so the first
connection that finds the server restarted (a new run_id) empties it.

`SecurityRedisCache` (rate limits, lock-outs) fails closed instead: it raises
core.ratelimit.Unavailable, and what it guards does not go ahead.
"""

import logging
import os
import threading
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import DatabaseError, transaction
from django.tasks import task
from django.tasks.exceptions import InvalidTask
from django.utils import timezone

from .ratelimit import Unavailable

log = logging.getLogger("evadaily.cache")

OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                 # A server that answers but refuses this cache's commands, whichever
                 # they are: a database past its last (DB index is out of range),
                 # no memory left, read-only. Pages came back as 500s.
                 redis.exceptions.ResponseError)
SOCKET_TIMEOUT = 0.5  # seconds to connect, and to wait for an answer
RETRY_AFTER = 2  # seconds without trying Redis after a failure
MAX_LOST_KEYS = 10_000  # beyond this, the whole cache is emptied on recovery
# Seconds between the task worker's tries to empty the cache after lost writes:
# the longest a page taken down meanwhile may be served once Redis is back.
LONGEST_EMPTY_RETRY = 30
# Task priority (django.tasks, higher first): with the edge caches' purges, before emails.
PRIORITY_EMPTY = 60
TRACKING = ("CLIENT", "TRACKING", "ON")  # Redis 6 and later
# Seconds a watched value is trusted without a word from Redis: a server that
# stopped (SIGSTOP, a partition) sends nothing, not even the push of a change.
CONFIRM_AFTER = 1.0
# The server's run_id, kept in the cache's database; another one there means a
# restart from a snapshot, which may be older than what this site last wrote.
RUN_ID_KEY = "evadaily:redis-run-id"
EMPTY_IF_RESTARTED = """
local run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local kept = redis.call('GET', KEYS[1])
if kept == run_id then return 0 end
if kept then redis.call('FLUSHDB') end
redis.call('SET', KEYS[1], run_id)
return kept and 1 or 0
"""
_MISSING = object()


class RedisCacheClient(django_redis.RedisCacheClient):
    """Django's client, with one `redis.Redis` per connection pool instead of one per call.

    Each `redis.Redis()` builds its table of response callbacks, a few hundred
    dictionary writes, and that is half the cost of a cache hit. Measured with
    Django 6.1.3 and redis-py 8.1.0 (2026-12-01, a busy 2-core machine, three
    runs, best of three each): 100,000 `cache.get` calls on a local
    redis-server took 3.8 to 5.6 s with this class and 9.3 to 11.4 s without.
    A client is safe to share between threads: it takes a connection from the
    pool for each command.

    Django has no public hook for it, so this relies on two internals, pinned
    by tests/test_redis_cache.py: `RedisCache._class` (set in _SharedClients)
    and `_get_connection_pool(write)`, which picks the server for a call.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_pool = {}
        # Called with each new connection to the first server (which takes the
        # writes) in place of redis-py's handshake; None: the handshake alone.
        self.connect_primary = None

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._by_pool.get(id(pool))
        if client is None:
            self.primary_pool()
            client = self._by_pool[id(pool)] = redis.Redis(connection_pool=pool)
        return client

    def primary_pool(self):
        """The first server's pool, whose new connections go through connect_primary."""
        pool = self._get_connection_pool(True)
        if self.connect_primary is not None:
            pool.connection_kwargs.setdefault("redis_connect_func", self.connect_primary)
        return pool


def _with_timeouts(params):
    options = {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT,
               **params.get("OPTIONS", {})}
    return {**params, "OPTIONS": options}


class _SharedClients(django_redis.RedisCache):
    """Django's Redis cache with RedisCacheClient and timeouts on every connection."""

    def __init__(self, server, params):
        super().__init__(server, _with_timeouts(params))
        self._class = RedisCacheClient  # no OPTIONS key picks it: see RedisCacheClient


_refused_restart_check = False


def _empty_if_restarted(connection):
    """redis-py's handshake, then the cache emptied if the server restarted since it was filled.

    Atomic (a script): of the processes that reach a restarted server, the
    first empties it and the others find it emptied. A server that refuses
    the script (ACLs, scripting disabled) is used as it is, and said so once.
    """
    global _refused_restart_check
    connection.on_connect()
    try:
        connection.send_command("EVAL", EMPTY_IF_RESTARTED, 1, RUN_ID_KEY)
        emptied = connection.read_response()
    except redis.exceptions.ResponseError as error:
        if not _refused_restart_check:
            _refused_restart_check = True
            log.warning("Redis refused the restart check: a restart from an older snapshot "
                        "is not noticed.", extra={"error": str(error)})
        return
    if emptied:
        log.warning("Redis restarted: the cache was emptied, since its snapshot may be older "
                    "than what the site last wrote.")


class _Outage:
    """What this process knows of one Redis location being down; shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0  # time.monotonic()
        self.lost = set()  # (version, key) of the writes that did not reach Redis
        self.lost_track = False  # too many to list: empty the cache instead
        self.queued = False  # empty_after_outage is queued (committed) for this outage
        self.alias = None  # the cache's name in CACHES, for the task

    def lose(self, keys):
        if not keys:
            return
        with self.lock:
            queue = not self.queued
            if not self.lost_track:
                self.lost.update(keys)
                if len(self.lost) > MAX_LOST_KEYS:
                    self.lost_track = True
                    self.lost = set()
        if queue:
            # Once the transaction the write was lost in commits (at once outside one):
            # queued inside it, the task went with a rollback while this outage counted
            # it queued, and the writes lost after it were never emptied elsewhere. A
            # rolled-back change needs no emptying: Redis holds what the database does.
            if transaction.get_connection().in_atomic_block:
                transaction.on_commit(self.queue_emptying, robust=True)
            else:
                self.queue_emptying()

    def queue_emptying(self):
        """Queue empty_after_outage, once an outage."""
        with self.lock:
            queue, self.queued = not self.queued, True
        if queue:
            _queue_emptying(self.alias, attempt=1)

    def fail(self, error, keys=()):
        with self.lock:
            first = not self.down
            self.down = True
            self.retry_at = time.monotonic() + RETRY_AFTER
        self.lose(keys)
        if first:
            # The error names the server, never its password.
            log.warning("Cache unreachable: pages come from the database until it is back.",
                        extra={"error": str(error)})

    def lose_track(self):
        with self.lock:
            self.lost, self.lost_track = set(), True

    def take_lost(self):
        with self.lock:
            lost, clear = self.lost, self.lost_track
            self.lost, self.lost_track = set(), False
        return lost, clear


_outages = {}
_outages_lock = threading.Lock()


def _outage_for(cache, server):
    location = server if isinstance(server, str) else ",".join(server)
    # Lost keys are deleted through the cache that finds Redis back, so only
    # caches that make their keys alike share what they know of an outage.
    with _outages_lock:
        return _outages.setdefault(
            (location, cache.key_prefix, cache.version, cache.key_func), _Outage())


class _Watch:
    """A few keys' values, kept in this process until Redis says that one of them changed.

    Redis's client tracking (CLIENT TRACKING, RESP3): the server remembers
    which keys this connection read and pushes an `invalidate` message on it
    when one of them is written, expires or is evicted, or the database is
    emptied. Each read first polls the connection without waiting; anything
    there (a push, or the server closing it) forgets every value, and they
    are read again. Redis sends a key's push before the reply to any later
    read, so a value kept here is never older than the last push received.

    Silence proves nothing, though: a server that hangs or is cut off sends
    no push, and another process's takedown meanwhile went unheard. So the
    values are read again once they are CONFIRM_AFTER old: a round trip a
    second per process, bounded by the socket timeout, and one that fails
    makes Redis unreachable (an empty cache) as any other read does.

    The push reaches this process a moment after the writer's reply reaches
    the writer, so this process forgets at once what it writes itself
    (forget()), and another process learns of a change within that moment:
    before any request that the change's answer could have caused.

    redis-py's own client-side cache does this too, but only with Redis 7.4
    or later; this needs Redis 6 (the first with tracking). One connection
    per process, to the primary; a fork starts a new one.
    """

    def __init__(self, pool, decode):
        self._pool = pool
        self._decode = decode
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._values = {}
        self._read_at = 0.0  # time.monotonic() of the last answer from Redis

    def get_many(self, keys):
        """{key: value} of the keys present in Redis; keys as Redis names them."""
        with self._lock:
            try:
                return self._get_many(keys)
            except redis.exceptions.ConnectionError:
                # The server may have closed an idle connection: one more try on a
                # new one. Not after a timeout: the server is there and not answering.
                return self._get_many(keys)

    def _get_many(self, keys):
        try:
            connection = self._connected()
            if connection.can_read(timeout=0):
                self._values = {}
                while connection.can_read(timeout=0):
                    connection.read_response(push_request=True)
            if time.monotonic() - self._read_at >= CONFIRM_AFTER:
                self._values = {}
            missing = [key for key in keys if key not in self._values]
            if missing:
                # A push that arrives before the reply is for a change the
                # reply already shows: read past it.
                connection.send_command("MGET", *missing)
                raw = connection.read_response(disable_decoding=True)
                self._read_at = time.monotonic()
                self._values.update(
                    (key, None if value is None else self._decode(value))
                    for key, value in zip(missing, raw))
        except Exception:
            self._close()
            raise
        return {key: self._values[key] for key in keys if self._values[key] is not None}

    def forget(self):
        with self._lock:
            self._values = {}

    def _connected(self):
        if self._connection is None or self._pid != os.getpid():
            self._values = {}
            connection = self._pool.connection_class(
                **{**self._pool.connection_kwargs, "protocol": 3})
            connection.connect()
            try:
                connection.send_command(*TRACKING)
                connection.read_response()
            except redis.exceptions.ResponseError as error:
                connection.disconnect()
                raise TrackingRefused(str(error)) from error
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _close(self):
        self._values = {}
        if self._connection is not None and self._pid == os.getpid():
            self._connection.disconnect()
        self._connection = None


class TrackingRefused(Exception):
    """The server refused CLIENT TRACKING: before Redis 6, or not allowed (ACLs)."""


def _queue_emptying(alias, attempt):
    """Have the task worker empty the cache `alias` once Redis answers (empty_after_outage)."""
    if alias is None:
        return  # a cache made outside CACHES (tests): its own process undoes its writes
    wait = min(RETRY_AFTER * 2 ** (attempt - 1), LONGEST_EMPTY_RETRY)
    try:
        empty_after_outage.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
            alias=alias, attempt=attempt)
    except InvalidTask:
        pass  # no worker runs tasks later (the immediate backend): this process undoes its own
    except DatabaseError as error:
        log.error("The cache cannot be emptied once Redis is back: the task queue is out of "
                  "reach; run `manage.py purge_pages` then.", extra={"error": str(error)})


@task(priority=PRIORITY_EMPTY)
def empty_after_outage(alias, attempt):
    """Empty the cache `alias` (in the worker) once Redis answers; until then, try again later.

    A write lost while Redis could not be reached (a story taken down, a
    reader signed out) left what Redis held before it, and the process that
    lost it may end before it can undo it, or other processes may read it
    first. Everything in the cache is a copy of the database or rebuilt from
    it, as after a restart (_empty_if_restarted).
    """
    try:
        django_redis.RedisCache.clear(caches[alias])  # Django's own: it raises while Redis is down
    except OUTAGE_ERRORS:
        _queue_emptying(alias, attempt + 1)
    else:
        log.warning("Cache emptied: writes were lost while Redis could not be reached.",
                    extra={"attempt": attempt})


class RedisCache(_SharedClients):
    """Pages, fragments and sessions: an unreachable Redis is an empty cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._outage = _outage_for(self, server)
        # Its name in CACHES, which the task worker knows it by (the address may hold a password).
        self._outage.alias = next((alias for alias, cache in settings.CACHES.items()
                                   if cache.get("LOCATION") == server), None)
        self._cache.connect_primary = _empty_if_restarted
        self._watches = {}  # (keys, version) -> ({made key: key}, _Watch)
        self._untracked = False

    def watched_get_many(self, keys, version=None):
        """get_many() for a few keys read on every request, answered in this process.

        Read from Redis once, then again only after Redis says that one of
        them changed (_Watch). Writes through this cache forget them at once.
        """
        if self._outage.down or self._untracked:
            return self.get_many(keys, version)
        found = self._watches.get((tuple(keys), version))
        if found is None:
            made = {self.make_and_validate_key(key, version=version): key for key in keys}
            found = self._watches.setdefault((tuple(keys), version), (made, _Watch(
                self._cache.primary_pool(), self._cache._serializer.loads)))
        made, watch = found
        try:
            values = watch.get_many(list(made))
        except TrackingRefused as error:
            # A server before Redis 6, or one that does not allow CLIENT: read
            # them every time, as other keys are.
            self._untracked = True
            log.warning("Redis refused client tracking: the count of changes is read on "
                        "every request.", extra={"error": str(error)})
            return self.get_many(keys, version)
        except OUTAGE_ERRORS as error:
            self._outage.fail(error)
            return {}
        return {made[key]: value for key, value in values.items()}

    def _forget_watched(self):
        for _, watch in list(self._watches.values()):
            watch.forget()

    def _run(self, default, lost, method, *args):
        """method(*args), or default while Redis cannot be reached.

        lost: (keys, version) that the call writes, to be deleted once Redis
        is back if the write is lost; None for reads.
        """
        outage = self._outage
        if outage.down and not self._back():
            if lost is not None:
                outage.lose(self._keys(lost))
            return default
        try:
            return method(*args)
        except OUTAGE_ERRORS as error:
            outage.fail(error, self._keys(lost) if lost is not None else ())
            return default
        finally:
            if lost is not None:
                # What this process writes, it knows at once (_Watch).
                self._forget_watched()

    def _keys(self, lost):
        keys, version = lost
        return [(version, key) for key in keys]

    def _back(self):
        """Whether Redis answers again (tried every RETRY_AFTER); lost writes are undone first."""
        outage = self._outage
        with outage.lock:
            if time.monotonic() < outage.retry_at:
                return False
            outage.retry_at = time.monotonic() + RETRY_AFTER  # one probe at a time
        undone = 0
        while True:
            lost, clear = outage.take_lost()
            try:
                # Django's own methods, not this class's: they raise while Redis is down.
                if clear:
                    super().clear()
                elif lost:
                    self._undo(lost)
                else:
                    super().has_key("probe")
            except OUTAGE_ERRORS as error:
                outage.fail(error, lost)
                if clear:
                    outage.lose_track()
                return False
            undone = "all" if clear or undone == "all" else undone + len(lost)
            with outage.lock:
                # Other threads may have lost writes meanwhile: undo those too.
                if not (outage.lost or outage.lost_track):
                    outage.down = False
                    outage.queued = False  # the next outage queues its own
                    break
        self._forget_watched()
        log.warning("Cache reachable again.", extra={"undone_writes": undone})
        return True

    def _undo(self, lost):
        by_version = {}
        for version, key in lost:
            by_version.setdefault(version, []).append(key)
        for version, keys in by_version.items():
            for start in range(0, len(keys), 500):  # keys a DEL command
                super().delete_many(keys[start:start + 500], version)

    def get(self, key, default=None, version=None):
        return self._run(default, None, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._run({}, None, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._run(False, None, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(False, ([key], version), super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(None, ([key], version), super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run([], (list(data), version), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(False, ([key], version), super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._run(False, ([key], version), super().delete, key, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._run(None, (keys, version), super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        value = self._run(_MISSING, ([key], version), super().incr, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found")  # as for a key that is not there
        return value

    def clear(self):
        outage = self._outage
        try:
            if self._run(_MISSING, None, super().clear) is _MISSING:
                outage.lose_track()
        finally:
            self._forget_watched()


class SecurityRedisCache(_SharedClients):
    """Rate limits and lock-outs: an unreachable Redis raises Unavailable."""

    def _run(self, method, *args):
        try:
            return method(*args)
        except OUTAGE_ERRORS as error:
            raise Unavailable(f"The security cache cannot be reached: {error}") from error

    def get(self, key, default=None, version=None):
        return self._run(super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._run(super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._run(super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._run(super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._run(super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._run(super().incr, key, delta, version)

    def clear(self):
        return self._run(super().clear)
