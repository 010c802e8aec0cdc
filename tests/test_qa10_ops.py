"""Operations, QA round 10: running the site for years as README tells an operator.

A `.env` saved by an editor with a byte order mark or in another encoding, or
a folder in its place, stopped start-up with a traceback or a line that did
not say why; a sender address with its angle brackets forgotten was taken as
it was and refused by mail servers; scripts/backup.py met a wrong variable with
a traceback; and a SQLite backup restored where it lay needed its folder
writable and left SQLite's -wal and -shm files beside it.
"""

import json
import os
import runpy
import socket
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import env as read
from tests import test_backup
from tests.test_backup import _run
from tests.test_ops_qa_round2 import _refused
from tests.security.test_deploy import manage

site_database = test_backup.site_database
_migrated_template = test_backup._migrated_template
_collected_static = test_backup._collected_static


# 1. .env as editors save it.

def test_a_dotenv_file_with_a_byte_order_mark_reads_its_first_line(tmp_path, monkeypatch):
    monkeypatch.delenv("DOTENV_BOM", raising=False)
    (tmp_path / ".env").write_bytes(b"\xef\xbb\xbfDOTENV_BOM=on\nDOTENV_NEXT=1\n")
    read.dotenv(tmp_path / ".env")
    assert os.environ["DOTENV_BOM"] == "on"
    monkeypatch.delenv("DOTENV_BOM")
    monkeypatch.delenv("DOTENV_NEXT")


def test_a_dotenv_file_not_in_utf8_names_the_line(tmp_path, monkeypatch):
    monkeypatch.delenv("DOTENV_LATIN", raising=False)
    (tmp_path / ".env").write_bytes(b"# settings\nDOTENV_LATIN=caf\xe9\n")
    with pytest.raises(ImproperlyConfigured, match=r", line 2: not UTF-8 \(save the file as "
                                                   r"UTF-8\)\.$"):
        read.dotenv(tmp_path / ".env")


def test_a_dotenv_that_cannot_be_read_is_one_line(tmp_path):
    (tmp_path / ".env").mkdir()
    with pytest.raises(ImproperlyConfigured, match=r"\.env cannot be read: Is a directory\.$"):
        read.dotenv(tmp_path / ".env")


# 2. Addresses: the sender every email carries, and the one About gives readers.

@pytest.mark.parametrize("value", ["EVA DAILY newsroom@evadaily.news", "newsroom",
                                   "newsroom@evadaily.news>", "EVA DAILY <newsroom>",
                                   "news room@evadaily.news"])
def test_a_sender_that_is_no_address_stops_start_up(tmp_path, value):
    line = _refused(manage("check", tmp_path=tmp_path, DEFAULT_FROM_EMAIL=value))
    assert line == (f"DEFAULT_FROM_EMAIL: {value!r} is not an email address such as "
                    "EVA DAILY <newsroom@news.example.org>.")


@pytest.mark.parametrize("value", ["EVA DAILY <newsroom@evadaily.news>",
                                   "newsroom@evadaily.news", '"EVA, Daily" <n@evadaily.news>'])
def test_a_sender_with_or_without_a_name_is_taken(value, monkeypatch):
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", value)
    assert read.email_address("DEFAULT_FROM_EMAIL", "x", named=True) == value


@pytest.mark.parametrize("value", ["EVA DAILY <desk@evadaily.news>", "desk at evadaily.news"])
def test_the_newsroom_address_is_an_address_alone(tmp_path, value):
    line = _refused(manage("check", tmp_path=tmp_path, NEWSROOM_EMAIL=value))
    assert line == (f"NEWSROOM_EMAIL: {value!r} is not an email address such as "
                    "newsroom@news.example.org.")


# 3. scripts/backup.py

def test_backup_with_a_variable_set_wrong_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "scripts/backup.py", "backup", str(tmp_path / "b.dump")],
        cwd=test_backup.settings.BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "SECRET_KEY": "test-only", "HTTPS": "ture"})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == (
        "ImproperlyConfigured: HTTPS: 'ture' is not true or false (or 1/0, yes/no, on/off).")
    assert not (tmp_path / "b.dump").exists()


