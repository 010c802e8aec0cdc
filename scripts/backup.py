"""Back up the database, prove that the backup restores, and restore it.

    python scripts/backup.py backup FILE    # SQLite online backup, or pg_dump -Fc
    python scripts/backup.py verify FILE    # restore into a scratch copy and compare
    python scripts/backup.py restore FILE   # SQLite: put FILE in place of the database;
                                            # PostgreSQL: say how to, with pg_restore

`backup` also writes FILE.counts.json: the row count of every table in the
backup, counted in the same snapshot the backup copies. `verify` restores
FILE into a scratch database (a temporary SQLite file, or a new PostgreSQL
database that is dropped afterwards), checks its integrity and compares the
row count of every table with that record. A backup without one (made
before the record was kept) is compared with the live database instead, so
a write since the backup shows as a difference. It exits non-zero when
anything differs. Uses the same DATABASE_URL as the site.

`restore` refuses while another process has the SQLite database open (it
can tell in WAL mode, the site's). That proves nothing about the servers:
gunicorn and the task worker close their connection after each request and
each look at the queue, so stop them first. It copies FILE in with SQLite's backup API, which
also settles a write-ahead log left by a crash: a plain `cp` over the
database file would have the log replayed onto the backup. Then it runs
`manage.py purge_pages`, so that no page kept from before is served. For
PostgreSQL it prints the pg_restore command to run instead.

On PostgreSQL it runs pg_dump (backup), and createdb, pg_restore and dropdb
(verify): Debian's postgresql-client package. A program missing or failing
ends the script with one line saying which and why, as does any other
failure it foresees.
"""

import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")

import django  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

try:
    django.setup()
except ImproperlyConfigured as error:
    # A variable set wrong: the line that names it, as manage.py gives it, not a traceback.
    raise SystemExit(f"ImproperlyConfigured: {error}") from None

from django.db import DatabaseError, connection, transaction  # noqa: E402

# Debian's package of pg_dump, pg_restore, createdb and dropdb.
PG_CLIENT_PACKAGE = "postgresql-client"


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


def _needs(*programs):
    """Exit with one line, before anything is done, unless every program is on PATH."""
    for program in programs:
        if shutil.which(program) is None:
            raise SystemExit(_not_installed(program))


def _not_installed(program):
    return (f"{program} is not installed (not found on PATH): install Debian's "
            f"{PG_CLIENT_PACKAGE} package, of the server's major version or newer.")


def _pg_run(args, env, timeout, doing):
    """Run one of PostgreSQL's client programs; exit with one line if it is missing or fails.

    doing: what it was asked to do, for that line ("restore backup.dump").
    """
    try:
        done = subprocess.run(args, env=env, timeout=timeout, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(_not_installed(args[0])) from None
    except subprocess.TimeoutExpired:
        raise SystemExit(f"{args[0]} did not {doing} within {timeout:,} seconds.") from None
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} could not {doing}: {_failure(done)}")
    sys.stderr.write(done.stderr)  # warnings, if it gave any
    return done


def _failure(done):
    """How a program failed, in one line: its first error, and its exit status or signal."""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    said = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    if done.returncode < 0:
        try:
            how = f"it was stopped by signal {signal.Signals(-done.returncode).name}"
        except ValueError:
            how = f"it was stopped by signal {-done.returncode}"
    else:
        how = f"exit status {done.returncode}"
    return f"{said} ({how})." if said else f"{how}, and it said nothing."


def _folder_of(target):
    """Exit with one line unless the folder target is to be written in exists."""
    folder = target.parent
    if not folder.is_dir():
        raise SystemExit(f"There is no folder {folder} to write {target.name} in: make it "
                         "first, or give another path.")


def _partial(target):
    """Where target is written until it is whole: a failed backup leaves no file of its name."""
    return target.with_name(f".{target.name}.partial")


def _record_path(target):
    return Path(f"{target}.counts.json")


def _live_tables():
    return sorted(connection.introspection.table_names())


