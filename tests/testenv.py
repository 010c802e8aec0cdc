"""Loaded by pytest before Django (`-p tests.testenv` in pyproject.toml).

Settings refuse to start without SECRET_KEY when DEBUG is off, as in
production; the suite runs with DEBUG off, so it gets a test-only key.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
