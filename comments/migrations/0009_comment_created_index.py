"""The comments as they were posted, then by id: the comment list's order.

The comment list puts the comments that need review first, then the rest,
each oldest first; sorted by when they were posted, newest or oldest first,
it reads the same index. Without it, each page sorted a million comments
(0.5 s; comments.admin._in_parts reads the two parts apart).

Built CONCURRENTLY on PostgreSQL, so comments can still be posted while it
is (about a second at a million comments); hence a migration outside a
transaction.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["created_at", "id"], name="comment_created_idx")


def add_index(apps, schema_editor):
    comment = apps.get_model("comments", "Comment")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(comment, INDEX)
        return
    schema_editor.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS comment_created_idx "
                          "ON comments_comment (created_at, id)")


def drop_index(apps, schema_editor):
    comment = apps.get_model("comments", "Comment")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(comment, INDEX)
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS comment_created_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0008_comment_text_trigram_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="comment", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, drop_index, elidable=False)],
        ),
    ]
