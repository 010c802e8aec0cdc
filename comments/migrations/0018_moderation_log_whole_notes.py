"""The moderation log keeps a decision's whole note, up to a bias report's 2,000 characters
(it cut them to 300: what the reporter was emailed was lost once the note was edited)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0017_wordrule_words_as_read'),
    ]

    operations = [
        migrations.AlterField(
            model_name='moderationaction',
            name='reason',
            field=models.CharField(blank=True, max_length=2000),
        ),
    ]
