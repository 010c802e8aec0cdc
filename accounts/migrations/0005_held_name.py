from django.db import migrations, models

from accounts.usernames import readings


def read_names_again(apps, schema_editor):
    """Store each username's readings as readings() now reads them: small capitals
    fold to letters (usernames.fold_letter_likes), so "ᴇᴅɪᴛᴏʀ" reads as "editor"."""
    UsernameSkeleton = apps.get_model("accounts", "UsernameSkeleton")
    batch = []
    for row in UsernameSkeleton.objects.select_related("user").iterator():
        skeleton, folded = readings(row.user.username)
        if (skeleton, folded) != (row.skeleton, row.folded):
            row.skeleton, row.folded = skeleton, folded
            batch.append(row)
    UsernameSkeleton.objects.bulk_update(batch, ["skeleton", "folded"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_email_changed"),
    ]

    operations = [
        migrations.CreateModel(
            name="HeldName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("skeleton", models.CharField(db_index=True, max_length=600)),
                ("folded", models.CharField(db_index=True, max_length=600)),
                ("email", models.CharField(blank=True, db_index=True, max_length=80)),
                ("until", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(read_names_again, migrations.RunPython.noop),
    ]
