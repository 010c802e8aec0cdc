"""A moderator's account that decided anything cannot be deleted: their name stays on each
decision in the moderation log (it was taken off, unseen). Nothing changes in the tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0018_moderation_log_whole_notes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='moderationaction',
            name='moderator',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
