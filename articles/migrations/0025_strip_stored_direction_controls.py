"""Text stored before stray direction controls were stripped loses them now.

Every save strips direction overrides (LRO, RLO) and embeddings or isolates
left open from a row's text (core.text.LineFeeds, strip_stray_bidi), and so
does every form that makes a tag (articles.tags). Rows saved before kept
them: a headline ending in an open RLO turned " · EVA DAILY" around after it
in <title>, in feeds and in the news sitemap. Paired embeddings and isolates
stay, as on save: right-to-left writing uses them.

As migration 0020 did for control characters: only rows holding such a
character are read (the database finds them), in batches, and written with
bulk_update (no save(), so no history revision, and updated_at stays). The
search vector is left as it is: it is made from the text with its format
characters, these among them, taken out (articles.search.search_text).
"""

import re
import sys

from django.db import migrations
from django.db.models import Q

# core.text.strip_stray_bidi as this migration was written, copied so that a later
# change to it does not change what the migration does.
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
_ISOLATES = frozenset("\u2066\u2067\u2068")
_PDF = "\u202c"
_PDI = "\u2069"
BIDI_CONTROLS = "[\u202a-\u202e\u2066-\u2069]"
DIRECTION_OVERRIDES = re.compile("[\u202d\u202e]")


def strip_unpaired_bidi(value):
    keep = [True] * len(value)
    open_controls = []  # (position, is_isolate), innermost last

    def drop_open(until_isolate=False):
        while open_controls:
            position, is_isolate = open_controls.pop()
            if until_isolate and is_isolate:
                return
            keep[position] = False

    for position, char in enumerate(value):
        if char == "\n":
            drop_open()
        elif char in _EMBEDDINGS or char in _ISOLATES:
            open_controls.append((position, char in _ISOLATES))
        elif char == _PDF:
            if open_controls and not open_controls[-1][1]:
                open_controls.pop()
            else:
                keep[position] = False
        elif char == _PDI:
            if any(is_isolate for _, is_isolate in open_controls):
                drop_open(until_isolate=True)
            else:
                keep[position] = False
    drop_open()
    return "".join(char for char, kept in zip(value, keep, strict=True) if kept)


def strip_stray_bidi(value):
    if not value or not re.search(BIDI_CONTROLS, value):
        return value
    return strip_unpaired_bidi(DIRECTION_OVERRIDES.sub("", value))


# The text each model stores as typed, by app and model, as at this migration.
TEXT_FIELDS = [
    ("articles", "Article", ["headline", "slug", "dek", "body", "body_html", "image_alt",
                             "image_caption", "image_credit_source",
                             "image_credit_photographer"]),
    ("articles", "Section", ["name", "slug"]),
    ("taggit", "Tag", ["name", "slug"]),
    ("authors", "Author", ["name", "slug", "title", "bio", "ai_disclosure"]),
    ("standards", "Correction", ["text"]),
    ("standards", "BiasReport", ["quoted_passage", "details", "evidence_url", "contact_email",
                                 "resolution_note"]),
    ("comments", "Comment", ["body", "hold_reason", "moderation_reason"]),
    ("pages", "Page", ["title", "description", "body", "body_html"]),
]
# HTML rendered from a field of the same row keeps its Markdown's characters in
# their order: rows are found by their Markdown, and their HTML cleaned with it.
RENDERED = {"body_html"}
BATCH = 500


def strip_stored_direction_controls(apps, schema_editor):
    using = schema_editor.connection.alias
    for app, name, fields in TEXT_FIELDS:
        _clean(apps.get_model(app, name), fields, using)


def _clean(model, fields, using):
    rows = model._base_manager.using(using)
    found = Q.create([Q(**{f"{field}__regex": BIDI_CONTROLS}) for field in fields
                      if field not in RENDERED], connector=Q.OR)
    # The ids first: a table is not read and written through one cursor at once.
    ids = list(rows.filter(found).order_by("pk").values_list("pk", flat=True))
    unique = [field for field in fields if model._meta.get_field(field).unique]
    claimed = {field: set() for field in unique}  # cleaned values given in this run
    for start in range(0, len(ids), BATCH):
        batch = list(rows.filter(pk__in=ids[start:start + BATCH]).only(*fields))
        written = set()
        for row in batch:
            for field in fields:
                value = getattr(row, field)
                cleaned = strip_stray_bidi(value)
                if cleaned == value:
                    continue
                if field in unique:
                    if _taken(rows, row, field, cleaned, claimed[field]):
                        continue
                    claimed[field].add(cleaned)
                setattr(row, field, cleaned)
                written.add(field)
        if written:
            rows.bulk_update(batch, sorted(written), batch_size=100)


def _taken(rows, row, field, cleaned, claimed):
    """Whether a unique field cannot take its cleaned value (another row has it or is
    given it, or it is empty); the row keeps its value, and the migration says so."""
    if (cleaned and cleaned not in claimed
            and not rows.filter(**{field: cleaned}).exclude(pk=row.pk).exists()):
        return False
    sys.stdout.write(
        f"\n  {row._meta.label} {row.pk}: {field} {cleaned!r} "
        f"{'is taken' if cleaned else 'would be empty'}; kept as stored, "
        f"with its direction controls. Rename it by hand.")
    return True


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0024_created_at_kept_on_restore"),
        ("authors", "0002_ai_flag_fixed_once_published"),
        ("comments", "0015_comment_story_order_index"),
        ("pages", "0008_privacy_held_standing"),
        ("standards", "0008_held_notice"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        # The controls removed are not wanted back: reversing leaves the text as it is.
        migrations.RunPython(strip_stored_direction_controls, migrations.RunPython.noop,
                             elidable=True),
    ]
