"""Between tests that commit, PostgreSQL's tables are emptied with DELETE, not TRUNCATE.

After each test that commits (the live-server and browser tests,
transactional_db), pytest-django empties the database with Django's flush,
which on PostgreSQL is one TRUNCATE of every table: about 0.2 s, as each table
and index is given new files. By then the tables hold a few rows, and deleting
them all in the flush's one transaction takes a few milliseconds. Every foreign
key Django makes on PostgreSQL is checked at commit, so the order does not
matter. A flush that resets sequences or cascades is left to Django's TRUNCATE,
and so is SQLite, whose flush deletes already. Used by tests/conftest.py;
tests/test_fast_flush.py checks it.
"""

from django.db.backends.postgresql.operations import DatabaseOperations

# Django's own, for what is not changed, and for tests/test_fast_flush.py.
SQL_FLUSH = DatabaseOperations.sql_flush


def install():
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return SQL_FLUSH(self, style, tables, reset_sequences=reset_sequences,
                             allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} "
                f"{style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
