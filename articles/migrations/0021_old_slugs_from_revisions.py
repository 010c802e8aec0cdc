"""Stories renamed while public before 0018 keep their old addresses too.

0018 made the table of old slugs (OldSlug) empty, and Article.save fills it
only for renames made since, so a story renamed before still answered its old
links with a 404. Its revisions (HistoricalArticle) remember what it was
called and when: every slug a story was public under, as they tell it,
becomes one of its old slugs. A slug was public from the revision that gave
it, if the story was published then or its publication time came before the
next revision (or before now), until that next revision: as README promises,
a published story's old address keeps working; a draft's never worked.

Left out: the story's own slug, any story's current slug (that story answers
there), and slugs OldSlug already has (kept by a save since 0018, which knows
better). A slug two stories were public under goes to the one that left it
last, as Article._keep_old_slug gives it to the story renamed last.

The revisions are read once, in order, story by story, through a cursor;
only the slugs found are kept in memory, then checked and written in batches.
"""

from django.db import migrations
from django.utils import timezone

BATCH = 1000


def _public_slugs(revisions, now):
    """(story id, slug, when it left the slug) for each slug a story was public under, from
    revisions as (story id, slug, status, published_at, history_date, history_type) in order."""
    story = previous = None
    for revision in revisions:
        if previous is not None:
            left = revision[4] if revision[0] == story else now
            if _public_until(previous, left):
                yield story, previous[1], left
        story, previous = revision[0], revision
    if previous is not None and _public_until(previous, now):
        yield story, previous[1], now


def _public_until(revision, until):
    _, slug, status, published_at, _, history_type = revision
    return (history_type != "-" and bool(slug) and status == "published"
            and published_at is not None and published_at <= until)


def old_slugs_from_revisions(apps, schema_editor):
    using = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    HistoricalArticle = apps.get_model("articles", "HistoricalArticle")
    OldSlug = apps.get_model("articles", "OldSlug")
    revisions = (HistoricalArticle.objects.using(using)
                 .order_by("id", "history_date", "history_id")
                 .values_list("id", "slug", "status", "published_at", "history_date",
                              "history_type")
                 .iterator(chunk_size=5000))
    owners = {}  # slug: (when it was left, story id), the latest leaver's
    for story, slug, left in _public_slugs(revisions, timezone.now()):
        if slug not in owners or owners[slug][0] <= left:
            owners[slug] = (left, story)
    slugs = sorted(owners)
    for start in range(0, len(slugs), BATCH):
        batch = slugs[start:start + BATCH]
        taken = set(Article.objects.using(using).filter(slug__in=batch)
                    .values_list("slug", flat=True))
        taken.update(OldSlug.objects.using(using).filter(slug__in=batch)
                     .values_list("slug", flat=True))
        wanted = {slug: owners[slug][1] for slug in batch if slug not in taken}
        # A deleted story's revisions stay; its old addresses go with it.
        stories = set(Article.objects.using(using).filter(pk__in=set(wanted.values()))
                      .values_list("pk", flat=True))
        OldSlug.objects.using(using).bulk_create(
            [OldSlug(slug=slug, article_id=story) for slug, story in wanted.items()
             if story in stories])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0020_strip_control_characters"),
    ]

    operations = [
        # The old slugs found are as good as those kept by saves: reversing keeps them.
        migrations.RunPython(old_slugs_from_revisions, migrations.RunPython.noop,
                             elidable=True),
    ]
