"""The file caches count their folder only now and then, and still keep to their limits."""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from core import file_cache, pagecache
from core.file_cache import FileCache
from core.ratelimit import Unavailable
from core.security_cache import SecurityFileCache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def listings(monkeypatch):
    """How many times a file cache has listed its folder."""
    calls = []
    listed = FileBasedCache._list_cache_files

    def counting(cache):
        calls.append(cache)
        return listed(cache)

    monkeypatch.setattr(FileBasedCache, "_list_cache_files", counting)
    return calls


def entries(folder):
    return sum(1 for name in os.listdir(folder) if name.endswith(".djcache"))


def test_far_from_its_limit_a_write_does_not_count_the_folder(tmp_path, listings):
    """Django's listed every entry before each write: 66 ms a write at 50,000."""
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 50_000}})
    for n in range(250):
        cache.set(f"page-{n}", "x")
    assert len(listings) == 3  # the first write, the 101st and the 201st
    assert entries(tmp_path) == 250


def test_near_its_limit_every_write_counts_and_the_cache_never_holds_more(tmp_path, listings):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 400}})
    held = []
    for n in range(1000):
        cache.set(f"page-{n}", "x")
        held.append(entries(tmp_path))
    assert max(held) <= 400
    assert min(held[400:]) >= 400 * 2 // 3  # a third culled at a time, as Django does
    assert 60 < len(listings) < 1000


def test_writers_sharing_a_folder_keep_it_near_its_limit(tmp_path):
    """Each of the 16 writers of a machine counts only its own writes."""
    writers = [FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 2_000}})
               for _ in range(file_cache.WRITERS)]
    most = 0
    for n in range(4_000):
        writers[n % len(writers)].set(f"page-{n}", "x")
        if n % 50 == 0:
            most = max(most, entries(tmp_path))
    assert most <= 2_000 + file_cache.WRITERS


def test_the_security_store_counts_now_and_then_and_still_refuses_when_full(tmp_path,
                                                                          listings):
    store = SecurityFileCache(str(tmp_path / "far"), {"OPTIONS": {"MAX_ENTRIES": 100_000}})
    for n in range(150):
        store.add(f"limit-{n}", 1, 3600)
    assert len(listings) == 2
    full = SecurityFileCache(str(tmp_path / "near"), {"OPTIONS": {"MAX_ENTRIES": 40}})
    for n in range(40):
        full.add(f"limit-{n}", 1, 3600)
    with pytest.raises(Unavailable):
        full.add("one-too-many", 1, 3600)


def test_the_file_cache_is_the_default_stores(tmp_path):
    code = ("from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['security']['BACKEND'])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "x",
           "CACHE_URL": f"filecache://{tmp_path / 'cache'}", "SECURITY_CACHE_URL": ""}
    env.pop("TEST_REDIS_DB", None)
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.split() == ["core.file_cache.FileCache",
                                     "core.security_cache.SecurityFileCache"]


def test_a_cull_leaves_the_page_caches_records_alone(tmp_path, monkeypatch):
    """Culled at random with the pages, a takedown's stamp went while a page showing what was
    taken down lived on (in a process's memory, say), which was then served again; and the
    count of changes went, and every page with it, as often as a flood of pages filled it."""
    store = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 60}})
    monkeypatch.setattr(pagecache, "cache", store)
    pagecache._new_epoch()
    page = pagecache.Entry(value="a page", tags=frozenset({"story-1"}),
                           rendered_at=time.time() - 5, changes=(None, 0),
                           fresh_until=time.time() + 600)
    pagecache._stamp({"story-1"}, takedown=True, purge_edge=False)
    epoch = store.get(pagecache.EPOCH_KEY)
    for n in range(600):
        store.set(f"pagecache:page-{n}", "x", 600)
    assert entries(tmp_path) <= 60
    assert store.get(pagecache.EPOCH_KEY) == epoch and store.get(pagecache.CHANGES_KEY) == 1
    assert store.get(pagecache._log_key(epoch, 1))[1:] == (frozenset({"story-1"}), True)
    assert pagecache._latest_stamp(page) is pagecache.GONE
    store.clear()
    assert store.get(pagecache.EPOCH_KEY) is None and not store._kept_files()


def test_the_page_caches_records_all_go_where_the_cull_does_not_reach():
    keys = [pagecache.CHANGES_KEY, pagecache.EPOCH_KEY, pagecache.NEXT_PUBLICATION_KEY,
            pagecache.SWEEP_LOCK_KEY, pagecache.SWEPT_KEY, pagecache._soft_key("story-1"),
            pagecache._hard_key("story-1"), pagecache._log_key(7, 1)]
    assert all(key.startswith(file_cache.KEPT_PREFIX) for key in keys)


def test_expired_records_are_swept_now_and_then(tmp_path, monkeypatch):
    store = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 50_000}})
    store.set(pagecache._soft_key("story-1"), 1.0, 1)
    store.set(pagecache._soft_key("story-2"), 1.0, 600)
    store.set(pagecache.CHANGES_KEY, 3, None)
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 5)
    store.set("pagecache:a-page", "x")
    assert len(store._kept_files()) == 3  # not yet: a minute since the first write's sweep
    monkeypatch.setattr(time, "monotonic", lambda real=time.monotonic: real() + 61)
    store._writes_before_count = 0  # as when a write next counts the folder
    store.set("pagecache:a-page", "x")
    kept = store._kept_files()
    assert len(kept) == 2
    assert store.get(pagecache._soft_key("story-2")) == 1.0 and store.get(pagecache.CHANGES_KEY)


def test_incr_keeps_the_lifetime(tmp_path):
    """Django's gave the count of changes, kept for good, the default five minutes."""
    store = FileCache(str(tmp_path), {})
    store.set(pagecache.CHANGES_KEY, 0, None)
    assert store.incr(pagecache.CHANGES_KEY) == 1
    assert file_cache.read_entry(store._key_to_file(pagecache.CHANGES_KEY)) == (None, 1)
    store.set("short", 5, 1)
    with pytest.raises(ValueError):
        store.incr("missing")


def _count(folder, times):
    store = FileCache(folder, {})
    for _ in range(times):
        store.incr(pagecache.CHANGES_KEY)


def test_processes_counting_at_once_lose_no_count(tmp_path):
    """Two processes that read the same count both wrote it plus one: one change's record in
    the log of changes overwrote the other's."""
    FileCache(str(tmp_path), {}).set(pagecache.CHANGES_KEY, 0, None)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_count, args=(str(tmp_path), 150)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert FileCache(str(tmp_path), {}).get(pagecache.CHANGES_KEY) == 600
