"""Text stored before control characters were stripped loses them now.

A story, author, correction, comment, bias report or page is saved without
control characters and noncharacters (core.text.LineFeeds), and tag names
lose them in every form that makes a tag (articles.tags). Rows saved before
kept them, and carried U+000B, U+001B or U+FFFE into the story's <title>,
its meta tags and its page, where HTML forbids them. Sections are cleaned
here too, though not yet on save: their names show on each of their stories.

Only rows holding such a character are read (the database finds them), in
batches, and written with bulk_update: no save(), so no history revision,
and updated_at stays as it was (nothing readers would call an update
happened). Fields whose values the code itself writes (choices such as a
story's status, hashes, tokens) are left alone: stripping a character from
"published" would change what a story is, not how it reads.

Measured on PostgreSQL with 100,000 stories of 6 kB and 1,000,000 comments:
4 to 5 s with none or ten to clean, nearly all of it reading each story's
Markdown once; 12 to 14 s with 1,000 stories to clean, most of that the
search index taking each rewritten row, as it does on any save.
"""

import re
import sys

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import F, Q, TextField, Value

# core.text.CONTROL_CHARACTERS and strip_control_characters as this migration
# was written, copied so that a later change to them does not change what it does.
_NONCHARACTERS = "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF)
                         for plane in range(17))
CONTROL_CHARACTERS = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")


def strip_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value) if value else value


def found_by(vendor):
    """The characters as the database's regular expressions are asked for them.

    No text either database stores can hold a lone surrogate (UTF-8 has none,
    and neither driver can send one); PostgreSQL's text cannot hold NUL.
    """
    low = "\x01" if vendor == "postgresql" else "\x00"
    return f"[{low}-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef{_NONCHARACTERS}]"


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
# HTML rendered from a field of the same row (render_markdown), which adds no
# control character: a row whose HTML holds one has it in its Markdown too. Rows
# are found by their Markdown alone, which halves the time on stories, whose
# text is nearly all of what is read; their HTML is cleaned with it.
RENDERED = {"body_html"}
# A story's search vector, as articles.models.search_document makes it at this
# migration, but from the text as cleaned: written in the same UPDATE as the
# text, each row's entries in the search index (GIN, no pending list) are
# replaced once rather than twice.
SEARCH_CONFIG = "english"
SEARCHED = [("headline", "A"), ("dek", "B"), ("body_html", "C")]
BATCH = 500


def strip_stored_control_characters(apps, schema_editor):
    using = schema_editor.connection.alias
    vendor = schema_editor.connection.vendor
    for app, name, fields in TEXT_FIELDS:
        model = apps.get_model(app, name)
        # As a save would (Article.save): on PostgreSQL the vector follows the text.
        searched = vendor == "postgresql" and model._meta.label == "articles.Article"
        _clean(model, fields, found_by(vendor), using, searched)


def _clean(model, fields, pattern, using, searched):
    """Strip the fields of model's rows that hold a control character, and with
    `searched` give the rows whose searched text changed their new search vector."""
    rows = model._base_manager.using(using)
    found = Q.create([Q(**{f"{field}__regex": pattern}) for field in fields
                      if field not in RENDERED], connector=Q.OR)
    # The ids first: a table is not read and written through one cursor at once.
    ids = list(rows.filter(found).order_by("pk").values_list("pk", flat=True))
    unique = [field for field in fields if model._meta.get_field(field).unique]
    claimed = {field: set() for field in unique}  # cleaned values given in this run
    for start in range(0, len(ids), BATCH):
        batch = list(rows.filter(pk__in=ids[start:start + BATCH]).only(*fields))
        written = set()
        for row in batch:
            changed = set()
            for field in fields:
                value = getattr(row, field)
                cleaned = strip_control_characters(value)
                if cleaned == value:
                    continue
                if field in unique:
                    if _taken(rows, row, field, cleaned, claimed[field]):
                        continue
                    claimed[field].add(cleaned)
                setattr(row, field, cleaned)
                changed.add(field)
            written |= changed
            if searched:
                row.search_vector = (_search_vector(row) if changed & {f for f, _ in SEARCHED}
                                     else F("search_vector"))
        if searched and written & {field for field, _ in SEARCHED}:
            written.add("search_vector")
        if written:
            rows.bulk_update(batch, sorted(written), batch_size=100)


def _search_vector(row):
    """The search vector of row's text as it now stands."""
    vectors = [SearchVector(Value(getattr(row, field), output_field=TextField()),
                            weight=weight, config=SEARCH_CONFIG)
               for field, weight in SEARCHED]
    return vectors[0] + vectors[1] + vectors[2]


def _taken(rows, row, field, cleaned, claimed):
    """Whether a unique field cannot take its cleaned value (another row has it or is
    given it, or it is empty); the row keeps its value, and the migration says so."""
    if (cleaned and cleaned not in claimed
            and not rows.filter(**{field: cleaned}).exclude(pk=row.pk).exists()):
        return False
    sys.stdout.write(
        f"\n  {row._meta.label} {row.pk}: {field} {cleaned!r} "
        f"{'is taken' if cleaned else 'would be empty'}; kept as stored, "
        f"with its control characters. Rename it by hand.")
    return True


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0019_search_visible_text"),
        ("authors", "0002_ai_flag_fixed_once_published"),
        ("comments", "0013_moderation_log_reader_by_id"),
        ("pages", "0006_privacy_comments_and_queue"),
        ("standards", "0005_bias_report_submission"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        # The characters removed are not wanted back: reversing leaves the text as it is.
        migrations.RunPython(strip_stored_control_characters, migrations.RunPython.noop,
                             elidable=True),
    ]
