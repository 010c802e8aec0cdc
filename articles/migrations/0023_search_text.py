"""Stories are searched as queries are read: compatibility forms as the letters they
show, without format characters (articles.models.search_text).

A query was read so, the stories' text as stored: "\\ufb01nancial", "Cádiz" typed
with a combining accent and "zwsp\\u200bword" could not be found, not even by
pasting the story's own words. PostgreSQL's vectors are now made from the text
as search_text() reads it, and SQLite's search reads a story's text through it
where Article.search_text_differs says it changes the text (set on save).

Here the stories whose text search_text() changes are marked, and on
PostgreSQL their vectors made again; no other story's vector changes. The
database finds them itself (PostgreSQL's normalize(), on SQLite the Python
function each connection is given). As in 0019, outside a transaction and
in batches of BATCH stories by primary key, each committed at once: reads
and saves go on, and only the stories found are written. PostgreSQL asks
whether the text is in NFKC and holds a format character, rather than
normalising it (measured at 20,000 stories of 5 kB: 2.7 s, not 8.4 s).
"""

import articles.models
from django.db import migrations
from django.db.models import BooleanField, F, Max, Min, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact

BATCH = 1000
SEARCHED = ("headline", "dek", "body_html")


def mark_stories(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    stories = Article.objects.using(schema_editor.connection.alias)
    bounds = stories.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    written = {"search_text_differs": True}
    if schema_editor.connection.vendor == "postgresql":
        # What search_text() changes: text not in NFKC, or with a format character.
        differs = RawSQL(" OR ".join(f"NOT ({field} IS NFKC NORMALIZED) OR {field} ~ %s"
                                     for field in SEARCHED),
                         [articles.models.format_characters()] * len(SEARCHED),
                         output_field=BooleanField())
        written["search_vector"] = articles.models.search_document()
    else:
        differs = Q.create([~Q(Exact(articles.models.SearchText(field), F(field)))
                            for field in SEARCHED], connector=Q.OR)
    # Stories saved meanwhile are marked by their save (Article.save).
    for start in range(bounds["first"], bounds["last"] + 1, BATCH):
        stories.filter(differs, pk__gte=start, pk__lt=start + BATCH).update(**written)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0022_search_text_differs"),
    ]

    # Reversing leaves the marks and vectors as they are: 0022's reverse drops the
    # marks, and the vectors serve the search before this release as well.
    operations = [
        migrations.RunPython(mark_stories, migrations.RunPython.noop, elidable=False),
    ]
