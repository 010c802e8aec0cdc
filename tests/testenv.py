"""Loaded by pytest before Django (`-p tests.testenv` in pyproject.toml).

Settings refuse to start without SECRET_KEY when DEBUG is off, as in
production; the suite runs with DEBUG off, so it gets a test-only key.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

# The suite's PostgreSQL sessions (and the commands and servers it starts, unless their
# own connection options say otherwise) commit without waiting for the disk: a test
# database is thrown away, and the transactional tests, which commit every save and
# empty every table after each test, ran about a fifth faster. libpq reads PGOPTIONS;
# SQLite ignores it.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
