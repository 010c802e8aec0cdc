"""An index on a story's image (articles_article.image).

The media view asks, for every picture it serves, which stories hold it and
whether one is public (core.images.who_may_see): a draft's pictures are not
served to readers. Without an index each ask read the whole story table.
It is made here in SQL both PostgreSQL and SQLite accept, as 0028's is, and
not in Article.Meta: Django's AddIndex would hold the story table's writes
while it is built. CONCURRENTLY on PostgreSQL, so that the newsroom can save
meanwhile, hence a migration outside a transaction.
"""

from django.db import migrations

INDEX = "article_image_idx"


def add_index(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {INDEX} "
                          "ON articles_article (image)")


def drop_index(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0029_admin_log_by_user_index"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
