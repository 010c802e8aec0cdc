"""Article.search_text_differs: whether search reads the story's text otherwise than stored.

Added on its own, in a short transaction of its own: on PostgreSQL the
column is added without rewriting the table, and the lock that takes is
released at once rather than held while 0023 reads every story.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0021_old_slugs_from_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_text_differs",
            # db_default: the code before this migration, still serving while a deploy
            # runs, inserts stories without the column (added after release).
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
    ]
