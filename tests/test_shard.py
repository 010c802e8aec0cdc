"""TEST_SHARD, how CI's lanes share the browser tests (tests/conftest.py)."""

import pytest

from tests.conftest import _shard


def test_shards_deal_out_every_test_once():
    tests = list(range(7))
    first, rest_first = _shard(tests, ["db-only"], "1/2")
    second, rest_second = _shard(tests, ["db-only"], "2/2")
    assert first == [0, 2, 4, 6] and second == [1, 3, 5]
    assert sorted(first + second) == tests
    assert rest_first == ["db-only", 1, 3, 5] and rest_second == ["db-only", 0, 2, 4, 6]


def test_no_shard_keeps_everything():
    assert _shard([1, 2], [], "") == ([1, 2], [])


@pytest.mark.parametrize("shard", ["0/2", "3/2", "half", "1/"])
def test_a_shard_that_cannot_be_is_refused(shard):
    with pytest.raises(pytest.UsageError, match="TEST_SHARD must be k/n"):
        _shard([1], [], shard)
