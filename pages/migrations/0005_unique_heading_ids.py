from django.db import migrations

from pages.models import render_page


def render_again(apps, schema_editor):
    """Each page's headings given the unique ids render_page now makes (pages.models).

    Ids were made with no regard to one another or to the template's: `## Main`
    took base.html's "main", a repeated heading repeated its id, and a heading
    in Cyrillic had an empty one. Only body_html changes: what editors wrote,
    and when, stays as it was.
    """
    Page = apps.get_model("pages", "Page")
    for page in Page.objects.all():
        Page.objects.filter(pk=page.pk).update(body_html=render_page(page.body))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0004_privacy"),
    ]

    operations = [
        migrations.RunPython(render_again, migrations.RunPython.noop, elidable=True),
    ]
