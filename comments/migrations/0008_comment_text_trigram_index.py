"""Searching the comments in the admin reads an index of their text (PostgreSQL).

Django's search matched each word anywhere in a comment or its reader's name,
joining every comment to its reader: no index could answer, and each search
read a million comments twice (its count and its page), 0.5-0.8 s each. The
readers whose names match are now found first (CommentAdmin.get_search_results),
and the comments' text through a trigram index of it, which answers
`UPPER(body) LIKE UPPER('%word%')`. SQLite has no such index; there the search
reads the table as before.

The index is built CONCURRENTLY, so comments can still be posted while it is
(about 12 s at a million comments); hence a migration outside a transaction.
"""

from django.db import migrations


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS comment_body_trgm_idx "
                          "ON comments_comment USING gin (UPPER(body) gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS comment_body_trgm_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0007_queue_index_ends_with_id"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
