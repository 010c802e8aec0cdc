"""A story's comments in their own order: by story, when they were posted, then id.

The comment queue shows the comments posted just before and just after each
waiting one on its story (comments.desk._around); without this index the
database read every comment of the story and sorted them, for each card
(8.6 s for a page of the queue at a million comments on one story). With it,
it reads the two before and the two after from where the comment sits.

Built CONCURRENTLY on PostgreSQL, so comments can still be posted while it
is; hence a migration outside a transaction.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["article", "created_at", "id"], name="comment_story_order_idx")


def add_index(apps, schema_editor):
    comment = apps.get_model("comments", "Comment")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(comment, INDEX)
        return
    schema_editor.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS comment_story_order_idx "
                          "ON comments_comment (article_id, created_at, id)")


def drop_index(apps, schema_editor):
    comment = apps.get_model("comments", "Comment")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(comment, INDEX)
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS comment_story_order_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0014_held_standing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="comment", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, drop_index, elidable=False)],
        ),
    ]
