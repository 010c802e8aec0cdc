"""Tags as the newsroom types them: commas between tags, and one tag whatever its case.

Every tags field reads tags with parse_tags (TAGGIT_TAGS_FROM_STRING). The
import, the tag admin and the tag merge match a name to the site's tags in
any case here, as the story form does, so one subject never gets a second tag.

A tag's slug is taggit's: its name's letters and digits in any script, lower
case ("Café" is café, "東京" 東京), so the tag routes take Unicode slugs
(TagSlugConverter). A name with no letter or digit would have no slug, and
its tag no page: it is refused.
"""


from django.core.exceptions import ValidationError
from django.db.models import Q
from taggit.models import Tag

from core.rowlocks import claimed_each, kept_until_commit
from core.text import caseless, name_key, strip_control_characters, strip_stray_bidi

QUOTE_REFUSED = ("A tag cannot hold a double quote (\"): in a story's tags field, quotes "
                 "surround a tag that holds a comma.")
NO_SLUG_REFUSED = ("A tag needs a letter or a digit, which make the address of its page; "
                   "“%(name)s” has none.")


class TagSlugConverter:
    """<tag:slug> in a URL: a tag's slug, letters and digits of any script (taggit's slugify).

    Django's <slug:...> takes ASCII only: a story tagged "Café" had no tag
    page, and its own page failed to link the tag. Combining accents too: "café" typed
    as "e" and U+0301 leads on to the tag (core.oldslugs.moved_slug composes it).
    """

    regex = r"[-\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def parse_tags(text):
    """The tag names typed in a tags field, sorted and without repeats in any case, each as
    first typed (TAGGIT_TAGS_FROM_STRING).

    Only commas separate tags, so "New York" is one tag; a tag in double
    quotes may hold commas ("Oil, gas"). taggit's own parser split on spaces
    when the field held no comma, which made "New York" the tags New and York.
    Quotes are read as taggit reads them, so the field's initial value (taggit's
    edit_string_for_tags, which quotes names with a comma or a space) and the
    revisions' stored tag_names read back as the same tags.
    """
    if not text:
        return []
    parts = strip_control_characters(text).split('"')
    # Odd places were between quotes; a quote left open quotes nothing, as in taggit.
    last_quoted = len(parts) - 1 if len(parts) % 2 else len(parts) - 2
    names = {}  # caseless: the first spelling typed (as_on_site keeps it)
    for index, part in enumerate(parts):
        quoted = index % 2 and index <= last_quoted
        for name in ([part] if quoted else part.split(",")):
            if name := name.strip():
                names.setdefault(caseless(name), name)
    # Sorted, as taggit's TagField.has_changed compares it with the sorted initial names.
    return sorted(names.values())


def check_tag_name(name):
    """Refuse a name that a story's tags field could not show and read back as one tag,
    or that would give its tag no page."""
    if '"' in name:
        raise ValidationError(QUOTE_REFUSED, code="quote")
    if not Tag(name=name).slugify(name):
        raise ValidationError(NO_SLUG_REFUSED, params={"name": name}, code="no_slug")


def _same_names(names):
    """The site's tags whose name is one of names in any case, oldest first.

    iexact ignores case in ASCII only on SQLite (and in PostgreSQL under the C
    locale), so the names are compared here: iexact finds a name of ASCII
    letters by its caseless form, and every name with another letter is read.
    """
    keys = {caseless(name) for name in names}
    found = Q.create([Q(name__iexact=key) for key in keys], connector=Q.OR)
    tags = Tag.objects.filter(found | Q(name__regex=r"[^\x01-\x7f]")).order_by("pk")
    return [tag for tag in tags if caseless(tag.name) in keys]


def lookalike(name, exclude_pk=None):
    """The tag on the site whose name is name in any case (the oldest, should there be several)."""
    return next((tag for tag in _same_names([name]) if tag.pk != exclude_pk), None)


def claim_tags(names):
    """Wait, in the save's transaction, until no other save making a tag named one of names
    (as they look, name_key) or with its slug is under way (core.rowlocks.claimed_alone).

    Two stories saved at once that both brought a new tag, or a story and the
    tag admin or the import, all found the tag missing and made it: the second
    INSERT failed on the name's unique index, a 500 that lost the story. Now
    the second waits for the first's commit, then finds the tag and uses it.
    Names before slugs, each in order, as every save claims them (the tag
    admin: its name, then its slug), so no two saves wait on each other.
    """
    claimed_each(Tag, "name", {name_key(name) for name in names})
    claimed_each(Tag, "slug", {Tag().slugify(name) for name in names})


def as_on_site(names):
    """names without repeats in another case, each spelled as the tag already on the site.

    "harbours" beside the site's "Harbours" is that tag, not a new one; of
    names repeated in another case, the first spelling is kept. Control
    characters and stray direction controls pasted with a name are dropped (core.text
    strip_stray_bidi), and a name that cannot be a tag is refused (check_tag_name).
    """
    return on_site(names)[0]


