"""Stored HTML loses the links whose address the sanitiser dropped; their text stays.

A link in a scheme the sanitiser refuses ([the hotline](tel:...), ftp:,
javascript:) was stored as <a rel="noopener noreferrer">: no link, and invalid
HTML (rel needs an href) on the story's page, in feeds and on About, Standards
and Privacy. Rendering now leaves such a link as its text
(core.text.render_markdown); stories and pages rendered before get the same.

Only rows whose HTML holds an <a> that does not begin with its href are read
(the database finds them), and written with bulk_update: no save(), no history
revision, updated_at as it was. The search vector stays: the words are the same.
"""

import re

from django.db import migrations
from django.db.models import Q

# core.text's patterns as this migration was written, copied so that a later change
# to them does not change what it does.
LINK = re.compile(r'<a((?:\s[\w-]+="[^"]*")*)>(.*?)</a>', re.DOTALL)
ATTRIBUTE_NAME = re.compile(r'\s([\w-]+)="[^"]*"')
# nh3 writes href first: an <a> that opens with another attribute has none.
FOUND = Q(body_html__contains='<a rel="') | Q(body_html__contains='<a title="')
BATCH = 500


def _text_unless_linked(match):
    return match[0] if "href" in ATTRIBUTE_NAME.findall(match[1]) else match[2]


def unlink(apps, schema_editor):
    using = schema_editor.connection.alias
    for app, name in (("articles", "Article"), ("pages", "Page")):
        rows = apps.get_model(app, name)._base_manager.using(using)
        # The ids first: a table is not read and written through one cursor at once.
        ids = list(rows.filter(FOUND).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = list(rows.filter(pk__in=ids[start:start + BATCH]).only("body_html"))
            for row in batch:
                row.body_html = LINK.sub(_text_unless_linked, row.body_html)
            rows.bulk_update(batch, ["body_html"], batch_size=100)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0026_old_section_and_tag_slugs"),
        ("pages", "0009_privacy_sessions_proven_addresses_cookies"),
    ]

    operations = [
        # The links were no links: reversing leaves the HTML as it is.
        migrations.RunPython(unlink, migrations.RunPython.noop, elidable=True),
    ]