@pytest.mark.sqlite
def test_restore_reads_a_sqlite_backup_without_writing_beside_it(site_database, tmp_path):
    """SQLite opens a database in WAL mode (a backup of the site's is) only where it may
    write its -shm and -wal files: a backup in a folder the restoring user may not write
    (a read-only backup disk) verified, then failed to restore."""
    folder = tmp_path / "backups"
    folder.mkdir()
    source = folder / "backup.dump"
    _run(site_database, "backup", str(source))
    before = source.read_bytes()
    result = _run(site_database, "restore", str(source))
    assert "Restored" in result.stdout, result.stdout + result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["backup.dump",
                                                        "backup.dump.counts.json"]
    assert source.read_bytes() == before


# 4. gunicorn's own variables, read by gunicorn.conf.py before anything else.

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("name", "value", "what"), [
    ("GUNICORN_WORKERS", "abc", "a whole number of 1 or more, e.g. 4"),
    ("GUNICORN_WORKERS", "1.5", "a whole number of 1 or more, e.g. 4"),
    ("GUNICORN_WORKERS", "0", "a whole number of 1 or more, e.g. 4"),  # listened, answered none
    ("GUNICORN_THREADS", "abc", "a whole number of 1 or more, e.g. 4"),
    ("GUNICORN_THREADS", "0", "a whole number of 1 or more, e.g. 4"),
    ("GUNICORN_BIND", "127.0.0.1:99999", "an address such as 127.0.0.1:8000, 0.0.0.0:8000 "
                                         "or unix:/run/evadaily.sock"),
    ("GUNICORN_BIND", "0.0.0.0 8000", "an address such as 127.0.0.1:8000, 0.0.0.0:8000 "
                                      "or unix:/run/evadaily.sock"),
])
def test_a_gunicorn_variable_set_wrong_stops_it_in_one_line(name, value, what):
    env = {**os.environ, "SECRET_KEY": "test-only", "GUNICORN_WORKERS": "1",
           "GUNICORN_BIND": f"127.0.0.1:{_free_port()}", name: value}
    try:
        result = subprocess.run([sys.executable, "-m", "gunicorn", "evadaily.wsgi"],
                                cwd=test_backup.settings.BASE_DIR, env=env, capture_output=True,
                                text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn kept running with {name}={value!r}")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"{name}: {value!r} is not {what}."


@pytest.mark.parametrize("bind", ["127.0.0.1:8000", "[::]:8000", "unix:/run/evadaily.sock"])
def test_gunicorn_takes_an_address_with_its_port_or_a_socket(monkeypatch, bind):
    monkeypatch.setenv("GUNICORN_BIND", bind)
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    config = runpy.run_path(str(test_backup.settings.BASE_DIR / "gunicorn.conf.py"))
    assert config["bind"] == [bind]


# 5. purge_pages while the page cache cannot be reached.

PURGE_FAILED = ("CommandError: The page cache (CACHE_URL) could not be reached, so no page was "
                "purged: run purge_pages again once it answers (/healthz says when), before "
                "the app servers start.")


@pytest.mark.parametrize("where", ["redis", "folder"])
def test_purge_pages_says_when_the_page_cache_took_nothing(tmp_path, where):
    """It said every page would be rendered anew and exited 0: the stamp, lost with the
    process, never reached the cache, which served the pages from before the restore."""
    blocker = tmp_path / "a file"
    blocker.write_text("")
    cache = {"redis": f"redis://127.0.0.1:{_free_port()}/1",
             "folder": f"filecache://{blocker / 'cache'}"}[where]
    result = manage("purge_pages", tmp_path=tmp_path, CACHE_URL=cache,
                    SECURITY_CACHE_URL="locmemcache://security")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == PURGE_FAILED
    assert "Traceback" not in result.stderr


def test_purge_pages_on_a_page_cache_that_answers(tmp_path):
    result = manage("purge_pages", tmp_path=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (
        0, "Every page the page cache kept is rendered anew on its next request."), result.stderr


# 6. Commands run from cron while the database is away.

@pytest.mark.parametrize("command", [["send_edition"], ["purge_personal_data"],
                                     ["export_transparency", "--month", "2026-11"]])
def test_a_command_says_in_one_line_that_the_database_is_away(tmp_path, command):
    result = manage(*command, tmp_path=tmp_path,
                    DATABASE_URL=f"postgres://evadaily@127.0.0.1:{_free_port()}/evadaily")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().startswith(
        "The database in DATABASE_URL could not be reached: connection failed: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_sqlite_database_that_cannot_be_opened_is_one_line(tmp_path):
    result = manage("purge_personal_data", tmp_path=tmp_path,
                    DATABASE_URL=f"sqlite:///{tmp_path / 'no folder' / 'db.sqlite3'}")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == ("The database in DATABASE_URL could not be reached: "
                                     "unable to open database file")


def test_a_wrong_query_with_the_database_there_keeps_its_traceback(tmp_path):
    code = "from django.db import connection; connection.cursor().execute('SELECT nothing')"
    result = manage("shell", "-c", code, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "could not be reached" not in result.stderr


# 7. Upgrading while the previous release still serves (README: migrations are written
# for that, a new required column with a default in the database too).

@pytest.mark.django_db
def test_a_story_written_by_code_before_articles_0022_is_accepted():
    """Servers not yet restarted insert stories without search_text_differs: NOT NULL
    with no default in the database (Django drops the one it adds the column with)
    made every story saved in the newsroom meanwhile an IntegrityError, a 500."""
    from django.db import connection

    from articles.models import Article
    from tests.factories import ArticleFactory

    story = ArticleFactory()
    fields = [field for field in Article._meta.concrete_fields
              if field.name not in ("id", "search_text_differs")]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(getattr(story, field.attname), connection)
              for field in fields]
    values[[f.name for f in fields].index("slug")] = "written-by-the-previous-release"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(Article._meta.db_table)} "
                       f"({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)
    assert Article.objects.get(slug="written-by-the-previous-release").search_text_differs \
        is False


# Columns added NOT NULL without a database default before this was checked, and deployed
# long since; any other is refused, so the next one cannot make the same mistake.
ADDED_BEFORE = {("articles", "0009_image_is_illustration", "article", "image_is_illustration"),
                ("articles", "0009_image_is_illustration", "historicalarticle",
                 "image_is_illustration")}


def test_every_required_column_a_migration_adds_has_a_default_in_the_database():
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import AddField
    from django.db.models import NOT_PROVIDED

    ours = {"accounts", "articles", "authors", "comments", "newsletter", "pages", "standards"}
    loader = MigrationLoader(None, ignore_no_migrations=True)  # the files, not the database
    without = {(app, name, operation.model_name, operation.name)
               for (app, name), migration in loader.disk_migrations.items()
               if app in ours and not name.startswith("0001")
               for operation in migration.operations
               if isinstance(operation, AddField) and not operation.field.many_to_many
               and not operation.field.null and operation.field.db_default is NOT_PROVIDED}
    assert without == ADDED_BEFORE


# 8. Error lines name a request by its route: paths carry keys.

@pytest.fixture
def console():
    """What the site's console handler writes, one JSON object a line."""
    import io
    import logging

    from core.logs import JsonFormatter

    [handler] = [handler for handler in logging.getLogger().handlers
                 if isinstance(handler.formatter, JsonFormatter)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


RESET = "/accounts/reset/MQ/cz3k2b-0f1e2d3c4b5a69788796a5b4c3d2e1f0/"


@pytest.mark.django_db
def test_a_failed_requests_line_names_its_route_not_a_reset_token(client, console,
                                                                   monkeypatch):
    """While the database was away, each password-reset link opened wrote its token
    (a key to the account for days) into the error log; a newsletter link its key."""
    from django.contrib.auth import views as auth_views
    from django.db import OperationalError

    def away(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(auth_views.PasswordResetConfirmView, "dispatch", away)
    client.raise_request_exception = False
    assert client.get(RESET).status_code in (500, 503)
    [line] = [line for line in console() if line["logger"] == "django.request"]
    assert line["message"].endswith(": /accounts/reset/<uidb64>/<token>/")
    assert "cz3k2b" not in json.dumps(line)


@pytest.mark.django_db
def test_a_csrf_refusal_names_the_newsletter_links_route(console):
    from django.test import Client

    key = "NTQ:1tS3cReTkEy:pr3fs"
    assert Client(enforce_csrf_checks=True).post(
        f"/newsletter/preferences/{key}/", {"is_daily": "on"}).status_code == 403
    [line] = [line for line in console() if line["logger"] == "django.security.csrf"]
    assert line["message"].endswith(": /newsletter/preferences/<str:token>/")
    assert key not in json.dumps(line)


def test_a_path_no_route_matches_is_left_as_it_is():
    from django.test import RequestFactory

    from core.logs import with_route

    request = RequestFactory().get("/no/such/page/")
    assert with_route("Not Found: /no/such/page/", request) == "Not Found: /no/such/page/"
    assert with_route("no path here", None) == "no path here"


# 9. A URL refused at start-up never shows its password, whatever it holds.

@pytest.mark.parametrize(("variable", "url", "shown"), [
    ("DATABASE_URL", "postgres://evadaily:s3cr@tPart2@127.0.0.1:99999/evadaily",
     "postgres://evadaily:***@127.0.0.1:99999/evadaily"),
    ("CACHE_URL", "redis://:pa@ss:word@127.0.0.1:99999/1", "redis://:***@127.0.0.1:99999/1"),
])
def test_a_password_with_an_at_sign_is_hidden_whole(monkeypatch, variable, url, shown):
    monkeypatch.setenv(variable, url)
    reader = read.database if variable == "DATABASE_URL" else read.cache
    with pytest.raises(ImproperlyConfigured) as refused:
        reader(variable, None)
    assert str(refused.value).startswith(f"{variable}: {shown!r} is not a URL such as ")
    assert "tPart2" not in str(refused.value) and "ss:word" not in str(refused.value)


# 10. MEDIA_STORAGE=s3 on a machine without the s3 extra.

CHECK_WITH = """
import importlib.util, runpy, sys
real = importlib.util.find_spec
installed = {installed!r}
importlib.util.find_spec = lambda name, *args: (
    (object() if installed else None) if name in ("storages", "boto3") else real(name, *args))
sys.argv = ["manage.py", "check"]
runpy.run_path("manage.py", run_name="__main__")
"""


def _check_s3(tmp_path, installed, **variables):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SECRET_KEY": "test-only",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CACHE_URL": f"filecache://{tmp_path / 'cache'}", "MEDIA_STORAGE": "s3",
           "MEDIA_BUCKET": "evadaily-media", **variables}
    return subprocess.run([sys.executable, "-c", CHECK_WITH.format(installed=installed)],
                          cwd=test_backup.settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


def test_s3_media_without_the_s3_extra_stops_start_up(tmp_path):
    """Every page with a picture was a 500 (no module named 'storages') while `check` and
    /healthz said all was well."""
    result = _check_s3(tmp_path, installed=False)
    assert _refused(result) == ('MEDIA_STORAGE=s3 needs the s3 extra, and storages and boto3 '
                                'are not installed: pip install ".[s3]".')


def test_an_s3_endpoint_that_is_no_address_stops_start_up(tmp_path):
    result = _check_s3(tmp_path, installed=True, MEDIA_ENDPOINT_URL="minio.internal:9000")
    assert _refused(result) == ("MEDIA_ENDPOINT_URL: 'minio.internal:9000' is not an address "
                                "such as https://s3.example.org (not an http:// or https:// "
                                "URL).")
    assert _check_s3(tmp_path, installed=True,
                     MEDIA_ENDPOINT_URL="http://minio.internal:9000").returncode == 0


@pytest.mark.django_db
def test_purge_personal_data_says_nothing_with_verbosity_0():
    # Cron mails whatever a job prints: four lines every night were mail no one reads.
    import io

    from django.core.management import call_command
    quiet, said = io.StringIO(), io.StringIO()
    call_command("purge_personal_data", verbosity=0, stdout=quiet)
    call_command("purge_personal_data", stdout=said)
    assert quiet.getvalue() == ""
    assert said.getvalue().startswith("Removed ")


@pytest.mark.parametrize("asked", [["--help"], ["-h"], ["help"]])
def test_backup_script_help_is_its_usage_and_success(asked):
    result = test_backup._run({**os.environ, "SECRET_KEY": "test-only"}, *asked, check=False)
    assert result.returncode == 0, result.stderr
    assert "python scripts/backup.py verify FILE" in result.stdout
    wrong = test_backup._run({**os.environ, "SECRET_KEY": "test-only"}, "bakup", "x",
                             check=False)
    assert wrong.returncode == 1 and "python scripts/backup.py verify FILE" in wrong.stderr
