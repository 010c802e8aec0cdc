from django.db import migrations

from core.roles import sync_roles
from pages.loader import load_pages

# The copy lives in pages/fixtures/ (pages/loader.py).
SLUGS = ["about", "standards"]


def create_pages(apps, schema_editor):
    load_pages(apps.get_model("pages", "Page"), SLUGS)


def remove_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Page.objects.filter(slug__in=SLUGS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(create_pages, remove_pages),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
