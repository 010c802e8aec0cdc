"""Migration operations of the project's own.

ConcurrentIndex makes an index the newsroom need not wait for: on PostgreSQL
it is built CONCURRENTLY, so stories, comments and the log can be written
while it is built (Django's AddIndex holds the table's writes meanwhile), and
its migration runs outside a transaction (`atomic = False`), as CONCURRENTLY
requires. It is written in SQL both PostgreSQL and SQLite accept, so it also
serves tables that are not ours to describe in a model's Meta, such as the
admin's log (django_admin_log).
"""

from django.db.migrations.operations.base import Operation


class ConcurrentIndex(Operation):
    """CREATE INDEX name ON table (columns), CONCURRENTLY on PostgreSQL; dropped backwards.

    postgresql_columns, when given, are the columns as PostgreSQL takes them, with an
    operator class for instance ("target varchar_pattern_ops", so that the index serves
    LIKE 'prefix%' as well as equality).
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, name, table, columns, postgresql_columns=None):
        self.name = name
        self.table = table
        self.columns = columns
        self.postgresql_columns = postgresql_columns

    def deconstruct(self):
        kwargs = {"name": self.name, "table": self.table, "columns": self.columns}
        if self.postgresql_columns is not None:
            kwargs["postgresql_columns"] = self.postgresql_columns
        return (self.__class__.__qualname__, [], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        postgresql = schema_editor.connection.vendor == "postgresql"
        columns = (self.postgresql_columns if postgresql and self.postgresql_columns
                   else self.columns)
        concurrently = " CONCURRENTLY" if postgresql else ""
        schema_editor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {self.name} "
                              f"ON {self.table} ({columns})")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {self.name}")

    def describe(self):
        return f"Create index {self.name} on {self.table} ({self.columns}), concurrently"

    @property
    def migration_name_fragment(self):
        return self.name.lower()
