from django.db import migrations, models

from pages.loader import load_pages

# The copy lives in pages/fixtures/privacy.md (pages/loader.py).
SLUGS = ["privacy"]


def create_pages(apps, schema_editor):
    load_pages(apps.get_model("pages", "Page"), SLUGS)


def remove_pages(apps, schema_editor):
    apps.get_model("pages", "Page").objects.filter(slug__in=SLUGS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_standards_transparency"),
    ]

    operations = [
        migrations.AlterField(
            model_name="page",
            name="slug",
            field=models.SlugField(
                choices=[("about", "About"), ("standards", "Standards"), ("privacy", "Privacy")],
                max_length=40, unique=True),
        ),
        migrations.RunPython(create_pages, remove_pages),
    ]
