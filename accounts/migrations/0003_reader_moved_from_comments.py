import django.contrib.auth.models
from django.db import migrations


def _relabel(apps, old, new):
    """Give the existing content type the new app label, keeping its id.

    Groups' permissions and admin log entries point at that id, so they
    follow; contenttypes would otherwise make a new row after migrate.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="reader").exists():
        ContentType.objects.filter(app_label=old, model="reader").update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "comments", "accounts")


def backwards(apps, schema_editor):
    _relabel(apps, "accounts", "comments")


class Migration(migrations.Migration):
    # The readers' admin moved to accounts (issue 13); comments' 0005 lets go of the
    # proxy. A proxy has no table: only its content type and Django's state move.
    dependencies = [
        ("accounts", "0002_username_skeletons_of_existing_users"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("comments", "0004_biasreport_moved_to_standards"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.CreateModel(
            name="Reader",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("auth.user",),
            managers=[("objects", django.contrib.auth.models.UserManager())],
        ),
    ]
