import os

import pytest

from tests import claims, fast_flush, image_memo, static_memo, template_signals

# The edge tests' app server, varnishd and paths of each test's own (tests/varnish.py).
pytest_plugins = ["tests.varnish"]

# Pictures resized and encoded once per run, not once per test (tests/image_memo.py);
# the static files' list once per run, not once per client (tests/static_memo.py);
# PostgreSQL emptied with DELETE between tests that commit, the content types and
# permissions left in place on either database (tests/fast_flush.py); the native
# template engine's renders reported to the test client (tests/template_signals.py).
image_memo.install()
static_memo.install()
fast_flush.install()
template_signals.install()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, uploads in a temporary folder, a fresh per-test cache, tasks run at once.

    Views are measured without the whole-page cache (query budgets are the
    views' own); tests/test_pagecache.py turns it on.
    """
    settings.PAGE_CACHE_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # One store behind both aliases, so that cache.clear() also lifts limits
    # and lock-outs; the two stores are kept apart in tests/integration/.
    store = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
             "LOCATION": f"tests-{os.getpid()}-{tmp_path.name}"}
    settings.CACHES = {"default": store, "security": store}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Queued work (every email, the edition's batches) runs at once, in the test;
    # tests/integration/ runs the database queue and a real worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# Tests for one database's own features: PostgreSQL full-text search, or what
# only SQLite does. They are deselected (not skipped) on the other database.
_DATABASE_MARKERS = {"postgresql": "runs only on PostgreSQL", "sqlite": "runs only on SQLite"}


# Tests whose every run is the same whichever database the suite has: Varnish alone,
# gunicorn on a SQLite file of its own. CI runs them once, in a lane of their own
# (TEST_ONLY_DATABASELESS), while its two database lanes set TEST_SKIP_DATABASELESS. A
# test in such a module that asks for the suite's database (db, transactional_db) runs
# in the database lanes.
_DATABASELESS = "databaseless"
_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                      "django_db_serialized_rollback", "live_server"}


def pytest_configure(config):
    for name, description in _DATABASE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    config.addinivalue_line("markers", f"{_DATABASELESS}: uses no database of the suite's "
                            "own; deselected where TEST_SKIP_DATABASELESS is set (CI's "
                            "database lanes), the only tests where TEST_ONLY_DATABASELESS is")
    claims.pytest_configure(config)  # TEST_CLAIMS: CI's lanes share the browser tests


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    from django.db import connections

    vendor = connections["default"].vendor
    other = [name for name in _DATABASE_MARKERS if name != vendor]
    skip_databaseless = bool(os.environ.get("TEST_SKIP_DATABASELESS"))
    only_databaseless = bool(os.environ.get("TEST_ONLY_DATABASELESS"))
    if skip_databaseless and only_databaseless:
        raise pytest.UsageError("TEST_SKIP_DATABASELESS and TEST_ONLY_DATABASELESS together "
                                "leave no test to run: set one of them")
    keep, deselected = [], []
    for item in items:
        elsewhere = any(item.get_closest_marker(m) for m in other)
        if skip_databaseless or only_databaseless:
            elsewhere = elsewhere or _databaseless(item) != only_databaseless
        (deselected if elsewhere else keep).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


def _databaseless(item):
    return bool(item.get_closest_marker(_DATABASELESS)
                and not item.get_closest_marker("django_db")
                and not _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.fixture
def page_cache_on(settings):
    """The whole-page cache and fragments on, with an empty per-process layer."""
    from core import pagecache

    settings.PAGE_CACHE_ENABLED = True
    pagecache._local.clear()
    pagecache._log.clear()


@pytest.fixture
def flaky_mail(settings, transactional_db):
    """Tasks wait in the database queue (tests.tasks.run_due_tasks runs them), and the mail
    server is tests.tasks.FlakyServer, which fails while its `failure` is set."""
    from tests.tasks import DATABASE_QUEUE, FlakyServer

    settings.TASKS = DATABASE_QUEUE
    settings.MAILERS = {"default": {"BACKEND": "tests.tasks.FlakyServer"}}
    FlakyServer.failure = None
    yield FlakyServer
    FlakyServer.failure = None


@pytest.fixture
def editor(client):
    """The test client signed in as an editor (a module may define its own)."""
    from tests.articles.newsroom import staff

    client.force_login(staff("Editors", username="editor"))
    return client


@pytest.fixture
def moderator(client):
    """The test client signed in as a moderator (a module may define its own)."""
    from tests.articles.newsroom import staff

    client.force_login(staff("Moderators", username="moderator"))
    return client
