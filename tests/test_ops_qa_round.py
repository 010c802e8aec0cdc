"""Operations, QA round: the health check, backup and restore, the file cache,
the privacy purge and the edition's sending."""

import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.file_cache import FileCache
from newsletter.models import Edition, Subscriber
from tests import test_backup
from tests.newsletter import conftest as newsletter
from tests.newsletter.conftest import EDITION, NOW
from tests.test_backup import _add_section, _manage, _run

# Fixtures of other files: a migrated database of the test's own (scripts/backup.py
# runs on it), and the newsletter's frozen clock and stories.
site_database = test_backup.site_database
_migrated_template = test_backup._migrated_template
_collected_static = test_backup._collected_static
clock, newsroom = newsletter.clock, newsletter.newsroom


def _python(code, **env):
    """Run code in a new Python process with the site's settings and these variables."""
    env = {**os.environ, "SECRET_KEY": "test-only", "DJANGO_SETTINGS_MODULE": "evadaily.settings",
           **env}
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)


HEALTHZ = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="localhost")
print(response.status_code, response.content.decode())
"""


def test_healthz_is_503_for_a_database_without_tables(tmp_path):
    """A DATABASE_URL naming a missing SQLite file opens an empty one: every page fails."""
    result = _python(HEALTHZ, DATABASE_URL=f"sqlite:///{tmp_path / 'misnamed.sqlite3'}",
                     CACHE_URL="locmemcache://")
    assert result.stdout.split("\n")[0] == "503 database unavailable", result.stderr


# Backup and restore (scripts/backup.py), with tests/test_backup.py's database and helpers.

SECTIONS = ("from articles.models import Section; "
            "print(sorted(Section.objects.values_list('name', flat=True)))")


def _sections(env):
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", SECTIONS],
                          cwd=settings.BASE_DIR, env=env, check=True, capture_output=True,
                          text=True, timeout=300).stdout.strip().splitlines()[-1]


def _sqlite_file(env):
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture
def sqlite_site(site_database):
    """restore puts a file in place of SQLite's; PostgreSQL uses pg_restore."""
    assert site_database["DATABASE_URL"].startswith("sqlite")
    return site_database


@pytest.mark.sqlite
def test_restore_puts_the_backup_in_place_despite_a_crashed_writers_log(sqlite_site, tmp_path):
    """A plain cp had the log a crash left behind replayed onto the backup."""
    _add_section(sqlite_site, "World")
    target = tmp_path / "backup.dump"
    _run(sqlite_site, "backup", str(target))
    # A writer killed after its commit: the write is only in db-wal, never checkpointed.
    _manage(sqlite_site, "shell", "-c",
            "import os; from articles.models import Section; "
            "Section.objects.create(name='Later', slug='later'); os._exit(0)")
    database = _sqlite_file(sqlite_site)
    assert Path(f"{database}-wal").stat().st_size > 0
    result = _run(sqlite_site, "restore", str(target))
    assert f"Restored {target} into {database}" in result.stdout
    assert _sections(sqlite_site) == "['World']"
    with sqlite3.connect(database) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored.close()


@pytest.mark.sqlite
def test_restore_refuses_while_the_database_is_open(sqlite_site, tmp_path):
    target = tmp_path / "backup.dump"
    _run(sqlite_site, "backup", str(target))
    _add_section(sqlite_site, "Kept")
    worker = sqlite3.connect(_sqlite_file(sqlite_site))  # an idle app server or task worker
    worker.execute("SELECT COUNT(*) FROM articles_section").fetchone()
    try:
        result = _run(sqlite_site, "restore", str(target), check=False)
    finally:
        worker.close()
    assert result.returncode == 1
    assert "is in use: stop the app servers and the task workers first." in result.stderr
    assert _sections(sqlite_site) == "['Kept']"


@pytest.mark.sqlite
def test_restore_refuses_a_file_that_is_no_database_and_leaves_the_site_alone(sqlite_site,
                                                                             tmp_path):
    _add_section(sqlite_site, "Kept")
    garbled = tmp_path / "garbled.dump"
    garbled.write_bytes(b"not a database" * 500)
    result = _run(sqlite_site, "restore", str(garbled), check=False)
    assert result.returncode == 1
    assert f"{garbled} is not a readable SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert _sections(sqlite_site) == "['Kept']"


