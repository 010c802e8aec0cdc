"""WhiteNoise's list of static files worked out once per test run, not once per test.

Each test's client builds the middleware afresh, and WhiteNoise's middleware,
when built, reads every file under STATIC_ROOT and works out each one's
headers and compressed copies: some 900 files, a third of the time of a test
that makes one request. Within the suite's own process, what it works out for
a folder is kept by everything it depends on: the files themselves, the
instance's options, and the settings it reads (WHITENOISE_*, STATIC_URL,
STORAGES). The same folder, unchanged, under the same settings is answered
with the same entries; a file added, removed or rewritten, or a setting
changed, is read afresh.

Whether the files changed is told by Linux's inotify (Changes): watching the
folders costs one read of a descriptor per middleware, where finding each
file's size and time of change again (900 stats) took 3.5–8 ms of every client
(busier machine, longer), 5.7% of the PostgreSQL lane's busy time in a
profile. Where inotify cannot tell (not Linux, or a file that is a symbolic
link, whose target changes in a folder not watched), each file's path, size,
time of change and inode are read every time instead.
Used by tests/conftest.py; tests/test_static_memo.py checks it.
"""

import ctypes
import itertools
import os
import struct
import threading

from django.conf import settings
from whitenoise import base

# WhiteNoise's own, for what is not kept, and for tests/test_static_memo.py.
UPDATE = base.WhiteNoise.update_files_dictionary
_kept = {}
_KEPT = 16  # folders under different settings; the suite has a handful

# <sys/inotify.h>: a file written or its times changed; a file or folder made, moved in or
# out, or deleted; the watched folder itself deleted or moved; no room left for events.
_MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
_OVERFLOW, _IGNORED = 0x4000, 0x8000
_NONBLOCK, _CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC  # IN_NONBLOCK, IN_CLOEXEC
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name


class Changes:
    """The generation of each folder's files: a number that moves on after inotify reports
    a change anywhere under the folder. None where it cannot be told."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None  # the process that opened the descriptor (a fork opens its own)
        self._fd = -1
        self._roots = {}  # watch descriptor: the folders watched through it
        self._generations = {}  # folder: its generation, while nothing changed under it
        self._counter = itertools.count(1)

    def generation(self, root):
        with self._lock:
            if self._pid != os.getpid():
                self._open()
            if self._fd < 0:
                return None
            self._read()
            if root not in self._generations:
                # First, or changed since: watched again (a folder made since is
                # watched too), before WhiteNoise reads it.
                if not self._watch(root):
                    return None
                self._generations[root] = next(self._counter)
            return self._generations[root]

    def _open(self):
        self._pid, self._roots, self._generations = os.getpid(), {}, {}
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            self._add_watch = libc.inotify_add_watch
            self._fd = libc.inotify_init1(_NONBLOCK | _CLOEXEC)
        except (AttributeError, OSError):  # not Linux
            self._fd = -1

    def _watch(self, root):
        folders = _folders(root)
        if folders is None:
            return False
        for folder in folders:
            wd = self._add_watch(self._fd, os.fsencode(folder), _MASK)
            if wd < 0:  # out of watches: read every time
                return False
            self._roots.setdefault(wd, set()).add(root)
        return True

    def _read(self):
        while True:
            try:
                events = os.read(self._fd, 64 * 1024)
            except BlockingIOError:
                return
            for offset in _offsets(events):
                wd, mask, _, _ = _EVENT.unpack_from(events, offset)
                if mask & _OVERFLOW:
                    self._generations.clear()
                    continue
                for root in (self._roots.pop if mask & _IGNORED else self._roots.get)(wd, ()):
                    self._generations.pop(root, None)


def _offsets(events):
    offset = 0
    while offset < len(events):
        yield offset
        offset += _EVENT.size + _EVENT.unpack_from(events, offset)[3]


def _folders(root):
    """root and every folder under it, as WhiteNoise's scan finds them (following links to
    folders); None where a file is a symbolic link."""
    folders, pending = [], [root]
    while pending:
        folder = pending.pop()
        folders.append(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    pending.append(entry.path)
                elif entry.is_symlink():
                    return None
    return folders


_changes = Changes()


def _settings():
    names = sorted(name for name in dir(settings) if name.startswith("WHITENOISE_"))
    return repr([(name, getattr(settings, name)) for name in names]
                + [settings.STATIC_URL, settings.STORAGES.get("staticfiles"),
                   settings.FORCE_SCRIPT_NAME, settings.DEBUG])


def _files(root):
    generation = _changes.generation(root)
    if generation is not None:
        return generation
    return tuple(sorted((path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
                        for path, stat in base.scantree(root)))


def _key(whitenoise, root, prefix):
    # A test of immutable files given to the instance (a lambda made from a
    # pattern) is its own each time: nothing is kept for it.
    immutable = getattr(whitenoise, "immutable_file_test", None)
    options = (type(whitenoise), whitenoise.max_age, whitenoise.allow_all_origins,
               whitenoise.charset, whitenoise.add_headers_function, whitenoise.index_file,
               getattr(immutable, "__func__", immutable),
               repr(sorted(whitenoise.media_types.types_map.items())))
    return root, prefix, _files(root), options, _settings()


def install():
    def kept_update(self, root, prefix):
        key = _key(self, root, prefix)
        if key not in _kept:
            found, self.files = self.files, {}
            try:
                UPDATE(self, root, prefix)
            finally:
                found, self.files = self.files, found
            if len(_kept) >= _KEPT:
                _kept.pop(next(iter(_kept)))
            _kept[key] = found
        self.files.update(_kept[key])

    base.WhiteNoise.update_files_dictionary = kept_update
