"""TEST_CLAIMS: test runs that share one selection, each running the files it claims first.

CI runs the browser tests once, shared between its two lanes, after each
lane's own suite. Dealt out in advance, half each, the lane that finished its
suite first sat idle while the other still had its half ahead: they ended
minutes apart. With TEST_CLAIMS set to a folder both runs see, a run claims
each test file as it comes to it, by making a folder named after it there
(only one process can make it), and runs the file's tests only if the claim
is its own: whichever run is free takes the next file.

A run passes over the files another claimed without a word; it reports what
it ran, and the runs' reports add up to the whole selection. Without
TEST_CLAIMS nothing changes.
"""

import os
from urllib.parse import quote

import pytest
from _pytest.runner import runtestprotocol


class Claims:
    def __init__(self, folder):
        if not os.path.isdir(folder):
            raise pytest.UsageError(f"TEST_CLAIMS must be a folder that exists, not {folder!r}")
        self.folder = folder
        self.ours = {}  # test file: whether this run claimed it
        self.positions = None

    def claimed(self, item):
        """Whether item's file is this run's: claimed now, the first time one of its tests
        comes up, or earlier."""
        path = item.nodeid.partition("::")[0]
        if path not in self.ours:
            try:
                os.mkdir(os.path.join(self.folder, quote(path, safe="")))
            except FileExistsError:
                self.ours[path] = False
            else:
                self.ours[path] = True
        return self.ours[path]

    def next_of_ours(self, item):
        """The next test this run will run after item, or None: what its fixtures are torn
        down for. Claims the file after item's when item is its file's last test."""
        items = item.session.items
        if self.positions is None:
            self.positions = {id(each): index for index, each in enumerate(items)}
        for later in items[self.positions[id(item)] + 1:]:
            if self.claimed(later):
                return later
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if not self.claimed(item):
            return True  # another run's
        # As pytest's own protocol (_pytest/runner.py), but with the next test this run
        # runs: fixtures kept for one of the other run's (a folder's, a module's)
        # would be left set up beneath the next test of ours.
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        runtestprotocol(item, nextitem=self.next_of_ours(item), log=True)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True


def pytest_configure(config):
    """Called by tests/conftest.py, or as a plugin of its own (-p tests.claims)."""
    folder = os.environ.get("TEST_CLAIMS", "")
    if folder:
        config.pluginmanager.register(Claims(folder), "test-claims")
