"""How CI's lanes share work: TEST_CLAIMS, the browser tests taken by whichever lane is
free (tests/claims.py: pytest runs over a small suite of their own, in subprocesses), and
TEST_SKIP_DATABASELESS and TEST_ONLY_DATABASELESS, the tests that are the same on any
database run once, in a lane of their own."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import _databaseless

ROOT = Path(__file__).resolve().parent.parent

# Three files in three places: a/test_first.py and c/test_last.py around
# a/zz/test_middle.py. A module fixture logs when it is set up and torn down.
SUITE = {
    "a/test_first.py": "one two",
    "a/zz/test_middle.py": "three",
    "c/test_last.py": "four five",
}
MODULE = '''import os
import pytest

@pytest.fixture(scope="module")
def logged():
    with open(os.environ["SUITE_LOG"], "a") as log:
        log.write("set up {name}\\n")
    yield
    with open(os.environ["SUITE_LOG"], "a") as log:
        log.write("torn down {name}\\n")

'''


@pytest.fixture
def suite(tmp_path):
    for path, tests in SUITE.items():
        module = tmp_path / "suite" / path
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(MODULE.format(name=module.stem) + "".join(
            f"def test_{name}(logged):\n    pass\n\n" for name in tests.split()))
    (tmp_path / "suite" / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "claims").mkdir()
    return tmp_path


def run(suite, claims="claims"):
    """A run of the small suite as CI runs the browser tests: (its output, its log)."""
    log = suite / "log.txt"
    log.write_text("")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "SUITE_LOG": str(log),
                   "TEST_CLAIMS": str(suite / claims)}
    environment.pop("PYTEST_ADDOPTS", None)
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "tests.claims", "-v", str(suite / "suite")],
        cwd=suite / "suite", env=environment, capture_output=True, text=True, timeout=60)
    return finished, log.read_text().splitlines()


def claim(suite, path):
    """What another run does as it comes to path first."""
    (suite / "claims" / quote(path, safe="")).mkdir()


def passed(output):
    return sorted(line.split("::")[-1].split()[0] for line in output.splitlines()
                  if " PASSED" in line)


def test_a_run_runs_every_file_nobody_else_claimed_and_a_second_run_none(suite):
    finished, _ = run(suite)
    assert finished.returncode == 0, finished.stdout
    assert passed(finished.stdout) == ["test_five", "test_four", "test_one", "test_three",
                                       "test_two"]
    assert sorted(os.listdir(suite / "claims")) == sorted(quote(p, safe="") for p in SUITE)

    finished, log = run(suite)
    assert finished.returncode == 0, finished.stdout
    assert passed(finished.stdout) == [] and log == []


def test_a_file_another_run_claimed_is_passed_over_and_fixtures_follow_our_tests(suite):
    """The other run's file sits between two of ours in another folder: the first file's
    fixtures are torn down for our next test, not for the other run's (pytest's own
    protocol would leave a/ set up beneath c/test_last.py and stop)."""
    claim(suite, "a/zz/test_middle.py")
    finished, log = run(suite)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert passed(finished.stdout) == ["test_five", "test_four", "test_one", "test_two"]
    assert log == ["set up test_first", "torn down test_first",
                   "set up test_last", "torn down test_last"]


def test_claims_in_a_folder_that_is_not_there_are_refused(suite):
    finished, _ = run(suite, claims="nowhere")
    assert finished.returncode != 0
    assert "TEST_CLAIMS must be a folder that exists" in finished.stdout + finished.stderr


class Item:
    def __init__(self, *markers, fixtures=()):
        self.markers, self.fixturenames = markers, list(fixtures)

    def get_closest_marker(self, name):
        return name if name in self.markers else None


def test_a_test_marked_databaseless_is_left_to_one_lane_unless_it_asks_for_the_database():
    assert _databaseless(Item("databaseless", fixtures=["settings", "tmp_path"]))
    assert not _databaseless(Item(fixtures=["settings"]))
    assert not _databaseless(Item("databaseless", fixtures=["settings", "transactional_db"]))
    assert not _databaseless(Item("databaseless", "django_db"))


class Config:
    def __init__(self):
        self.deselected = []
        self.hook = self

    def pytest_deselected(self, items):
        self.deselected += items


ITEMS = {"edge": Item("databaseless", fixtures=["settings"]),
         "edge and the database": Item("databaseless", fixtures=["settings", "db"]),
         "page": Item(fixtures=["client", "db"]),
         "unit": Item(fixtures=["settings"])}


def lane(monkeypatch, **environment):
    """The names of ITEMS a lane runs with environment set: the rest are deselected."""
    from tests import conftest

    for name in ("TEST_SKIP_DATABASELESS", "TEST_ONLY_DATABASELESS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    items, config = list(ITEMS.values()), Config()
    conftest.pytest_collection_modifyitems(config, items)
    assert len(items) + len(config.deselected) == len(ITEMS)
    return sorted(name for name, item in ITEMS.items() if item in items)


def test_the_database_lanes_and_the_databaseless_lane_run_each_test_once(monkeypatch):
    everything = sorted(ITEMS)
    assert lane(monkeypatch) == everything  # `make test` alone
    database = lane(monkeypatch, TEST_SKIP_DATABASELESS="1")
    databaseless = lane(monkeypatch, TEST_ONLY_DATABASELESS="1")
    assert database == ["edge and the database", "page", "unit"]
    assert databaseless == ["edge"]
    assert sorted(database + databaseless) == everything


def test_a_lane_told_to_skip_and_to_run_only_the_databaseless_tests_is_refused(monkeypatch):
    with pytest.raises(pytest.UsageError, match="leave no test to run"):
        lane(monkeypatch, TEST_SKIP_DATABASELESS="1", TEST_ONLY_DATABASELESS="1")
