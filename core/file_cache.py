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
"""

import fcntl
import glob
import os
import pickle
import time
import zlib

from django.core.cache.backends.filebased import FileBasedCache
from django.utils._os import safe_makedirs

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
