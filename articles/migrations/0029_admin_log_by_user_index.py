"""An index on the admin's log (django_admin_log) by account, newest last.

The admin's home page lists its reader's ten latest actions ("Recent
actions", Django's own sidebar). The log keeps an entry for every save, for
good, and had no index by account and time: each visit read every entry the
account ever made, or the whole log, and sorted them (0.7 s at two million
entries on PostgreSQL). As migration 0028, in SQL, CONCURRENTLY on PostgreSQL.
"""

from django.db import migrations

from core.migration_operations import ConcurrentIndex


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0028_admin_log_by_object_index"),
    ]

    operations = [
        ConcurrentIndex("admin_log_user_idx", "django_admin_log", "user_id, action_time"),
    ]
