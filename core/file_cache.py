"""Django's file cache, without a count of its whole folder before every write.

The file cache is the default on one machine (settings.CACHES). Before each
write, Django's FileBasedCache lists its folder to count the entries, and
culls a third of them once MAX_ENTRIES are kept, so a write costs a listing
of every entry: 4 ms at 2,000 entries, 14 ms at 10,000, 66 ms at 50,000 on
the 2-core machine the site is measured on. Each page the page cache
stores, and each change it records (four writes), paid that, as did each
new rate-limit entry in the security cache, under the lock every process
shares (core.security_cache).

Here the folder is counted once every COUNT_EVERY writes of a process while
the cache is far from full, and before every write once it nears its limit,
so that it never holds more than its limit by more than a few entries.

The page cache's own records (core.pagecache: the count of changes, their
log, the tags' stamps) are kept in a folder of their own, which the cull
never touches, and counted with `incr` under a lock (see FileCache).

A folder the process cannot use (a path under a regular file, one it may not
write, a full disk) is an empty cache, as an unreachable Redis is
(core.redis_cache): a read is a miss, a write does nothing, and pages come
from the database. The first failure is logged, and the first success after it.
"""

import fcntl
import glob
import logging
import os
import pickle
import threading
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.utils._os import safe_makedirs

log = logging.getLogger("evadaily.cache")
_MISSING = object()
# The folders that failed last time: Django makes a cache object per thread,
# and an outage is logged once per process.
_failing = set()
_failing_lock = threading.Lock()

# core.pagecache names its records so; they must outlive any page they judge.
KEPT_PREFIX = "pagecache:state:"
KEPT_FOLDER = "kept"
SWEEP_EVERY = 60  # seconds between two removals of expired records, per process

COUNT_EVERY = 100  # writes between two counts of the folder, at most
# Processes and threads that may write to one folder at once (4 workers of
# 4 threads by default): each counts only its own writes, so each may use a
# share of the room left before the limit, and no more, between two counts.
WRITERS = 16


