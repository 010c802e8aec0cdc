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
"""

from django.core.cache.backends.filebased import FileBasedCache

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


class FileCache(CountsNearTheLimit, FileBasedCache):
    """The page cache's store on one machine (settings.CACHES["default"] by default)."""

    def _cull(self):
        if self._cull_due():
            super()._cull()
