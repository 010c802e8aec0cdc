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


POSTGRES = "postgres://postgres@127.0.0.1:5432/evadaily"


def test_on_postgresql_queries_are_prepared_unless_turned_off():
    on = database_settings(DATABASE_URL=POSTGRES)
    assert on["OPTIONS"]["server_side_binding"] is True
    assert on["OPTIONS"]["prepare_threshold"] == 1
    assert on["CONN_MAX_AGE"] == 600 and on["CONN_HEALTH_CHECKS"] is True
    off = database_settings(DATABASE_URL=POSTGRES, DATABASE_PREPARED_STATEMENTS="False")
    assert "server_side_binding" not in off.get("OPTIONS", {})
    assert "prepare_threshold" not in off.get("OPTIONS", {})


def test_sqlite_has_no_postgresql_options():
    options = database_settings()["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert options["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_the_second_run_of_a_query_is_planned_once_and_kept():
    """On PostgreSQL the server keeps the plan (pg_prepared_statements); on SQLite,
    which plans in-process, nothing changes."""
    for _ in range(2):
        list(Article.objects.filter(slug="not-a-story").values_list("pk"))
    if connection.vendor != "postgresql":
        assert "server_side_binding" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"articles_article"."slug" = $1' in statement for statement in prepared), prepared