def test_verify_compares_with_the_counts_recorded_at_backup_time(site_database, tmp_path):
    """A write since the backup is no difference in the backup."""
    _add_section(site_database, "World")
    target = tmp_path / "backup.dump"
    _run(site_database, "backup", str(target))
    _add_section(site_database, "Later")
    result = _run(site_database, "verify", str(target), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all counts equal to the backup's record" in result.stdout


def test_verify_fails_when_the_copy_differs_from_its_record(site_database, tmp_path):
    target = tmp_path / "backup.dump"
    _run(site_database, "backup", str(target))
    record = Path(f"{target}.counts.json")
    counts = json.loads(record.read_text())
    assert counts["articles_section"] == 0
    record.write_text(json.dumps({**counts, "articles_section": 3}))
    result = _run(site_database, "verify", str(target), check=False)
    assert result.returncode == 1
    assert "articles_section: recorded 3, restored 0" in result.stdout


def test_verify_of_an_older_backup_without_a_record_compares_with_the_live_database(
        site_database, tmp_path):
    target = tmp_path / "backup.dump"
    _run(site_database, "backup", str(target))
    Path(f"{target}.counts.json").unlink()
    _add_section(site_database, "Later")
    result = _run(site_database, "verify", str(target), check=False)
    assert result.returncode == 1
    assert "Note: no backup.dump.counts.json" in result.stdout
    assert "articles_section: live 1, restored 0" in result.stdout


@pytest.mark.parametrize("spoil", ["missing", "empty", "text", "truncated"])
def test_verify_of_a_spoiled_backup_says_so_in_one_line(site_database, tmp_path, spoil):
    target = tmp_path / "backup.dump"
    _add_section(site_database, "World")
    _run(site_database, "backup", str(target))
    whole = target.read_bytes()
    if spoil == "missing":
        target.unlink()
    elif spoil == "empty":
        target.write_bytes(b"")
    elif spoil == "text":
        target.write_text("SELECT 1;\n" * 1000)
    else:
        target.write_bytes(whole[:len(whole) // 2])
    result = _run(site_database, "verify", str(target), check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# An unusable file-cache folder is a cache that is away, as an unreachable Redis is.

PAGES = """
import django
django.setup()
from django.test import Client
for path in ("/", "/healthz"):
    response = Client().get(path, HTTP_HOST="localhost")
    print(path, response.status_code, response.content.decode().replace("\\n", "; ")[:200])
"""


def test_a_cache_folder_under_a_regular_file_serves_pages_from_the_database(site_database,
                                                                          tmp_path):
    regular = tmp_path / "a-file"
    regular.write_text("not a folder")
    result = _python(PAGES, **{**site_database, "CACHE_URL": f"filecache://{regular}/cache"})
    lines = result.stdout.splitlines()
    assert lines[0].startswith("/ 200"), result.stdout + result.stderr
    assert lines[1] == "/healthz 200 cache unavailable; security cache unavailable"
    assert result.stderr.count("Cache folder unusable") <= 1  # once for the process


def test_an_unusable_cache_folder_is_an_empty_cache_logged_once(tmp_path, caplog):
    regular = tmp_path / "a-file"
    regular.write_text("not a folder")
    caplog.set_level(logging.WARNING, logger="evadaily.cache")
    store = FileCache(str(regular / "cache"), {})  # the folder cannot be made
    for _ in range(3):  # three requests
        assert store.get("page", "default") == "default"
        assert store.set("page", "x") is None
        assert store.add("lock", 1) is False
        assert store.has_key("page") is False
        assert store.touch("page") is False
        assert store.delete("page") is False
        assert store.get_many(["a", "b"]) == {}
        store.set_many({"a": 1})
        store.clear()
        with pytest.raises(ValueError):
            store.incr("pagecache:state:changes")
    assert [r.getMessage() for r in caplog.records] == [
        "Cache folder unusable: pages come from the database until it is back."]
    assert "Not a directory" in caplog.records[0].error
    caplog.clear()
    regular.unlink()  # the folder can be made again
    store.set("page", "x")
    assert store.get("page") == "x"
    store.set("page", "y")
    assert [r.getMessage() for r in caplog.records] == ["Cache folder usable again."]


# purge_personal_data: tasks a killed worker left running.

def _command(name):
    out = StringIO()
    call_command(name, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_tasks_a_killed_worker_left_running_go_after_7_days(clock):
    now = timezone.now()

    def running(started_days_ago):
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {"to": ["ana@example.org"]}},
            task_path="core.mail.send_email", backend_name="default", run_after=now,
            status="RUNNING", started_at=now - timedelta(days=started_days_ago))

    running(40)
    live = running(2)
    output = _command("purge_personal_data")
    assert "Removed 1 tasks left running by a stopped worker started more than 7 days ago." \
        in output
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {live.pk}


# send_edition: what it says when there is nothing to send.

@pytest.mark.django_db
def test_send_edition_says_a_superseded_edition_sends_nothing(newsroom):
    Subscriber.objects.create(email="daily@example.org", is_daily=True,
                              confirmed_at=NOW - timedelta(days=3))
    # EDITION_TIME was 07:00 this morning, and is 06:00 now.
    Edition.objects.create(scheduled_at=EDITION + timedelta(hours=1))
    assert _command("send_edition") == (
        "The edition of Wednesday, December 2, 2026, 6:00 AM is superseded by the edition "
        "of Wednesday, December 2, 2026, 7:00 AM: nothing to send.")
    assert mail.outbox == [] and Edition.objects.count() == 1


@pytest.mark.django_db
def test_send_edition_says_when_nobody_has_confirmed(newsroom):
    Subscriber.objects.create(email="unconfirmed@example.org", is_daily=True)
    assert _command("send_edition") == ("No confirmed subscribers for the edition of "
                                        "Wednesday, December 2, 2026, 6:00 AM: nothing to send.")
    assert mail.outbox == []
