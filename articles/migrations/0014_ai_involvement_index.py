"""The story list filtered by AI involvement reads its stories from an index.

Editors filter the list to review what AI wrote. Each of the filtered
list's queries (its page, its count, the date links' first and last dates
and years) read the whole table: about 150 ms apiece at 100,000 stories.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_story_list_index'),
        ('authors', '0001_initial'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['ai_involvement', '-published_at', '-id'], name='article_ai_idx'),
        ),
    ]
