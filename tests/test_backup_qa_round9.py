"""scripts/backup.py, QA round 9: a mistyped SQLite path backed up an empty database it
had made; PostgreSQL's missing or failing client programs ended in a traceback; the
printed pg_restore command destroyed live data on a damaged backup; a restored
database was served the pages kept from before it.
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests import test_backup
from tests.test_backup import _add_section, _run

# Fixtures of tests/test_backup.py: a migrated database of the test's own.
site_database = test_backup.site_database
_migrated_template = test_backup._migrated_template
_collected_static = test_backup._collected_static

# A PostgreSQL server nobody listens for: the script must not get as far as asking it.
NOWHERE = "postgres://evadaily@127.0.0.1:1/evadaily"
PG_PROGRAMS = ("pg_dump", "pg_restore", "createdb", "dropdb")


def _env(**values):
    return {**os.environ, "SECRET_KEY": "test-only", **values}


def _one_line(result):
    """The one line the script stopped with, checked to come alone."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _programs(folder, **scripts):
    """A folder for PATH holding shell scripts under PostgreSQL's client programs' names."""
    folder.mkdir()
    for name, body in scripts.items():
        program = folder / name
        program.write_text(f"#!/bin/sh\n{body}\n")
        program.chmod(0o755)
    return str(folder)


# 5. A SQLite path that names no database: refused, nothing made.

@pytest.mark.parametrize("database", ["missing", "empty"])
def test_backup_of_no_sqlite_database_refuses_and_writes_nothing(tmp_path, database):
    name = tmp_path / "db.sqlit3"  # mistyped
    if database == "empty":
        name.touch()  # what a misnamed site made of it
    target = tmp_path / "backups" / "backup.dump"
    target.parent.mkdir()
    result = _run(_env(DATABASE_URL=f"sqlite:///{name}"), "backup", str(target), check=False)
    line = _one_line(result)
    if database == "missing":
        assert line == (f"There is no SQLite database {name}: check DATABASE_URL. "
                        "Nothing was backed up.")
        assert not name.exists()
    else:
        assert line == (f"{name} holds no tables: it is not the site's database (check "
                        "DATABASE_URL). Nothing was backed up.")
    assert list(target.parent.iterdir()) == []


# 6. One line, not a traceback: a folder that does not exist, a program missing or failing,
# a database that does not answer.

def test_backup_into_a_folder_that_does_not_exist_names_it(site_database, tmp_path):
    target = tmp_path / "nowhere" / "backup.dump"
    line = _one_line(_run(site_database, "backup", str(target), check=False))
    assert line == (f"There is no folder {target.parent} to write backup.dump in: make it "
                    "first, or give another path.")


@pytest.mark.parametrize(("command", "program"), [("backup", "pg_dump"),
                                                  ("verify", "createdb")])
def test_a_missing_client_program_is_named_with_its_package(tmp_path, command, program):
    source = tmp_path / "backup.dump"
    source.write_bytes(b"PGDMP")
    Path(f"{source}.counts.json").write_text('{"articles_section": 0}\n')
    env = _env(DATABASE_URL=NOWHERE, PATH=_programs(tmp_path / "bin"))
    line = _one_line(_run(env, command, str(source), check=False))
    assert line == (f"{program} is not installed (not found on PATH): install Debian's "
                    "postgresql-client package, of the server's major version or newer.")


@pytest.mark.parametrize(("createdb", "said"), [
    ("echo 'createdb: error: database creation failed: ERROR:  permission denied to create "
     "database' >&2; exit 1",
     "createdb could not make the scratch database {scratch} (verify needs a role allowed "
     "to create databases): createdb: error: database creation failed: ERROR:  permission "
     "denied to create database (exit status 1)."),
    ("exit 0", "pg_restore could not restore {source}: it was stopped by signal SIGSEGV, "
               "and it said nothing."),
])
def test_verify_says_how_a_client_program_failed_in_one_line(tmp_path, createdb, said):
    """A corrupt file can crash pg_restore, which then says nothing at all."""
    source = tmp_path / "backup.dump"
    source.write_bytes(b"PGDMP")
    Path(f"{source}.counts.json").write_text('{"articles_section": 0}\n')
    dropped = tmp_path / "dropped"
    # ulimit: no core file of the shell in the project folder.
    path = _programs(tmp_path / "bin", createdb=createdb, pg_restore="ulimit -c 0; kill -SEGV $$",
                     dropdb=f'echo "$@" > {dropped}')
    line = _one_line(_run(_env(DATABASE_URL=NOWHERE, PATH=path), "verify", str(source),
                          check=False))
    scratch = line.split("scratch database ")[-1].split(" ")[0]
    assert line == said.format(scratch=scratch, source=source)
    if createdb == "exit 0":  # the scratch database made is dropped again
        assert dropped.read_text().split()[-1].startswith("restore_check_")


def test_a_database_that_does_not_answer_is_one_line(tmp_path):
    path = _programs(tmp_path / "bin", pg_dump="exit 0")
    env = _env(DATABASE_URL=NOWHERE, PATH=path)
    line = _one_line(_run(env, "backup", str(tmp_path / "backup.dump"), check=False))
    assert line.startswith("The database in DATABASE_URL could not be used: ")
    assert not (tmp_path / "backup.dump").exists()