class CountsNearTheLimit:
    """For a FileBasedCache: `_cull_due()` says whether this write must count the folder.

    Every listing of the folder (`_list_cache_files`, which the cull uses)
    sets how many writes may follow before the next: COUNT_EVERY, or fewer
    as the entries near the limit, down to none.
    """

    _writes_before_count = 0

    def _cull_due(self):
        if self._writes_before_count > 0:
            self._writes_before_count -= 1
            return False
        return True

    def _list_cache_files(self):
        files = super()._list_cache_files()
        room = max(0, self._max_entries - len(files))
        self._writes_before_count = min(COUNT_EVERY, room // WRITERS)
        return files


def read_entry(fname):
    """(expiry, value) of the entry in fname, as FileBasedCache writes it (None: no expiry).

    Raises FileNotFoundError when there is none.
    """
    with open(fname, "rb") as f:
        expiry = pickle.load(f)
        return expiry, pickle.loads(zlib.decompress(f.read()))


def replace_entry(fname, expiry, value):
    """Write an entry with this expiry in place of fname's, at once for every reader."""
    tmp_path = f"{fname}.{os.getpid()}.tmp"
    with open(tmp_path, "wb") as f:
        f.write(pickle.dumps(expiry, FileBasedCache.pickle_protocol))
        f.write(zlib.compress(pickle.dumps(value, FileBasedCache.pickle_protocol)))
    os.replace(tmp_path, fname)


class FileCache(CountsNearTheLimit, FileBasedCache):
    """The page cache's store on one machine (settings.CACHES["default"] by default).

    The page cache's records live in KEPT_FOLDER, where the cull does not
    reach. Culled at random among the pages, a takedown's stamp could go
    while a page showing what was taken down lived on (in a process's
    memory, or a copy stored just before), and that page was served again;
    the count of changes could go too, and every page with it, as often as a
    flood of new pages filled the cache. A record leaves when it expires
    (minutes after its change; the count never).
    """

    _swept_at = 0.0

    def __init__(self, dir, params):
        try:
            super().__init__(dir, params)  # makes the folder
        except OSError as error:
            self._fail(error)

    def _fail(self, error):
        with _failing_lock:
            first = self._dir not in _failing
            _failing.add(self._dir)
        if first:
            # The error names the folder, and why it cannot be used.
            log.warning("Cache folder unusable: pages come from the database until it is "
                        "back.", extra={"error": str(error)})

    def _run(self, default, method, *args, writes=False):
        """method(*args), or default while the folder cannot be used.

        Only a write (writes) proves the folder usable again: in a folder
        that can be read but not written, a read finds nothing and succeeds
        (a delete, a clear too), and the outage would be logged again at
        every request.
        """
        try:
            result = method(*args)
        except OSError as error:
            self._fail(error)
            return default
        if writes and _failing and self._dir in _failing:
            with _failing_lock:
                back = self._dir in _failing
                _failing.discard(self._dir)
            if back:
                log.warning("Cache folder usable again.")
        return result

    def get(self, key, default=None, version=None):
        return self._run(default, super().get, key, default, version)

    def has_key(self, key, version=None):
        return self._run(False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        def add():  # Django's, with its own reads and writes, which raise
            if super(FileCache, self).has_key(key, version):
                return False
            super(FileCache, self).set(key, value, timeout, version)
            return True

        return self._run(False, add, writes=True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(None, super().set, key, value, timeout, version, writes=True)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(False, super().touch, key, timeout, version, writes=True)

    def delete(self, key, version=None):
        return self._run(False, super().delete, key, version)

    def _key_to_file(self, key, version=None):
        fname = super()._key_to_file(key, version)
        if key.startswith(KEPT_PREFIX):
            return os.path.join(self._dir, KEPT_FOLDER, os.path.basename(fname))
        return fname

    def _createdir(self):
        super()._createdir()
        safe_makedirs(os.path.join(self._dir, KEPT_FOLDER), mode=0o700, exist_ok=True)

    def _cull(self):
        if self._cull_due():
            super()._cull()
            self._sweep_kept()

    def _kept_files(self):
        folder = os.path.join(self._dir, KEPT_FOLDER)
        return [os.path.join(folder, name)
                for name in glob.glob(f"*{self.cache_suffix}", root_dir=folder)]

    def _sweep_kept(self):
        """Remove the expired records, at most once every SWEEP_EVERY seconds: a tag's stamp
        is read again only if the tag changes again, and most never do."""
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        for fname in self._kept_files():
            try:
                with open(fname, "rb") as f:
                    self._is_expired(f)  # removes it if so
            except (FileNotFoundError, EOFError, pickle.UnpicklingError):
                continue

    def clear(self):
        self._run(None, self._clear)

    def _clear(self):
        super().clear()
        for fname in self._kept_files():
            self._delete(fname)

    def incr(self, key, delta=1, version=None):
        """Add delta to a live entry, keeping its expiry, one process at a time.

        Django's reads the value and writes it back with the default
        lifetime: the count of changes, kept for good, expired minutes after
        the first change, and two processes counting at once both took the
        same count, so one change's record in the log overwrote the other's.
        """
        value = self._run(_MISSING, self._incr, key, delta, version, writes=True)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found")  # as for a key that is not there
        return value

    def _incr(self, key, delta, version):
        self._createdir()
        fname = self._key_to_file(key, version)
        fd = os.open(os.path.join(self._dir, KEPT_FOLDER, "incr.lock"),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one open file description each: threads too
            try:
                expiry, value = read_entry(fname)
            except (FileNotFoundError, EOFError):
                expiry, value = 0, None
            if value is None or (expiry is not None and expiry < time.time()):
                raise ValueError(f"Key '{key}' not found")
            replace_entry(fname, expiry, value + delta)
        finally:
            os.close(fd)
        return value + delta
