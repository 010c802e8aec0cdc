"""The standards page points to the transparency report and each story's review record.

That copy is now part of pages/fixtures/standards.md, which 0002 loads. This
migration patched the page on databases made before it; they have run it
already, so it is kept (empty) only so that every migration history stays valid.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_about_and_standards"),
    ]

    operations = []