def on_site(names):
    """as_on_site(names), and the site's tags among them (as found: kept_or_gone)."""
    names = [strip_stray_bidi(strip_control_characters(name)).strip() for name in names]
    for name in names:
        check_tag_name(name)
    if not names:
        return [], []
    found = _same_names(names)
    new = {caseless(name) for name in names} - {caseless(tag.name) for tag in found}
    if new:  # a tag that another save is making at this moment is waited for, then found
        claim_tags([name for name in names if caseless(name) in new])
        found = _same_names(names)
        made = {caseless(tag.name) for tag in found}
        first = {}  # of names repeated in another case, the first (as below)
        for name in names:
            first.setdefault(caseless(name), name)
        clashes = address_clashes([name for key, name in first.items() if key not in made])
        if clashes:
            raise ValidationError([
                ValidationError(ADDRESS_TAKEN if shown else ADDRESS_SHARED, code="same_slug",
                                params={"name": name, "other": other, "slug": slug})
                for name, other, slug, shown in clashes])
    exact, known = set(), {}
    for tag in found:
        exact.add(tag.name)
        known.setdefault(caseless(tag.name), tag.name)
    unique = {}
    for name in names:
        key = caseless(name)
        unique.setdefault(key, name if name in exact else known.get(key, name))
    used = set(unique.values())
    return list(unique.values()), [tag for tag in found if tag.name in used]


ADDRESS_TAKEN = ("“%(name)s” would have the address of the tag “%(other)s”, /tags/%(slug)s/, "
                 "as a tag’s address keeps only its letters and digits. Type “%(other)s” to "
                 "use that tag, or add “%(name)s” in the tag list with a slug of its own first.")
ADDRESS_SHARED = ("“%(name)s” and “%(other)s” would have one address, /tags/%(slug)s/, as a "
                  "tag’s address keeps only its letters and digits. Keep one of them.")


def address_clashes(names):
    """(name, other, slug, shown) for each of names, tags to be made, whose slug is the
    slug of another tag: on the site (shown is true), or earlier in names; other is its name.

    "U.S." beside the site's "US" (or "A.I." beside "AI", "Ports!" beside
    "Ports") is a tag of its own to the name checks, yet taggit gave it the
    slug "us_1": a second page for one subject at an address nobody would
    guess. The story form, the import and the merge refuse it instead, naming
    the tag it would shadow.
    """
    slugs = {}
    for name in names:
        slugs.setdefault(caseless(Tag().slugify(name)), []).append(name)
    slugs.pop("", None)  # no slug: check_tag_name refuses it
    if not slugs:
        return []
    ascii_slugs = [slug for slug in slugs if slug.isascii()]
    found = Q(slug__regex=r"[^\x01-\x7f]") if len(ascii_slugs) < len(slugs) else Q(pk__in=[])
    if ascii_slugs:
        found |= Q.create([Q(slug__iexact=slug) for slug in ascii_slugs], connector=Q.OR)
    taken = {}
    for tag in Tag.objects.filter(found).order_by("pk").only("name", "slug"):
        taken.setdefault(caseless(tag.slug), tag)
    clashes = []
    for slug, named in slugs.items():
        tag = taken.get(slug)
        if tag is not None:
            clashes.extend((name, tag.name, tag.slug, True) for name in named)
        else:
            clashes.extend((name, named[0], slug, False) for name in named[1:])
    return clashes


GONE = ("The tag “%(name)s” was deleted while this story was being saved, so it was not "
        "saved. Save again to make it a new tag, or take it out of the tags; nothing else "
        "was lost.")
MERGED = ("The tag “%(name)s” was merged into “%(now)s” while this story was being saved, so "
          "it was not saved. Save again to make “%(name)s” a new tag, or type “%(now)s” "
          "instead; nothing else was lost.")


def kept_or_gone(tags):
    """Hold tags, the site's tags a story's form found, until the save's commit; a message
    for each one deleted or merged away since it was found, and {name: new name} of those
    renamed since (the story takes the tag under its new name).

    The tags of a story are written by name and the tagging's foreign key is
    checked at the commit: a tag deleted or merged away in the tag list
    meanwhile failed the save there, a 500 that lost the story (or the
    deletion's, had it gone second); renamed, it was made again under the old
    name. Held FOR KEY SHARE (core.rowlocks), a deletion, merge or rename waits
    for the save; one under way is waited for, then said or followed. Take it
    after the story's own row (EditConflictMixin): a deletion locks the stories
    carrying the tag before the tag.
    """
    from .models import OldTagSlug  # articles.models is not loaded with the tag parser

    if not tags:
        return [], {}
    held = dict(kept_until_commit(Tag.objects.filter(pk__in=[tag.pk for tag in tags])
                                  .order_by("pk").values_list("pk", "name")))
    problems, renamed = [], {}
    for tag in tags:
        now = held.get(tag.pk)
        if now is not None:
            if now != tag.name:
                renamed[tag.name] = now
        elif into := OldTagSlug.objects.filter(slug=tag.slug).values_list(
                "owner__name", flat=True).first():
            problems.append(ValidationError(MERGED, code="tag_merged",
                                            params={"name": tag.name, "now": into}))
        else:
            problems.append(ValidationError(GONE, code="tag_gone", params={"name": tag.name}))
    return problems, renamed
