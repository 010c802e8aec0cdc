"""An index on the admin's log (django_admin_log) by object, then time.

Every open change form asks every PING_SECONDS (20 s) who saved its object
since it was opened (core.admin.EditConflictMixin.edit_saved_since), and so
does every save; Django's own history pages and deleting a reader's account
read the log by object too. The log keeps an entry for every save, for good:
with no index by object, each ask scanned the whole log (0.4-0.7 s at two
million entries, about five years of a newsroom's saves). The admin's model
is not ours to change, so the index is made here, in SQL both PostgreSQL and
SQLite accept; CONCURRENTLY on PostgreSQL, so that the newsroom can save
while it is built, hence a migration outside a transaction.
"""

from django.db import migrations

from core.migration_operations import ConcurrentIndex


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0027_links_without_an_address"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        ConcurrentIndex("admin_log_object_idx", "django_admin_log",
                        "content_type_id, object_id, action_time"),
    ]
