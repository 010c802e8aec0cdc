from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    # After the old apps let go of the models: create_permissions would
    # otherwise make content types for them under their old labels again.
    dependencies = [
        ("standards", "0001_initial"),
        ("articles", "0007_delete_correction"),
        ("comments", "0004_biasreport_moved_to_standards"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
