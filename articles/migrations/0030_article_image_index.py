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

from core.migration_operations import ConcurrentIndex


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0029_admin_log_by_user_index"),
    ]

    operations = [
        ConcurrentIndex("article_image_idx", "articles_article", "image"),
    ]
