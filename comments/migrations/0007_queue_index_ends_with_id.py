"""The moderation queue's index of held comments ends with the id.

The desk orders the held comments as they were posted, then by id
(comments.models.WaitingComments): with the id in the index, their keys are
read from it alone, in order, and a page of the queue no longer joins every
waiting comment to the whole table of comments to sort them (0.3-0.5 s at
25,000 held of a million comments; 0.13 s more to count them).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_story_list_index'),
        ('comments', '0006_moderation_undo'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='comment',
            name='comment_queue_idx',
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['status', 'created_at', 'id'], name='comment_queue_idx'),
        ),
    ]
