"""The shared Redis's databases the tests may flush: three in a row from TEST_REDIS_DB.

The default is 11, 12 and 13. Two suites running at once on one machine (CI
runs the SQLite and the PostgreSQL suites side by side) each take their own
three, so neither flushes what the other is using. TEST_REDIS_PORT points the
suite at another redis-server (one of your own, when the shared one's sixteen
databases are all taken by suites running at once).
"""

import os

FIRST = int(os.environ.get("TEST_REDIS_DB", "11"))
PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
COUNT = 3


def redis_url(offset):
    """redis://127.0.0.1:<PORT>/<FIRST + offset>, offset 0, 1 or 2."""
    if not 0 <= offset < COUNT:
        raise ValueError(f"the tests have {COUNT} Redis databases, not {offset + 1}")
    return f"redis://127.0.0.1:{PORT}/{FIRST + offset}"
