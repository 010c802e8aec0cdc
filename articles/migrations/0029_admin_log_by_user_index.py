"""An index on the admin's log (django_admin_log) by account, newest last.

The admin's home page lists its reader's ten latest actions ("Recent
actions", Django's own sidebar). The log keeps an entry for every save, for
good, and had no index by account and time: each visit read every entry the
account ever made, or the whole log, and sorted them (0.7 s at two million
entries on PostgreSQL). As migration 0028, in SQL, CONCURRENTLY on PostgreSQL.
"""

from django.db import migrations

INDEX = "admin_log_user_idx"


def add_index(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {INDEX} "
                          "ON django_admin_log (user_id, action_time)")


def drop_index(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0028_admin_log_by_object_index"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
