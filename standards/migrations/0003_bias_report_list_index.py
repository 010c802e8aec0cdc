"""The admin's list of bias reports reads its first page from an index.

It lists every report in BiasReport.Meta's order (oldest first) with its
story; with no index in that order, PostgreSQL joined every story to every
report and sorted them all to show a hundred: 145 ms at 100,000 stories and
20,000 reports.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_story_list_index'),
        ('standards', '0002_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='biasreport',
            index=models.Index(fields=['created_at', 'id'], name='biasreport_created_idx'),
        ),
    ]
