import core.images
import authors.models
from django.db import migrations, models
from django.utils import timezone


def mark_authors_readers_were_shown(apps, schema_editor):
    """has_published for each author with a story that was ever public, as the revisions tell.

    A revision holds a story's status, publication time and author as one save
    left them, until the next revision (the story's deletion is one) or, for
    the latest, until now: the story was public under that author if its status
    was published and its time came before then. Stories saved without a
    revision (bulk loads) are known only while they are public.
    """
    Author = apps.get_model("authors", "Author")
    Revision = apps.get_model("articles", "HistoricalArticle")
    now = timezone.now()
    shown, latest = set(), None
    revisions = (Revision.objects.order_by("-id", "-history_date", "-history_id")
                 .values_list("id", "history_date", "history_type", "status", "published_at",
                              "author_id"))
    # Newest first: each revision's end is the date of the one read before it.
    for story, date, kind, status, published_at, author in revisions.iterator():
        if story != latest:
            latest, until = story, date if kind == "-" else now
        if status == "published" and published_at is not None and published_at < until:
            shown.add(author)
        until = date
    Author.objects.filter(pk__in=shown).update(has_published=True)


class Migration(migrations.Migration):

    dependencies = [
        ("authors", "0001_initial"),
        ("articles", "0003_history"),  # the revisions it reads
    ]

    operations = [
        migrations.AddField(
            model_name="author",
            name="has_published",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AlterField(
            model_name="author",
            name="avatar",
            field=core.images.PublicImageField(blank=True, upload_to="avatars/",
                                               validators=[authors.models._validate_avatar]),
        ),
        migrations.RunPython(mark_authors_readers_were_shown, migrations.RunPython.noop,
                             elidable=True),
    ]
