"""The file caches count their folder only now and then, and still keep to their limits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from core import file_cache
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
