"""Stories are searched in the text readers see: the search vector reads body_html.

It read the Markdown, so a search found words readers never see (an HTML
comment, a link's address, markup nh3 removes). The stored vectors are
refilled here, with the search index dropped first and built once on the
result, as in 0008: updating a GIN index without a pending list row by row
is what makes a rewrite of every story slow.

The site keeps serving meanwhile, hence a migration outside a transaction.
In one transaction, the DROP INDEX held an exclusive lock on the stories'
table until the commit, and one UPDATE of every row took 85 s at 100,000
stories: every page not in the cache, even a story read by its slug, waited
that long. Here the index is dropped and built again CONCURRENTLY (reads and
saves go on), and the vectors are refilled in batches of BATCH stories by
primary key, each committed at once, so a save waits at most for one batch.
Until the index is back, a search reads the table instead: slower, not
wrong. Only PostgreSQL has vectors and a GIN index; SQLite leaves its plain
index as it is.
"""

import articles.models
from django.db import migrations
from django.db.models import Max, Min

BATCH = 1000
INDEX = "article_search_idx"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # As articles.models.SearchIndex(fastupdate=False, fields=["search_vector"]) makes it.
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON articles_article "
                          f"USING gin (search_vector) WITH (fastupdate = off)")


def fill_search_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Article = apps.get_model("articles", "Article")
    stories = Article.objects.using(schema_editor.connection.alias)
    bounds = stories.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    # Stories added meanwhile are saved with their vector (Article.save).
    for start in range(bounds["first"], bounds["last"] + 1, BATCH):
        stories.filter(pk__gte=start, pk__lt=start + BATCH).update(
            search_vector=articles.models.search_document())


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0018_old_slugs"),
    ]

    # The index in the models' state stays as it was: it is dropped and made
    # again the same, outside Django's schema editor, which would lock the table.
    operations = [
        migrations.RunPython(drop_index, add_index, elidable=False),
        # Reversing leaves the vectors as they are: read from body_html, they
        # serve the search before this release as well.
        migrations.RunPython(fill_search_vectors, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
