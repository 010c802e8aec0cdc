"""WhiteNoise's list of static files worked out once per test run, not once per test.

Each test's client builds the middleware afresh, and WhiteNoise's middleware,
when built, reads every file under STATIC_ROOT and works out each one's
headers and compressed copies: some 900 files, a third of the time of a test
that makes one request. Within the suite's own process, what it works out for
a folder is kept by everything it depends on: the files themselves (each one's
path, size and time of change, read again every time), the instance's options,
and the settings it reads (WHITENOISE_*, STATIC_URL, STORAGES). The same
folder, unchanged, under the same settings is answered with the same entries;
a file added, removed or rewritten, or a setting changed, is read afresh.
Used by tests/conftest.py; tests/test_static_memo.py checks it.
"""

from django.conf import settings
from whitenoise import base

# WhiteNoise's own, for what is not kept, and for tests/test_static_memo.py.
UPDATE = base.WhiteNoise.update_files_dictionary
_kept = {}
_KEPT = 16  # folders under different settings; the suite has a handful


def _settings():
    names = sorted(name for name in dir(settings) if name.startswith("WHITENOISE_"))
    return repr([(name, getattr(settings, name)) for name in names]
                + [settings.STATIC_URL, settings.STORAGES.get("staticfiles"),
                   settings.FORCE_SCRIPT_NAME, settings.DEBUG])


def _key(whitenoise, root, prefix):
    files = tuple(sorted((path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
                         for path, stat in base.scantree(root)))
    # A test of immutable files given to the instance (a lambda made from a
    # pattern) is its own each time: nothing is kept for it.
    immutable = getattr(whitenoise, "immutable_file_test", None)
    options = (type(whitenoise), whitenoise.max_age, whitenoise.allow_all_origins,
               whitenoise.charset, whitenoise.add_headers_function, whitenoise.index_file,
               getattr(immutable, "__func__", immutable),
               repr(sorted(whitenoise.media_types.types_map.items())))
    return root, prefix, files, options, _settings()


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
