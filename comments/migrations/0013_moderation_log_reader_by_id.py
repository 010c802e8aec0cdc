import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COMMENT_BY = re.compile(r"comment \d+ by ")


def refer_to_readers_by_id(apps, schema_editor):
    """Name the readers of the log's entries so far by id, linked (ModerationAction).

    Their entries named them as they were called then: a standing's entry by the
    name alone, a comment's as "comment 5 by NAME". A comment still knows its
    reader; a name is taken to be the account that has it now only if that
    account is older than the entry, since a name freed by a deletion may have
    been taken since. Any other entry's reader is a former one.
    """
    ModerationAction = apps.get_model("comments", "ModerationAction")
    Comment = apps.get_model("comments", "Comment")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    entries = ModerationAction.objects.filter(
        models.Q(action="reader standing") | models.Q(target__regex=r"^comment [0-9]+ by "))
    batch = []
    for entry in entries.iterator():
        if entry.action == "reader standing":
            start = ""
            reader_id = (User.objects.filter(username=entry.target,
                                             date_joined__lte=entry.created_at)
                         .values_list("pk", flat=True).first())
        else:
            start = COMMENT_BY.match(entry.target)[0]
            reader_id = (Comment.objects.filter(pk=int(start.split()[1]))
                         .values_list("reader_id", flat=True).first())
        entry.reader_id = reader_id
        entry.target = start + (f"reader {reader_id}" if reader_id else "a former reader")
        batch.append(entry)
        if len(batch) == 1000:
            ModerationAction.objects.bulk_update(batch, ["reader", "target"])
            batch = []
    ModerationAction.objects.bulk_update(batch, ["reader", "target"])


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0012_suspension_within_the_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationaction",
            name="reader",
            field=models.ForeignKey(blank=True, editable=False,
                                    help_text="The reader the decision concerns, if any.",
                                    null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        # Not reversed: the names were the defect.
        migrations.RunPython(refer_to_readers_by_id, migrations.RunPython.noop),
    ]
