"""The newsroom's story list reads its first page from an index.

The admin lists every story, drafts and scheduled ones too, newest first
(Article.Meta.ordering); no index held that order without a state in front,
so each visit to the list read and sorted the whole table: 165 ms of the
list's 310 at 100,000 stories, and the rest is the admin's own.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0012_lists_indexes_end_with_id'),
        ('authors', '0001_initial'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['-published_at', '-id'], name='article_newest_idx'),
        ),
    ]
