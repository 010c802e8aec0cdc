"""Back up the database and prove that the backup restores.

    python scripts/backup.py backup FILE    # SQLite online backup, or pg_dump -Fc
    python scripts/backup.py verify FILE    # restore into a scratch copy and compare

`verify` restores FILE into a scratch database (a temporary SQLite file, or
a new PostgreSQL database that is dropped afterwards), checks its integrity
and compares the row count of every table with the live database. It exits
non-zero when anything differs. Uses the same DATABASE_URL as the site.
"""

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

from django.db import connection  # noqa: E402


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


def backup(target):
    settings = connection.settings_dict
    target = Path(target)
    if connection.vendor == "sqlite":
        # The online backup API copies a consistent snapshot while the site runs.
        source = sqlite3.connect(settings["NAME"])
        with sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
    elif connection.vendor == "postgresql":
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target),
                        *_pg_args(settings), settings["NAME"]],
                       check=True, env=_pg_env(settings), timeout=3600)
    else:
        raise SystemExit(f"No backup recipe for {connection.vendor}.")
    print(f"Backed up {connection.vendor} database to {target} "
          f"({target.stat().st_size:,} bytes).")


def _counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def verify(source):
    tables = sorted(connection.introspection.table_names())
    with connection.cursor() as cursor:
        live = _counts(cursor, tables)
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            scratch = Path(folder) / "restored.sqlite3"
            shutil.copyfile(source, scratch)
            with sqlite3.connect(scratch) as restored:
                check = restored.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise SystemExit(f"Integrity check failed: {check}")
                copy = _counts(restored.cursor(), tables)
    elif connection.vendor == "postgresql":
        scratch = f"restore_check_{uuid.uuid4().hex[:12]}"
        env, args = _pg_env(settings), _pg_args(settings)
        subprocess.run(["createdb", *args, scratch], check=True, env=env, timeout=120)
        try:
            subprocess.run(["pg_restore", "--no-owner", "-d", scratch, *args, str(source)],
                           check=True, env=env, timeout=3600)
            import psycopg

            conninfo = {"dbname": scratch, "host": args[1], "port": args[3]}
            if settings.get("USER"):
                conninfo["user"] = settings["USER"]
            if settings.get("PASSWORD"):
                conninfo["password"] = settings["PASSWORD"]
            with psycopg.connect(**conninfo) as restored:
                copy = _counts(restored.cursor(), tables)
        finally:
            subprocess.run(["dropdb", *args, scratch], env=env, timeout=120)
    else:
        raise SystemExit(f"No restore recipe for {connection.vendor}.")
    different = {t: (live[t], copy[t]) for t in tables if live[t] != copy[t]}
    if different:
        for table, (a, b) in different.items():
            print(f"  {table}: live {a}, restored {b}")
        raise SystemExit("The restored copy differs from the live database.")
    print(f"Restore verified: {len(tables)} tables, {sum(copy.values()):,} rows, "
          "all counts equal to the live database.")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("backup", "verify"):
        raise SystemExit(__doc__)
    {"backup": backup, "verify": verify}[argv[1]](argv[2])


if __name__ == "__main__":
    main(sys.argv)
