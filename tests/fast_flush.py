"""Between tests that commit, the tables are emptied quickly, and the rows every flush would
only make again are left in place.

After each test that commits (the live-server and browser tests,
transactional_db), pytest-django empties the database with Django's flush,
then sends post_migrate, as `migrate` does:

- On PostgreSQL, Django's flush is one TRUNCATE of every table: about 0.2 s, as
  each table and index is given new files. By then the tables hold a few rows,
  and deleting them all in the flush's one transaction takes a few
  milliseconds. Every foreign key Django makes on PostgreSQL is checked at
  commit, so the order does not matter. A flush that resets sequences or
  cascades is left to Django's TRUNCATE. SQLite's flush deletes already.
- On either database, the content types and the permissions (KEPT) are not
  emptied. post_migrate makes exactly these rows from the models, and making
  them again (some 400 permissions) took about 0.1 s after every such test;
  finding them all there takes a few reads. Nothing in the suite changes
  them, and were one missing, post_migrate would make it again.

Used by tests/conftest.py; tests/test_fast_flush.py checks it.
"""

from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQL
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

SQLite = SQLiteWrapper.ops_class  # its operations module is imported by its base

# Django's own, for what is not changed, and for tests/test_fast_flush.py.
SQL_FLUSH = PostgreSQL.sql_flush
SQLITE_FLUSH = SQLite.sql_flush

# Tables whose rows post_migrate makes again after every flush, the same each time.
KEPT = frozenset({"django_content_type", "auth_permission"})


def install():
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        tables = [table for table in tables if table not in KEPT]
        if reset_sequences or allow_cascade:
            return SQL_FLUSH(self, style, tables, reset_sequences=reset_sequences,
                             allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} "
                f"{style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    def sqlite_flush(self, style, tables, **options):
        return SQLITE_FLUSH(self, style, [table for table in tables if table not in KEPT],
                            **options)

    PostgreSQL.sql_flush = sql_flush
    SQLite.sql_flush = sqlite_flush
