"""Tags as the newsroom types them: commas between tags, and one tag whatever its case.

Every tags field reads tags with parse_tags (TAGGIT_TAGS_FROM_STRING). The
import, the tag admin and the tag merge match a name to the site's tags in
any case here, as the story form does, so one subject never gets a second tag.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from taggit.models import Tag

QUOTE_REFUSED = ("A tag cannot hold a double quote (\"): in a story's tags field, quotes "
                 "surround a tag that holds a comma.")


def parse_tags(text):
    """The tag names typed in a tags field, sorted and without repeats (TAGGIT_TAGS_FROM_STRING).

    Only commas separate tags, so "New York" is one tag; a tag in double
    quotes may hold commas ("Oil, gas"). taggit's own parser split on spaces
    when the field held no comma, which made "New York" the tags New and York.
    Quotes are read as taggit reads them, so the field's initial value (taggit's
    edit_string_for_tags, which quotes names with a comma or a space) and the
    revisions' stored tag_names read back as the same tags.
    """
    if not text:
        return []
    parts = text.split('"')
    # Odd places were between quotes; a quote left open quotes nothing, as in taggit.
    last_quoted = len(parts) - 1 if len(parts) % 2 else len(parts) - 2
    names = set()
    for index, part in enumerate(parts):
        quoted = index % 2 and index <= last_quoted
        names.update(name.strip() for name in ([part] if quoted else part.split(",")))
    names.discard("")
    # Sorted, as taggit's TagField.has_changed compares it with the sorted initial names.
    return sorted(names)


def check_tag_name(name):
    """Refuse a name that a story's tags field could not show and read back as one tag."""
    if '"' in name:
        raise ValidationError(QUOTE_REFUSED, code="quote")


def _key(name):
    return name.casefold()


def lookalike(name, exclude_pk=None):
    """The tag on the site whose name is name in any case (the oldest, should there be several)."""
    tags = Tag.objects.filter(name__iexact=name).order_by("pk")
    if exclude_pk is not None:
        tags = tags.exclude(pk=exclude_pk)
    return tags.first()


def as_on_site(names):
    """names without repeats in another case, each spelled as the tag already on the site.

    "harbours" beside the site's "Harbours" is that tag, not a new one; of
    names repeated in another case, the first spelling is kept.
    """
    names = list(names)
    if not names:
        return []
    exact, known = set(), {}
    for tag in Tag.objects.filter(Q.create([Q(name__iexact=name) for name in names],
                                           connector=Q.OR)).order_by("pk"):
        exact.add(tag.name)
        known.setdefault(_key(tag.name), tag.name)
    unique = {}
    for name in names:
        unique.setdefault(_key(name), name if name in exact else known.get(_key(name), name))
    return list(unique.values())