@pytest.mark.postgresql
def test_pg_dump_failing_is_one_line_with_its_error_and_status(site_database, tmp_path):
    path = _programs(tmp_path / "bin", pg_dump=(
        "echo 'pg_dump: error: query failed: ERROR:  permission denied for table "
        "articles_article' >&2; exit 1"))
    target = tmp_path / "backup.dump"
    result = _run({**site_database, "PATH": path}, "backup", str(target), check=False)
    name = site_database["DATABASE_URL"].rsplit("/", 1)[1]
    assert _one_line(result) == (
        f"pg_dump could not back up {name}: pg_dump: error: query failed: ERROR:  permission "
        "denied for table articles_article (exit status 1).")
    assert not target.exists() and not (tmp_path / ".backup.dump.partial").exists()


# 3. PostgreSQL's restore: verify first, then one transaction, on the site's connection.

def _printed_restore(env, source):
    """The pg_restore command `backup.py restore` prints for PostgreSQL, as arguments."""
    result = _run(env, "restore", str(source), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    return lines, shlex.split(next(line for line in lines if "pg_restore --" in line))


def test_restore_prints_a_safe_pg_restore_command_with_the_sites_connection(tmp_path):
    env = _env(DATABASE_URL="postgres://alice:s3cret@db.example.org:6543/news")
    lines, command = _printed_restore(env, tmp_path / "my backup.dump")
    assert command == ["pg_restore", "--clean", "--if-exists", "--no-owner",
                       "--single-transaction", "--exit-on-error", "-h", "db.example.org",
                       "-p", "6543", "-U", "alice", "-d", "news", str(tmp_path / "my backup.dump")]
    assert "s3cret" not in "\n".join(lines)
    said = "\n".join(lines)
    # Check the backup first; after it, the kept pages go before the servers start.
    assert said.index(" verify ") < said.index("pg_restore --") < said.index(" purge_pages")
    assert shlex.split(lines[1])[1:] == [str(settings.BASE_DIR / "scripts" / "backup.py"),
                                         "verify", str(tmp_path / "my backup.dump")]


def _sections(env):
    code = ("from articles.models import Section; "
            "print(sorted(Section.objects.values_list('name', flat=True)))")
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code],
                          cwd=settings.BASE_DIR, env=env, check=True,
                          capture_output=True, text=True, timeout=300).stdout.strip()


@pytest.mark.postgresql
def test_the_printed_pg_restore_restores_and_a_damaged_backup_changes_nothing(site_database,
                                                                           tmp_path):
    _add_section(site_database, "World")
    source = tmp_path / "backup.dump"
    _run(site_database, "backup", str(source))
    _add_section(site_database, "Later")
    _, command = _printed_restore(site_database, source)

    restored = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr
    assert _sections(site_database).endswith("['World']")

    # A damaged backup: --clean alone dropped the live tables and loaded what it could.
    _add_section(site_database, "Kept")
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(source.read_bytes()[:-200])  # its last table's rows cut short
    failed = subprocess.run([*command[:-1], str(damaged)], capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode != 0
    assert _sections(site_database).endswith("['Kept', 'World']")


@pytest.mark.postgresql
def test_the_printed_pg_restore_into_an_empty_database_reports_no_errors(site_database,
                                                                      tmp_path):
    source = tmp_path / "backup.dump"
    _run(site_database, "backup", str(source))
    empty = f"{site_database['DATABASE_URL'].rsplit('/', 1)[1]}_empty"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", empty], check=True,
                   timeout=60)
    try:
        env = {**site_database, "DATABASE_URL": test_backup._postgres(
            site_database["DATABASE_URL"], empty)}
        _, command = _printed_restore(env, source)
        restored = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert (restored.returncode, restored.stderr) == (0, "")
        assert _sections(env).endswith("[]")
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", empty], timeout=60)


# 2. A restored SQLite database: the pages kept from before it are not served.

PAGES = """
import django
django.setup()
from django.core.cache import caches
from django.test import Client
for _ in range(int({times})):
    print(Client().get("/", HTTP_HOST="localhost")["X-Page-Cache"])
if {limit}:
    caches["security"].set("ratelimit:qa:round9", 7, 3600)
print(caches["security"].get("ratelimit:qa:round9"))
"""


def _pages(env, times, limit=False):
    result = subprocess.run([sys.executable, "-c", PAGES.format(times=times, limit=limit)],
                            cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.sqlite
def test_restore_leaves_no_page_kept_from_before_and_keeps_the_rate_limits(site_database,
                                                                        tmp_path):
    env = {**site_database, "CACHE_URL": f"filecache://{tmp_path / 'cache'}",
           "DJANGO_SETTINGS_MODULE": "evadaily.settings"}
    source = tmp_path / "backup.dump"
    _run(env, "backup", str(source))
    assert _pages(env, 2, limit=True) == ["miss", "hit", "7"]
    result = _run(env, "restore", str(source))
    assert result.stdout.splitlines()[1:] == [
        "Every page the page cache kept is rendered anew on its next request.",
        "Start the app servers and the task workers again."]
    assert _pages(env, 2) == ["miss", "hit", "7"]
