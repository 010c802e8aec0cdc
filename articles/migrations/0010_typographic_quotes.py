"""Stored story bodies are rendered again, now with typographic quotes.

core.text.render_markdown gained the quotes in this release; bodies rendered
before it keep straight ones until each story is saved, so they are rendered
here once. Reversing leaves them as they are (both renderings are safe HTML).
"""

from django.db import migrations

from core.text import render_markdown


def render_bodies(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "body", "body_html").iterator(chunk_size=500):
        body_html = render_markdown(article.body)
        if body_html != article.body_html:
            article.body_html = body_html
            changed.append(article)
        if len(changed) >= 500:
            Article.objects.bulk_update(changed, ["body_html"])
            changed = []
    Article.objects.bulk_update(changed, ["body_html"])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0009_image_is_illustration"),
    ]

    operations = [
        migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True),
    ]
