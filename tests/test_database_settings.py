"""How the site talks to its database: settings read from the environment."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from articles.models import Article


def database_settings(**environ):
    """settings.DATABASES["default"] of a fresh process with this environment."""
    result = subprocess.run(
        [sys.executable, "-c", "import django, json; django.setup(); "
         "from django.conf import settings; "
         "print(json.dumps(settings.DATABASES['default'], default=str))"],
        env={"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
             "PATH": "/usr/bin:/bin", **environ},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_postgresql_connections_are_kept_and_bind_parameters_on_the_client():
    """Server-side binding for every query was measured and refused (settings.py): see
    the last test. Public pages' queries alone are prepared (tests/test_prepared_statements.py),
    unless a connection pooler cannot keep prepared statements."""
    url = "postgres://postgres@127.0.0.1:5432/evadaily"
    postgres = database_settings(DATABASE_URL=url)
    assert postgres["CONN_MAX_AGE"] == 600 and postgres["CONN_HEALTH_CHECKS"] is True
    assert "server_side_binding" not in postgres.get("OPTIONS", {})
    assert postgres["ENGINE"] == "core.backends.postgresql"
    pooled = database_settings(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="False")
    assert pooled["ENGINE"] == "django.db.backends.postgresql"


def test_the_development_server_keeps_no_connection_open():
    """With DEBUG on (`make run`), runserver answers each request on a thread of its own, and
    a connection kept by a thread that ended stayed open until the garbage collector ran:
    browsing took all of PostgreSQL's connections. CONN_MAX_AGE still says otherwise."""
    url = "postgres://postgres@127.0.0.1:5432/evadaily"
    assert database_settings(DATABASE_URL=url, DEBUG="True")["CONN_MAX_AGE"] == 0
    assert database_settings(DATABASE_URL=url, DEBUG="True",
                             CONN_MAX_AGE="60")["CONN_MAX_AGE"] == 60
    assert database_settings(DATABASE_URL=url, DEBUG="False")["CONN_MAX_AGE"] == 600


def test_a_postgresql_host_that_does_not_answer_is_given_up_on_in_seconds():
    url = "postgres://postgres@127.0.0.1:5432/evadaily"
    assert database_settings(DATABASE_URL=url)["OPTIONS"]["connect_timeout"] == 5
    longer = database_settings(DATABASE_URL=url + "?connect_timeout=20")
    assert longer["OPTIONS"]["connect_timeout"] == 20


def test_sqlite_waits_for_locks_and_takes_the_write_lock_up_front():
    options = database_settings()["OPTIONS"]
    assert options["timeout"] == 20 and options["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL;" in options["init_command"]


@pytest.mark.django_db
def test_a_query_may_carry_more_parameters_than_server_side_binding_allows():
    """seed_scale updates 100,000 stories by id in one query; PostgreSQL's protocol
    carries at most 65,535 bound parameters. SQLite's own limit is lower still, and
    its ids are only ever this many in the bench's seeding, on PostgreSQL."""
    ids = range(1, (70_000 if connection.vendor == "postgresql" else 30_000) + 1)
    assert Article.objects.filter(pk__in=ids).count() == 0
