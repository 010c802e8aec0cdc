from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_reviewer_is_kept_on_record'),
        ('standards', '0001_initial'),
    ]

    # Correction moved to standards with its table (issue 13): state only.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(
                name='Correction',
            ),
        ]),
    ]
