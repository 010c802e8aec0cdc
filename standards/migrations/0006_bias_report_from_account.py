from django.db import migrations, models


def mark_reports_from_accounts(apps, schema_editor):
    """Reports whose reader is still there came from an account. Those of accounts
    already deleted cannot be told from a signed-out reader's: they stay unmarked."""
    BiasReport = apps.get_model("standards", "BiasReport")
    BiasReport.objects.filter(reader__isnull=False).update(is_from_account=True)


class Migration(migrations.Migration):

    dependencies = [
        ('standards', '0005_bias_report_submission'),
    ]

    operations = [
        migrations.AddField(
            model_name='biasreport',
            name='is_from_account',
            # db_default: the code before this migration, still serving while a deploy
            # runs, inserts reports without the column.
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(mark_reports_from_accounts, migrations.RunPython.noop),
    ]
