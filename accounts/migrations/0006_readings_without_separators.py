from django.db import migrations

from accounts.usernames import as_key, readings


def read_names_again(apps, schema_editor):
    """Store each username's readings as readings() now reads them: without separators
    ("old-quay-tom" reads as "old_quay_tom" and "oldquaytom"), and no longer than a
    key is kept. A held name keeps no username, only its readings, which are the
    old ones without their separators."""
    UsernameSkeleton = apps.get_model("accounts", "UsernameSkeleton")
    HeldName = apps.get_model("accounts", "HeldName")
    names = UsernameSkeleton.objects.select_related("user")
    _read_again(UsernameSkeleton, names, lambda row: readings(row.user.username))
    _read_again(HeldName, HeldName.objects.all(),
                lambda row: (as_key(row.skeleton), as_key(row.folded)))


def _read_again(model, rows, read):
    batch = []
    for row in rows.iterator():
        skeleton, folded = read(row)
        if (skeleton, folded) != (row.skeleton, row.folded):
            row.skeleton, row.folded = skeleton, folded
            batch.append(row)
    model.objects.bulk_update(batch, ["skeleton", "folded"], batch_size=1000)

class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_held_name"),
    ]

    operations = [
        migrations.RunPython(read_names_again, migrations.RunPython.noop),
    ]
