"""Stories are searched in the text readers see: the search vector reads body_html.

It read the Markdown, so a search found words readers never see (an HTML
comment, a link's address, markup nh3 removes). The stored vectors are
refilled here in one UPDATE, with the search index dropped first and built
once on the result, as in 0008: updating a GIN index without a pending list
row by row is what makes a rewrite of every story slow.
"""

import articles.models
from django.db import migrations


def fill_search_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Article = apps.get_model("articles", "Article")
    Article.objects.using(schema_editor.connection.alias).update(
        search_vector=articles.models.search_document())


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0018_old_slugs"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="article_search_idx",
        ),
        # Reversing leaves the vectors as they are: read from body_html, they
        # serve the search before this release as well.
        migrations.RunPython(fill_search_vectors, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.SearchIndex(fastupdate=False, fields=["search_vector"],
                                              name="article_search_idx"),
        ),
    ]
