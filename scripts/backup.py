"""Back up the database, prove that the backup restores, and restore it.

    python scripts/backup.py backup FILE    # SQLite online backup, or pg_dump -Fc
    python scripts/backup.py verify FILE    # restore into a scratch copy and compare
    python scripts/backup.py restore FILE   # SQLite: put FILE in place of the database

`backup` also writes FILE.counts.json: the row count of every table in the
backup, counted in the same snapshot the backup copies. `verify` restores
FILE into a scratch database (a temporary SQLite file, or a new PostgreSQL
database that is dropped afterwards), checks its integrity and compares the
row count of every table with that record. A backup without one (made
before the record was kept) is compared with the live database instead, so
a write since the backup shows as a difference. It exits non-zero when
anything differs. Uses the same DATABASE_URL as the site.

`restore` refuses while another process has the SQLite database open (it
can tell in WAL mode, the site's), and copies FILE in with SQLite's backup
API, which also settles a write-ahead log left by a crash: a plain `cp`
over the database file would have the log replayed onto the backup.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402


def _pg_args(settings):
    args = ["-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
    if settings.get("USER"):
        args += ["-U", settings["USER"]]
    return args


def _pg_env(settings):
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def _record_path(target):
    return Path(f"{target}.counts.json")


def _live_tables():
    return sorted(connection.introspection.table_names())


def backup(target):
    settings = connection.settings_dict
    target = Path(target)
    if connection.vendor == "sqlite":
        # The online backup API copies a consistent snapshot while the site runs.
        source = sqlite3.connect(settings["NAME"])
        with sqlite3.connect(target) as copy:
            source.backup(copy)
            tables = [row[0] for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            counts = _counts(copy.cursor(), tables)
        copy.close()
        source.close()
    elif connection.vendor == "postgresql":
        # Counted in the snapshot pg_dump copies (exported from this transaction).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, _live_tables())
            subprocess.run(["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}",
                            "-f", str(target), *_pg_args(settings), settings["NAME"]],
                           check=True, env=_pg_env(settings), timeout=3600)
    else:
        raise SystemExit(f"No backup recipe for {connection.vendor}.")
    _record_path(target).write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    print(f"Backed up {connection.vendor} database to {target} "
          f"({target.stat().st_size:,} bytes); its row counts are in {_record_path(target)}.")


def _counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _expected_counts(source):
    """(counts the copy must hold, their source): the backup's record, or the live database."""
    try:
        return json.loads(_record_path(source).read_text()), "the backup's record"
    except FileNotFoundError:
        print(f"Note: no {_record_path(source).name} (a backup made before row counts were "
              "recorded): comparing with the live database, so a write since the backup "
              "shows as a difference.")
    with connection.cursor() as cursor:
        return _counts(cursor, _live_tables()), "the live database"


def _read_only(path):
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def _check_sqlite(path, name):
    """Exit with one line unless path holds a sound SQLite database; else its table names."""
    try:
        with sqlite3.connect(_read_only(path), uri=True) as copy:
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        copy.close()
    except sqlite3.DatabaseError as error:
        raise SystemExit(f"{name} is not a readable SQLite database: {error}.") from None
    if check != "ok":
        raise SystemExit(f"Integrity check of {name} failed: {check}")
    if not tables:
        raise SystemExit(f"{name} holds no tables: it is not a backup of the site.")
    return tables


def _readable(source):
    if not Path(source).is_file():
        raise SystemExit(f"No backup file {source}.")


def verify(source):
    _readable(source)
    expected, against = _expected_counts(source)
    tables = sorted(expected)
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            scratch = Path(folder) / "restored.sqlite3"
            shutil.copyfile(source, scratch)
            present = _check_sqlite(scratch, source)
            with sqlite3.connect(scratch) as restored:
                copy = _counts(restored.cursor(), [t for t in tables if t in present])
            restored.close()
    elif connection.vendor == "postgresql":
        scratch = f"restore_check_{uuid.uuid4().hex[:12]}"
        env, args = _pg_env(settings), _pg_args(settings)
        subprocess.run(["createdb", *args, scratch], check=True, env=env, timeout=120)
        try:
            restoring = subprocess.run(
                ["pg_restore", "--no-owner", "-d", scratch, *args, str(source)],
                env=env, timeout=3600, capture_output=True, text=True)
            if restoring.returncode != 0:
                first = (restoring.stderr.strip().splitlines() or ["no message"])[0]
                raise SystemExit(f"pg_restore could not restore {source}: {first}")
            import psycopg

            conninfo = {"dbname": scratch, "host": args[1], "port": args[3]}
            if settings.get("USER"):
                conninfo["user"] = settings["USER"]
            if settings.get("PASSWORD"):
                conninfo["password"] = settings["PASSWORD"]
            with psycopg.connect(**conninfo) as restored:
                cursor = restored.cursor()
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                present = {row[0] for row in cursor.fetchall()}
                copy = _counts(cursor, [t for t in tables if t in present])
        finally:
            subprocess.run(["dropdb", *args, scratch], env=env, timeout=120)
    else:
        raise SystemExit(f"No restore recipe for {connection.vendor}.")
    different = {t: (expected[t], copy.get(t, "no table")) for t in tables
                 if expected[t] != copy.get(t)}
    if different:
        name = "live" if against == "the live database" else "recorded"
        for table, (a, b) in different.items():
            print(f"  {table}: {name} {a}, restored {b}")
        raise SystemExit(f"The restored copy differs from {against}.")
    print(f"Restore verified: {len(tables)} tables, {sum(copy.values()):,} rows, "
          f"all counts equal to {against}.")


def restore(source):
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        raise SystemExit(
            "For PostgreSQL, stop the app servers and the task workers, then run:\n"
            f"  pg_restore --clean --no-owner -d {settings['NAME']} {source}")
    if connection.vendor != "sqlite":
        raise SystemExit(f"No restore recipe for {connection.vendor}.")
    _readable(source)
    _check_sqlite(source, source)  # before the database is touched
    target = sqlite3.connect(settings["NAME"], timeout=0)
    try:
        # Leaving WAL mode needs every other connection closed, idle ones too
        # (gunicorn keeps its own open), so this tells whether anything uses
        # the database. It also folds a crash's leftover log into the file and
        # removes it, so nothing is replayed onto the restored pages.
        try:
            mode = target.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            mode = None
        if mode != "delete":
            raise SystemExit(f"{settings['NAME']} is in use: stop the app servers and the "
                             "task workers first.")
        with sqlite3.connect(_read_only(source), uri=True) as backup_copy:
            backup_copy.backup(target)
            rows = sum(_counts(backup_copy.cursor(), [row[0] for row in backup_copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]).values())
        backup_copy.close()
    finally:
        target.close()
    print(f"Restored {source} into {settings['NAME']} ({rows:,} rows). "
          "Start the app servers and the task workers again.")


COMMANDS = {"backup": backup, "verify": verify, "restore": restore}


def main(argv):
    if len(argv) != 3 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    COMMANDS[argv[1]](argv[2])


if __name__ == "__main__":
    main(sys.argv)
