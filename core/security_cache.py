"""The file cache that keeps rate limits and sign-in lock-outs on one machine.

Django's file cache suits pages but not counters: two processes can both
`add` the same key or both read a count before either writes it back, its
`incr` resets the entry's lifetime to the default, and when full it deletes
a random third of its entries, lock-outs included. Here every change is made
under one lock file shared by all the machine's processes, `incr` keeps the
lifetime, and a full cache first drops expired entries, then refuses new
ones (core.ratelimit.Unavailable) rather than forget live ones.
"""

import fcntl
import os
import pickle
import time
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

from .file_cache import CountsNearTheLimit, read_entry, replace_entry
from .ratelimit import Unavailable

# Far above what a flood can create: each sign-in failure (one entry, kept 15
# minutes) costs a password hash, about 0.3 s of a core here, so two cores
# make some 6,000 in 15 minutes; every other limit allows a few entries an
# hour per reader or address.
MAX_ENTRIES = 100_000


class SecurityFileCache(CountsNearTheLimit, FileBasedCache):
    def __init__(self, dir, params):
        options = params.get("OPTIONS", {})
        params = {**params, "OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES, **options}}
        # A folder that cannot be made is said at first use, as Unavailable:
        # raised here, it stopped every management command (Django's checks
        # make each cache), migrate included. `check` warns of it (core.W008).
        self._made = True
        try:
            super().__init__(dir, params)  # sets self._dir, then makes the folder
        except OSError:
            self._made = False
        self._lock_path = os.path.join(self._dir, "lock")  # not a *.djcache entry

    def folder_problem(self):
        """Why the folder cannot be made, or None when it is there."""
        try:
            self._createdir()
        except OSError as error:
            return str(error)
        self._made = True
        return None

    def _ensure_folder(self):
        # Reads find no entry in a folder that is missing, which would let any
        # limit pass: one that cannot be made is unavailable instead.
        if not self._made and (problem := self.folder_problem()) is not None:
            raise Unavailable(f"The security cache folder cannot be made: {problem}")

    @contextmanager
    def _locked(self):
        try:
            self._createdir()
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise Unavailable(f"The security cache cannot be written: {error}") from error
        try:
            # One open file description each: this also excludes other threads.
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        except OSError as error:
            raise Unavailable(f"The security cache cannot be written: {error}") from error
        finally:
            os.close(fd)

    def get(self, key, default=None, version=None):
        self._ensure_folder()
        try:
            return super().get(key, default, version)
        except OSError as error:
            raise Unavailable(f"The security cache cannot be read: {error}") from error

    def has_key(self, key, version=None):
        self._ensure_folder()
        try:
            return super().has_key(key, version)
        except OSError as error:
            raise Unavailable(f"The security cache cannot be read: {error}") from error

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            if super().has_key(key, version):
                return False
            # The parent's set: ours would wait for the lock this call holds.
            super().set(key, value, timeout, version)
            return True

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            super().set(key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().touch(key, timeout, version)

    def delete(self, key, version=None):
        with self._locked():
            return super().delete(key, version)

    def clear(self):
        with self._locked():
            super().clear()

    def incr(self, key, delta=1, version=None):
        """Add delta to a live entry, keeping its expiry time."""
        fname = self._key_to_file(key, version)
        with self._locked():
            try:
                expiry, value = read_entry(fname)
            except (FileNotFoundError, EOFError):  # an empty file is expired, as Django reads it
                raise ValueError(f"Key '{key}' not found") from None
            if expiry is not None and expiry < time.time():
                raise ValueError(f"Key '{key}' not found")
            replace_entry(fname, expiry, value + delta)
        return value + delta

    def _cull(self):
        """Make room by dropping expired entries only; refuse when every entry is live.

        The folder is counted only as often as core.file_cache says: listed
        before every new entry, it held up every process's limits for 66 ms
        once 50,000 entries were kept (a flood from many addresses).
        """
        if not self._cull_due():
            return
        files = self._list_cache_files()
        if len(files) < self._max_entries:
            return
        now = time.time()
        live = 0
        for fname in files:
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)
            except (FileNotFoundError, EOFError, pickle.UnpicklingError):
                continue
            if expiry is not None and expiry < now:
                self._delete(fname)
            else:
                live += 1
        if live >= self._max_entries:
            raise Unavailable(f"The security cache holds {live} live entries, its limit.")
