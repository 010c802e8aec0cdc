from django.db import migrations

from accounts.usernames import as_key, readings


def read_names_again(apps, schema_editor):
    """Store each username's readings as readings() now reads them: without separators
    ("old-quay-tom" reads as "old_quay_tom" and "oldquaytom"), and no longer than a
    key is kept. A held name keeps no username, only its readings, which are the
    old ones without their separators."""
    UsernameSkeleton = apps.get_model("accounts", "UsernameSkeleton")
    batch = []
    for row in UsernameSkeleton.objects.select_related("user").iterator():
        skeleton, folded = readings(row.user.username)
        if (skeleton, folded) != (row.skeleton, row.folded):
            row.skeleton, row.folded = skeleton, folded
            batch.append(row)
    UsernameSkeleton.objects.bulk_update(batch, ["skeleton", "folded"], batch_size=1000)
    HeldName = apps.get_model("accounts", "HeldName")
    batch = []
    for row in HeldName.objects.iterator():
        skeleton, folded = as_key(row.skeleton), as_key(row.folded)
        if (skeleton, folded) != (row.skeleton, row.folded):
            row.skeleton, row.folded = skeleton, folded
            batch.append(row)
    HeldName.objects.bulk_update(batch, ["skeleton", "folded"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_held_name"),
    ]

    operations = [
        migrations.RunPython(read_names_again, migrations.RunPython.noop),
    ]
