from django.conf import settings
from django.db import migrations

from accounts.usernames import readings


def add_skeletons(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    UsernameSkeleton = apps.get_model("accounts", "UsernameSkeleton")
    batch = []
    for pk, username in User.objects.values_list("pk", "username").iterator():
        skeleton, folded = readings(username)
        batch.append(UsernameSkeleton(user_id=pk, skeleton=skeleton, folded=folded))
        if len(batch) == 1000:
            UsernameSkeleton.objects.bulk_create(batch)
            batch = []
    UsernameSkeleton.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_username_skeleton"),
    ]

    operations = [
        migrations.RunPython(add_skeletons, migrations.RunPython.noop),
    ]
