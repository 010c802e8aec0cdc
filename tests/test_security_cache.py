import pytest
import time_machine

from core.ratelimit import Unavailable
from core.security_cache import SecurityFileCache

T0 = 1_800_000_000


@pytest.fixture
def store(tmp_path):
    return SecurityFileCache(str(tmp_path / "security"), {"OPTIONS": {"MAX_ENTRIES": 5}})


def test_a_full_store_drops_expired_entries_and_never_a_live_one(store):
    with time_machine.travel(T0, tick=False) as clock:
        for n in range(3):
            store.add(f"short-{n}", n, 10)
        store.add("lock-out", 5, 900)
        store.add("limit", 1, 3600)
        clock.shift(60)  # the three short ones have expired
        for n in range(3):
            assert store.add(f"new-{n}", n, 900)
        with pytest.raises(Unavailable):
            store.add("one-too-many", 1, 900)  # every entry is live: refuse, forget none
        assert store.get("lock-out") == 5 and store.get("limit") == 1
        assert [store.get(f"new-{n}") for n in range(3)] == [0, 1, 2]


def test_incr_keeps_the_lifetime(store):
    with time_machine.travel(T0, tick=False) as clock:
        store.add("count", 0, 3600)
        assert store.incr("count") == 1
        clock.shift(3000)  # past Django's default lifetime of 300 seconds
        assert store.incr("count", 2) == 3
        clock.shift(601)
        assert store.get("count") is None
        with pytest.raises(ValueError):
            store.incr("count")


def test_a_folder_that_cannot_be_written_is_unavailable(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(Unavailable):
        SecurityFileCache(str(blocker / "security"), {}).add("key", 1, 10)