def backup(target):
    settings = connection.settings_dict
    target = Path(target)
    if connection.vendor not in ("sqlite", "postgresql"):
        raise SystemExit(f"No backup recipe for {connection.vendor}.")
    _folder_of(target)
    partial = _partial(target)
    if connection.vendor == "sqlite":
        counts = _backup_sqlite(settings["NAME"], partial)
    else:
        _needs("pg_dump")
        # Counted in the snapshot pg_dump copies (exported from this transaction).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, _live_tables())
            try:
                _pg_run(["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}",
                         "-f", str(partial), *_pg_args(settings), settings["NAME"]],
                        _pg_env(settings), 3600, f"back up {settings['NAME']}")
            except SystemExit:
                partial.unlink(missing_ok=True)
                raise
    partial.replace(target)
    _record_path(target).write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    print(f"Backed up {connection.vendor} database to {target} "
          f"({target.stat().st_size:,} bytes); its row counts are in {_record_path(target)}.")


def _backup_sqlite(name, partial):
    """Copy the SQLite database name into partial; the row count of each of its tables."""
    try:
        # Read-only: a plain connect() makes an empty database of a mistyped or
        # missing path, and its backup reported success.
        source = sqlite3.connect(_read_only(name), uri=True)
    except sqlite3.OperationalError as error:
        if not Path(name).exists():
            raise SystemExit(f"There is no SQLite database {name}: check DATABASE_URL. "
                             "Nothing was backed up.") from None
        raise SystemExit(f"Cannot open the SQLite database {name}: {error}.") from None
    try:
        # The online backup API copies a consistent snapshot while the site runs.
        with sqlite3.connect(partial) as copy:
            source.backup(copy)
            tables = [row[0] for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            counts = _counts(copy.cursor(), tables)
        copy.close()
    except sqlite3.DatabaseError as error:
        partial.unlink(missing_ok=True)
        raise SystemExit(f"{name} is not a readable SQLite database: {error}. "
                         "Nothing was backed up.") from None
    finally:
        source.close()
    if not tables:
        partial.unlink()
        raise SystemExit(f"{name} holds no tables: it is not the site's database (check "
                         "DATABASE_URL). Nothing was backed up.")
    return counts


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
        _needs("createdb", "pg_restore", "dropdb")
        scratch = f"restore_check_{uuid.uuid4().hex[:12]}"
        env, args = _pg_env(settings), _pg_args(settings)
        _pg_run(["createdb", *args, scratch], env, 120,
                f"make the scratch database {scratch} (verify needs a role allowed to "
                "create databases)")
        try:
            _pg_run(["pg_restore", "--no-owner", "-d", scratch, *args, str(source)],
                    env, 3600, f"restore {source}")
            import psycopg

            conninfo = {"dbname": scratch, "host": args[1], "port": args[3]}
            if settings.get("USER"):
                conninfo["user"] = settings["USER"]
            if settings.get("PASSWORD"):
                conninfo["password"] = settings["PASSWORD"]
            try:
                with psycopg.connect(**conninfo) as restored:
                    cursor = restored.cursor()
                    cursor.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    present = {row[0] for row in cursor.fetchall()}
                    copy = _counts(cursor, [t for t in tables if t in present])
            except psycopg.Error as error:
                raise SystemExit(f"Could not read the restored copy in {scratch}: "
                                 f"{_first_line(error)}") from None
        finally:
            try:
                _pg_run(["dropdb", *args, scratch], env, 120,
                        f"drop the scratch database {scratch}")
            except SystemExit as error:
                print(f"{error} Drop it by hand.", file=sys.stderr)
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


def _run_line(script, *args):
    """How to run script (in the project folder) with this Python, as a shell line."""
    return shlex.join([sys.executable, str(BASE_DIR / script), *map(str, args)])


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def pg_restore_command(settings, source):
    """The pg_restore command that puts source in place of the database in settings.

    One transaction that stops at the first error, so that a damaged backup
    leaves the database as it was: without them, --clean dropped the live
    tables, the damaged copy failed to load, and the errors were only
    counted. --if-exists: restored into an empty database, it reports no
    error for each table there is nothing to drop.
    """
    return shlex.join(["pg_restore", "--clean", "--if-exists", "--no-owner",
                       "--single-transaction", "--exit-on-error", *_pg_args(settings),
                       "-d", settings["NAME"], str(source)])


def restore(source):
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        password = ("; it asks for DATABASE_URL's password unless PGPASSWORD is set"
                    if settings.get("PASSWORD") else "")
        raise SystemExit(
            "For PostgreSQL, restore with pg_restore. Check the backup first:\n"
            f"  {_run_line('scripts/backup.py', 'verify', source)}\n"
            "then stop the app servers and the task workers, and run these (pg_restore works "
            f"in one transaction: on an error it changes nothing{password}):\n"
            f"  {pg_restore_command(settings, source)}\n"
            f"  {_run_line('manage.py', 'purge_pages')}\n"
            "then start the app servers and the task workers again.")
    if connection.vendor != "sqlite":
        raise SystemExit(f"No restore recipe for {connection.vendor}.")
    _readable(source)
    with tempfile.TemporaryDirectory() as folder:
        # Read from a copy, as verify does: SQLite opens a backup in WAL mode (as the
        # site's are) only where it may write the -shm and -wal files beside it, so a
        # backup on a read-only disk or in another user's folder verified and then
        # failed to restore, and one restored where it lay had those files left by it.
        copy = Path(folder) / "backup.sqlite3"
        shutil.copyfile(source, copy)
        rows = _restore_sqlite(settings, copy, source)
    print(f"Restored {source} into {settings['NAME']} ({rows:,} rows).")
    _purge_pages()
    print("Start the app servers and the task workers again.")


def _restore_sqlite(settings, copy, source):
    """Put the SQLite database copy (of the backup source) in place of the site's; its rows."""
    _check_sqlite(copy, source)  # before the database is touched
    target = sqlite3.connect(settings["NAME"], timeout=0)
    try:
        # Leaving WAL mode needs every other connection closed, idle ones too,
        # so this tells whether anything has the database open now. Only now:
        # gunicorn and the task worker close theirs after each request and each
        # look at the queue, so they must be stopped first. It also folds a
        # crash's leftover log into the file and removes it, so nothing is
        # replayed onto the restored pages.
        try:
            mode = target.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            mode = None
        if mode != "delete":
            raise SystemExit(f"{settings['NAME']} is in use: stop the app servers and the "
                             "task workers first.")
        with sqlite3.connect(_read_only(copy), uri=True) as backup_copy:
            backup_copy.backup(target)
            rows = sum(_counts(backup_copy.cursor(), [row[0] for row in backup_copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]).values())
        backup_copy.close()
    finally:
        target.close()
    return rows


def _purge_pages():
    """manage.py purge_pages: the pages kept before show rows the restored database may
    not hold, and nothing else tells the page cache or the edge caches so."""
    from django.core.management import call_command

    try:
        call_command("purge_pages")
    except Exception as error:  # the restore is done: say what is left to do, in one line
        raise SystemExit(f"The kept pages could not be purged ({type(error).__name__}: "
                         f"{_first_line(error)}): run `{_run_line('manage.py', 'purge_pages')}` "
                         "before starting the app servers.") from None


COMMANDS = {"backup": backup, "verify": verify, "restore": restore}


def main(argv):
    if argv[1:] in (["-h"], ["--help"], ["help"]):
        print(__doc__)
        return
    if len(argv) != 3 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    try:
        COMMANDS[argv[1]](argv[2])
    except DatabaseError as error:  # the database in DATABASE_URL did not answer
        raise SystemExit(f"The database in DATABASE_URL could not be used: "
                         f"{_first_line(error)}") from None


if __name__ == "__main__":
    main(sys.argv)
