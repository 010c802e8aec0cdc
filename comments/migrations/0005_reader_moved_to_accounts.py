from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reader_moved_from_comments"),
        ("comments", "0004_biasreport_moved_to_standards"),
        ("standards", "0002_roles"),
    ]

    # The Reader proxy now lives in accounts (its content type moved there in
    # accounts' 0003); the roles then name accounts.reader.
    operations = [
        migrations.DeleteModel(name="Reader"),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
