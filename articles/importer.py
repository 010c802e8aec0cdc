"""Import newsroom copy from JSON (DESIGN.md section 8).

An import is all or nothing. `validate` reads and checks the whole file
without writing anything: each article through ArticleImportForm and each
author object through AuthorImportForm (articles/forms.py), then what only
the whole file can tell. `write` then saves it inside one transaction and
stores image files only at that point, deleting them again if writing fails.
`import_file` does both.
"""

import codecs
import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from taggit.models import Tag, TaggedItem
from taggit.utils import edit_string_for_tags

from authors.models import Author
from core import edge, pagecache
from core.images import MAX_UPLOAD_BYTES, delete_with_renditions, without_metadata
from core.rowlocks import claimed_alone, claimed_each, kept_until_commit
from core.text import CONTROL_CHARACTERS, ascii_slug, caseless, name_key, tidy_name

from .forms import (ARTICLE_KEYS, FILE_KEYS, ArticleImportForm, AuthorImportForm, CheckedImages,
                    ImportAuthorField, ImportUserField, import_status, json_type,
                    slug_from_headline)
from .invalidation import tagging_change
from .models import Article, OldSlug, RelatedArticle, Section, public_story
from .tags import address_clashes, claim_tags

PROGRESS_EVERY = 100  # articles
# An import file is read whole, then parsed into objects that take several times
# its size: a file of 4 GB ended in a MemoryError. A newsroom's archive goes in
# several files.
MAX_FILE_BYTES = 100 * 1024 * 1024
NESTED = ("image", "ai")  # objects whose keys are fields of the article


# ---------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, printed as one line."""

    message: str
    field: str = ""
    article: int | None = None  # counted from 1; None for the file as a whole
    slug: str | None = None  # given or made from the headline; None or "" when unknown

    def __str__(self):
        if self.article is None:
            where = "file"
        elif not self.slug:  # none given, and none made from a headline of no letters a-z
            where = f"article {self.article}"
        else:
            where = f'article {self.article} (slug "{self.slug}")'
        if self.field:
            return _printable(f'{where}: field "{self.field}": {self.message}')
        return _printable(f"{where}: {self.message}")


def _printable(line):
    """line with its line breaks, controls and lone surrogates escaped, as Python writes them.

    A problem line names slugs and keys and quotes values from the file, which
    may hold them: printed as they are, they would break the line in two, or
    be taken by the terminal for a command.
    """
    return "".join(ascii(char)[1:-1] if char in "\t\n\r" or CONTROL_CHARACTERS.match(char)
                   else char for char in line)


class ImportFailed(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: p.article or 0)
        count = len(self.problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'}; nothing was imported.")


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C came once the import was saved, in the work its commit set off."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0

    @property
    def total(self):
        return self.created + self.updated


# ---------------------------------------------------------------------------
# Reading JSON


class _JSONObject(dict):
    """A JSON object that remembers keys given twice, which json.loads would hide."""

    repeated = frozenset()

    @classmethod
    def from_pairs(cls, pairs):
        obj = cls(pairs)
        if len(obj) < len(pairs):
            seen = set()
            obj.repeated = frozenset(k for k, _ in pairs if k in seen or seen.add(k))
        return obj


def read_json(path):
    """The parsed file, or ImportFailed saying where it stops being valid JSON."""
    try:
        with Path(path).open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= MAX_FILE_BYTES:
                raw = handle.read(MAX_FILE_BYTES + 1)
                size = len(raw)  # grown since
    except OSError as error:
        raise ImportFailed([Problem(f"cannot read {path}: {error.strerror}")]) from None
    if size > MAX_FILE_BYTES:
        raise ImportFailed([Problem(
            f"the file is {size / 1024 / 1024:.1f} MB; an import file can be at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB: split it into several files")])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed([Problem(
            "UTF-16 text, not UTF-8: save the file again as UTF-8")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[:error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ImportFailed([Problem(
            f"not UTF-8 text (a byte that is none, 0x{raw[error.start]:02x}, at line {line}, "
            f"byte {column} of that line): save the file again as UTF-8")]) from None
    if not text.strip():
        raise ImportFailed([Problem(
            'the file is empty: an import file holds {"articles": [...]}')])
    try:
        # No value of the format is a number, so an integer is read as a float,
        # to be refused by its field as any number is: int() refuses more than
        # 4,300 digits (sys.get_int_max_str_digits) with a ValueError.
        return json.loads(text, object_pairs_hook=_JSONObject.from_pairs, parse_int=float)
    except json.JSONDecodeError as error:
        raise ImportFailed([Problem(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        )]) from None
    except RecursionError:
        # The parser recurses once a level, up to Python's limit (about 1,000).
        raise ImportFailed([Problem(
            "lists and objects are nested too deeply to read (the format has four levels "
            "at most)"
        )]) from None
    except MemoryError:
        raise ImportFailed([Problem(
            "not enough memory to read the file: split it into several files")]) from None


def _check_keys(obj, allowed, report, prefix=""):
    """Unknown keys and keys given twice, so that a typo never loses data silently."""
    for key in obj:
        if key not in allowed:
            report(prefix + key, "unknown field")
    for key in sorted(getattr(obj, "repeated", ())):
        report(prefix + key, "given more than once")


# ---------------------------------------------------------------------------
# Validation


@dataclass
class _AuthorPlan:
    """An author object from the file, merged over every article that gives it."""

    name: str
    first_article: int
    fields: dict = field(default_factory=dict)  # form field -> value, only those given
    given_by: dict = field(default_factory=dict)  # key -> article number that gave it
    existing: Author | None = None


@dataclass
class _ArticlePlan:
    number: int
    slug: str | None  # given or made from the headline, as problem lines name it
    data: dict  # ArticleImportForm field -> value in the file, None when left out
    problems: list
    image_given: bool = False  # an image object, which needs a file
    slug_made: bool = False  # made from the headline, none given
    author_key: str | None = None  # name_key() of an author object in the file
    form: ArticleImportForm | None = None

    def report(self, field_name, message):
        self.problems.append(Problem(message, field=field_name, article=self.number,
                                     slug=self.slug))


@dataclass
class ImportPlan:
    """Everything a valid file says, checked and ready to write."""

    articles: list  # _ArticlePlan, each with a valid form
    authors: dict  # name_key() -> _AuthorPlan
    digests: dict = field(default_factory=dict)  # picture's Path -> SHA-256 of the bytes checked


def validate(data, base_dir, progress=None):
    """Check everything in the parsed file; return an ImportPlan or raise ImportFailed.

    Reads the database (existing slugs, authors, users) but writes nothing.
    File paths are relative to base_dir, the JSON file's folder.
    """
    problems = []
    if not isinstance(data, dict):
        raise ImportFailed([Problem(
            f'the top level must be an object with an "articles" list, not {json_type(data)}'
        )])
    _check_keys(data, {"articles"}, lambda f, m: problems.append(Problem(m, field=f)))
    items = data.get("articles")
    if not isinstance(items, list):
        problems.append(Problem("required" if items is None else
                                f"must be a list of article objects, not {json_type(items)}",
                                field="articles"))
        raise ImportFailed(problems)

    images = {"base_dir": Path(base_dir), "checked_images": CheckedImages()}
    authors = {}
    plans = [plan for number, item in enumerate(items, start=1)
             if (plan := _read_article(number, item, authors, images, problems))]
    _check_unique_slugs(plans)
    _check_authors(plans, authors, problems)
    on_site = Article.objects.in_bulk(
        {plan.slug for plan in plans if plan.slug and _can_look_up(plan.slug)},
        field_name="slug")
    for plan in plans:
        plan.form = ArticleImportForm(plan.data, instance=on_site.get(plan.slug) or Article(),
                                      image_given=plan.image_given, **images)
        taken = _slug_taken_meanwhile(plan.form)
        for name, index, message in plan.form.problems():
            if taken and name == "slug":
                message = SLUG_TAKEN_MEANWHILE
            key = FILE_KEYS.get(name, "")
            plan.report(key if index is None else f"{key}[{index}]", message)
        if progress and plan.number % PROGRESS_EVERY == 0:
            progress("checked", plan.number, len(items))
    _check_related(plans)
    if problems:
        raise ImportFailed(problems)
    return ImportPlan(plans, authors, images["checked_images"].digests)


def _slug_taken_meanwhile(form):
    """Whether the story was new when validate looked its slug up, yet another story has the
    slug by the time its form is checked: another import, or an editor, saved one meanwhile.

    The form says "Article with this Slug already exists.", which reads as a
    fault in the file; run again, the import replaces that story.
    """
    return form.instance.pk is None and any(
        error.code == "unique" for error in form.errors.as_data().get("slug", ()))


def _can_look_up(text):
    """Whether text may be looked up as the file gives it.

    A string with a character the forms refuse names nothing, and the database
    refuses some of them even in a lookup: PostgreSQL a NUL, any of them a lone
    surrogate, which UTF-8 cannot encode.
    """
    return not CONTROL_CHARACTERS.search(text)


def _slug_for_messages(item):
    """The article's slug as ArticleImportForm makes it: the one given, else one made from the
    headline (an empty slug is none given). Problem lines name it; the story is found by it."""
    slug, headline = item.get("slug"), item.get("headline")
    if isinstance(slug, str) and slug:
        return slug
    if isinstance(headline, str):
        return slug_from_headline(headline)
    return None


def _read_article(number, item, authors, images, problems):
    """The article's keys as form data, with its author object checked and merged."""
    if not isinstance(item, dict):
        problems.append(Problem(f"must be an object, not {json_type(item)}", article=number))
        return None
    plan = _ArticlePlan(number, _slug_for_messages(item), dict.fromkeys(FILE_KEYS), problems,
                        image_given=isinstance(item.get("image"), dict),
                        slug_made=not (isinstance(item.get("slug"), str) and item["slug"]))
    given = {}
    for key, value in item.items():
        if key in NESTED and isinstance(value, dict):
            given.update((f"{key}.{sub}", sub_value) for sub, sub_value in value.items())
            for sub in sorted(getattr(value, "repeated", ())):
                plan.report(f"{key}.{sub}", "given more than once")
        elif key in NESTED:
            if value is not None:  # null is not given, as for every other key
                plan.report(key, f"must be an object, not {json_type(value)}")
        elif "." in key:
            # "image.file" names a key inside "image", not one beside it: taken
            # so, it was stored over the picture the "image" object gave.
            plan.report(key, "unknown field")
        else:
            given[key] = value
    _check_keys(given, ARTICLE_KEYS, plan.report)
    for key in sorted(getattr(item, "repeated", ())):
        plan.report(key, "given more than once")
    plan.data.update((ARTICLE_KEYS[key], value) for key, value in given.items()
                     if key in ARTICLE_KEYS)
    if isinstance(plan.data["author"], dict):
        _read_author(plan, authors, images)
    return plan


def _read_author(plan, authors, images):
    """Check an author object and merge it; two articles may not disagree about a field."""
    form = AuthorImportForm(plan.data["author"], **images)
    _check_keys(form.data, form.fields, plan.report, prefix="author.")
    for name, errors in form.errors.items():
        for message in errors:
            plan.report(f"author.{name}", message)
    if not form.is_valid():
        return
    name = tidy_name(form.cleaned_data["name"])
    plan.author_key = name_key(name)
    author = authors.setdefault(plan.author_key, _AuthorPlan(name, plan.number))
    for key, value in form.given().items():
        if key in author.given_by and author.fields[key] != value:
            plan.report(f"author.{key}", f"differs from article {author.given_by[key]}, "
                                         "which gives the same author")
            continue
        author.given_by.setdefault(key, plan.number)
        author.fields[key] = value


def _check_unique_slugs(plans):
    """Each article needs a slug of its own, in more than capitals (as in the admin).

    "Imp-Case" beside "imp-case" would be two addresses readers cannot tell
    apart, in the file or beside a story on the site; a story's own slug,
    exactly as on the site, replaces that story.
    """
    first = {}  # caseless slug -> the first plan with it
    for plan in plans:
        if not plan.slug:
            continue
        other = first.setdefault(caseless(plan.slug), plan)
        if other.slug == plan.slug and other is not plan and (plan.slug_made or other.slug_made):
            plan.report("slug", f'article {other.number} has the same slug, "{plan.slug}", '
                                "made from the headline where none is given; each article "
                                "needs its own")
        elif other.slug == plan.slug and other is not plan:
            plan.report("slug", f"article {other.number} has the same slug; each article "
                                "needs its own")
        elif other is not plan:
            plan.report("slug", f'article {other.number} has the slug "{other.slug}": two '
                                "stories' slugs must differ in more than capitals")
    # Slugs are ASCII (SlugField), which LOWER folds on every database.
    lowered = {plan.slug.lower() for plan in plans if plan.slug and _can_look_up(plan.slug)}
    on_site = defaultdict(list)
    for slug, headline in (Article.objects.annotate(lowered=Lower("slug"))
                           .filter(lowered__in=lowered).values_list("slug", "headline")):
        on_site[slug.lower()].append((slug, headline))
    for plan in plans:
        for slug, headline in on_site.get(plan.slug.lower() if plan.slug else None, ()):
            if slug != plan.slug:
                plan.report("slug", f'the story "{headline}" has the slug "{slug}": two '
                                    "stories' slugs must differ in more than capitals")


def _check_authors(plans, authors, problems):
    """Author.ai_rule_errors on each author object as the whole file would leave it.

    An author the file describes may also be named by slug in other articles;
    all of them count as the author's stories. Each article is then given its
    author as the import leaves it, so that Article.clean checks its AI record.
    """
    on_site = in_any_case(Author.objects.all(), [author.name for author in authors.values()])
    for key, author in authors.items():
        author.existing = on_site.get(key)
    described = {author.existing.pk: key for key, author in authors.items() if author.existing}
    slugs = {plan.data["author"].strip() for plan in plans
             if isinstance(plan.data["author"], str) and _can_look_up(plan.data["author"])}
    by_slug = Author.objects.in_bulk(slugs, field_name="slug")
    for plan in plans:
        if isinstance(plan.data["author"], str) and plan.data["author"].strip() in by_slug:
            plan.data["author"] = by_slug[plan.data["author"].strip()]
            plan.author_key = described.get(plan.data["author"].pk)

    stories = defaultdict(list)
    for plan in plans:
        stories[plan.author_key].append(plan)
    slugs_by_number = {plan.number: plan.slug for plan in plans}
    for key, author in authors.items():
        existing = author.existing
        was_ai = existing.is_ai if existing else None
        is_ai = author.fields.get("is_ai", bool(was_ai))
        disclosure = author.fields.get("ai_disclosure",
                                       existing.ai_disclosure if existing else "")
        # Published here means status "published", scheduled stories too, before
        # or after this import: either way readers were or will be told.
        publishes = was_ai is not None and was_ai != is_ai and (
            any(import_status(plan.data) == Article.Status.PUBLISHED for plan in stories[key])
            or existing.has_published_stories())
        errors = Author(name=author.name, is_ai=is_ai,
                        ai_disclosure=disclosure).ai_rule_errors(was_ai, publishes)
        for name, message in errors.items():
            number = (author.given_by.get(name) or author.given_by.get("is_ai")
                      or author.first_article)
            problems.append(Problem(message, field=f"author.{name}", article=number,
                                    slug=slugs_by_number.get(number)))
        # A refused change is not made: the stories are checked as the author stands.
        # A new author has no pk yet; Article.clean reads only its AI flag.
        stand_in = Author(pk=existing.pk if existing else -author.first_article,
                          name=author.name, is_ai=was_ai if "is_ai" in errors else is_ai)
        for plan in stories[key]:
            plan.data["author"] = stand_in


def in_any_case(queryset, names):
    """{name_key(name): the row of queryset with that name in any case}, for those it has.

    Sections and authors are matched so, as they look (name_key): in any case,
    a no-break space or a zero-width space in a name. Compared in Python, in
    every script: SQLite's case-insensitive match (iexact) folds only ASCII
    letters, so "LUCÍA MARROW" became a second author beside "Lucía Marrow".
    Of rows whose names differ only so, the one spelled as given is taken,
    else the oldest. A newsroom has a dozen sections and tens to a few
    thousand authors, so their names are read in one query (10,000 take well
    under 0.1 s).
    """
    wanted = {name_key(name): name for name in names}
    found = {}
    if wanted:
        for pk, name in queryset.order_by("pk").values_list("pk", "name"):
            key = name_key(name)
            if key in wanted and (key not in found or name == wanted[key]):
                found[key] = pk
    rows = queryset.in_bulk(found.values())
    return {key: rows[pk] for key, pk in found.items()}


def _check_related(plans):
    """related names articles later in this file or on the site, each once, by position.

    A story renamed while public may be named by its old slug, as its old
    address leads to it (articles.models.moved_story_slug, whose OldSlug
    rule this is: a slug in the file is not matched in another case, as an
    address is): it stands for the story's slug from here on.
    """
    in_file = {plan.slug for plan in plans if plan.slug}
    wanted = {slug for plan in plans for slug in plan.form.cleaned_data.get("related", ())}
    known = in_file | set(Article.objects.filter(slug__in=wanted - in_file)
                          .values_list("slug", flat=True))
    moved = dict(OldSlug.objects.filter(public_story("article__"), slug__in=wanted - known)
                 .values_list("slug", "article__slug"))
    known |= set(moved.values())
    for plan in plans:
        related = plan.form.cleaned_data.get("related")
        if related is None:
            continue
        first = {}  # slug -> the position that first names its story
        for index, given in enumerate(related):
            slug = moved.get(given, given)
            problem = _related_problem(plan, related, given, slug, known, first)
            if problem:
                plan.report(f"related[{index}]", problem)
            first.setdefault(slug, index)
        plan.form.cleaned_data["related"] = [moved.get(slug, slug) for slug in related]


def _related_problem(plan, related, given, slug, known, first):
    """What is wrong with `given` in plan's related list, which leads to `slug`; else None."""
    if slug not in known:
        return f'no article with slug "{given}" in this file or on the site'
    if slug == plan.slug:
        if given != slug:
            return f'"{given}" is the old slug of this article, which cannot be related to itself'
        return "an article cannot be related to itself"
    if slug not in first:
        return None
    earlier = related[first[slug]]
    if given != slug:
        repeat = f'"{given}" is the old slug of "{slug}", already at related[{first[slug]}]'
    elif earlier != given:
        repeat = f'"{given}" is already at related[{first[slug]}], by its old slug "{earlier}"'
    else:
        repeat = f'"{given}" is already at related[{first[slug]}]'
    return f"{repeat}; pick each related story once"


# ---------------------------------------------------------------------------
# Writing


class FileChanged(Exception):
    """A picture's file is not what was checked: changed, or gone, since."""


FILE_CHANGED = "the file changed after it was checked; run the import again"


class _Files:
    """Storage files this import wrote (undone on failure) and replaced (removed on commit)."""

    def __init__(self, digests):
        self.digests = digests  # Path -> SHA-256 of the bytes checked (ImportPlan.digests)
        self.written = []  # (storage, name)
        self.replaced = []  # (model field, name)

    def save(self, field_file, path):
        """Store path's bytes in field_file unless it already holds exactly those bytes.

        They must be the bytes that were checked, else FileChanged: a picture
        overwritten with a web page while a long file was checked was stored,
        and served as a JPEG. Comparing bytes keeps a re-import of unchanged
        copy from storing (and rendering) every picture again: the bytes as
        they would be stored, without their metadata (core.images.without_metadata).
        """
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_UPLOAD_BYTES + 1)
        except OSError:
            raise FileChanged from None
        if hashlib.sha256(data).hexdigest() != self.digests.get(path):
            raise FileChanged
        if field_file and _stored_bytes(field_file) == without_metadata(data):
            return
        if field_file:
            self.replaced.append((field_file.field, field_file.name))
        field_file.save(path.name, ContentFile(data), save=False)
        self.written.append((field_file.storage, field_file.name))

    def clear(self, instance, attname):
        field_file = getattr(instance, attname)
        if field_file:
            self.replaced.append((field_file.field, field_file.name))
            setattr(instance, attname, "")

    def undo(self):
        for storage, name in self.written:
            delete_with_renditions(storage, name)

    def remove_replaced(self):
        for model_field, name in self.replaced:
            # Another row may have been pointed at the same file; leave it then.
            rows = model_field.model._default_manager.filter(**{model_field.name: name})
            if not rows.exists():
                delete_with_renditions(model_field.storage, name)


def _stored_bytes(field_file):
    try:
        with field_file.storage.open(field_file.name, "rb") as stored:
            return stored.read()
    except OSError:
        return None


# PostgreSQL's advisory lock that one import at a time holds while it writes
# (SQLite's IMMEDIATE transactions write one at a time already).
IMPORT_LOCK = int.from_bytes(b"eva-impt")
CHANGED_MEANWHILE = ("changed by someone else while this file was checked; nothing was "
                     "written: run the import again")
SLUG_TAKEN_MEANWHILE = ("another story took this slug while this file was checked; nothing "
                        "was written: run the import again")
RELATED_GONE_MEANWHILE = ('"%s" no longer names a story: it was deleted or given another slug '
                          "while this file was checked; nothing was written: run the import "
                          "again")
# After the words for a name the file gives that names nothing on the site.
AUTHOR_GONE_MEANWHILE = ("the author was deleted or given another slug while this file was "
                         "checked; nothing was written: run the import again")
REVIEWER_GONE_MEANWHILE = ("the account was deleted or renamed while this file was checked; "
                           "nothing was written: run the import again")


def _one_import_at_a_time():
    """Wait, in the write's transaction, until no other import is writing."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _claim_names(plan):
    """Wait, in the write's transaction, until no editor's save is adding a section, an author
    or a tag the file names, or one with the slug the import would give it, or a story with
    the slug of a story the file adds (core.rowlocks.claimed_alone); then it is found
    (_check_unchanged, _save_sections, _save_tags) rather than made again.

    Made here too, one of the two failed on the unique index: the import with
    the database's words, or the editor's form with a 500. Claimed before any row
    is locked, and names before slugs, as the forms claim them before the
    conflict check locks their row; stories' slugs before tags, as the story
    form claims them: the other way round, the two could wait on each other.
    While the import holds a story's slug, the story form waits for its commit
    and then says the slug is taken.
    """
    sections = {name_key(name): tidy_name(name) for name in (
        article.form.cleaned_data["section"] for article in plan.articles)}
    authors = {key: spec.name for key, spec in plan.authors.items() if spec.existing is None}
    # A file naming many (core.rowlocks.CLAIMED_ONE_BY_ONE) claims the whole field in one
    # lock: every form giving one waits for the commit, as on SQLite.
    for model, names, fallback in ((Section, sections, "section"), (Author, authors, "author")):
        claimed_each(model, "name", names)
        claimed_each(model, "slug", {_base_slug(model, name, fallback)
                                     for name in names.values()})
    claimed_each(Article, "slug", [article.slug for article in plan.articles
                                   if article.form.instance.pk is None])
    claim_tags({name for article in plan.articles for name in article.form.cleaned_data["tags"]})


def _check_unchanged(plan):
    """Raise ImportFailed if a story or author the file replaces changed since it was checked.

    The file is checked before the write's transaction begins, against the
    rows as they were then: an import that overlapped another pointed a story
    at a picture the other had deleted, and left the other's pictures in
    media/ with no row. Rows the file replaces are locked until the commit
    (PostgreSQL; SQLite's write lock covers them); a story or author the file
    makes must not have been made meanwhile.
    """
    problems = []
    replaced = {article.form.instance.pk: article for article in plan.articles
                if article.form.instance.pk is not None}
    now = _locked_rows(Article, replaced, "image")
    for pk, article in replaced.items():
        checked = (article.form.instance.updated_at, article.form.stored_image)
        if now.get(pk) != checked:
            problems.append(Problem(CHANGED_MEANWHILE, article=article.number,
                                    slug=article.slug))
    made = {article.slug: article for article in plan.articles
            if article.form.instance.pk is None}
    for slug in _existing(Article.objects.all(), "slug", made):
        problems.append(Problem(SLUG_TAKEN_MEANWHILE, field="slug", article=made[slug].number,
                                slug=slug))
    described = {spec.existing.pk: spec for spec in plan.authors.values() if spec.existing}
    now = _locked_rows(Author, described, "avatar")
    for pk, spec in described.items():
        if now.get(pk) != (spec.existing.updated_at, spec.existing.avatar.name):
            problems.append(Problem(f'author "{spec.name}" {CHANGED_MEANWHILE}',
                                    article=spec.first_article))
    new = [spec for spec in plan.authors.values() if not spec.existing]
    added = in_any_case(Author.objects.all(), [spec.name for spec in new])
    for spec in new:
        if name_key(spec.name) in added:
            problems.append(Problem(f'author "{spec.name}" was added by someone else while '
                                    "this file was checked; nothing was written: run the "
                                    "import again", article=spec.first_article))
    problems += _related_gone(plan)
    problems += _named_gone(plan)
    if problems:
        raise ImportFailed(problems)


def _related_gone(plan):
    """Problems for the stories on the site that related lists name and that are gone since
    the file was checked; those still there are kept until the commit.

    An editor deleting one, or changing its slug, while a large file was
    checked failed the import with "could not be saved: 'the-slug'", naming no
    article; and one deleted later in the write failed it at the commit.
    """
    in_file = {article.slug for article in plan.articles}
    named = {slug for article in plan.articles
             for slug in article.form.cleaned_data.get("related") or ()} - in_file
    found = set()
    for batch in _batches(list(named)):
        found.update(slug for (slug,) in kept_until_commit(
            Article.objects.filter(slug__in=batch).values_list("slug")))
    return [Problem(RELATED_GONE_MEANWHILE % slug, field=f"related[{index}]",
                    article=article.number, slug=article.slug)
            for article in plan.articles
            for index, slug in enumerate(article.form.cleaned_data.get("related") or ())
            if slug in named and slug not in found]


def _named_gone(plan):
    """Problems for the authors named by slug and the reviewing editors named by username that
    are gone or renamed since the file was checked; those still there are kept until the
    commit, in the words for a name that names nothing (ArticleImportForm's fields).

    The form found each as the file was checked: one deleted meanwhile
    failed the import at the commit, with the database's words for the
    foreign key and no article named, and one renamed took the story all
    the same.
    """
    named = defaultdict(list)  # (model, pk, slug or username) -> [(article, field, words)]
    for article in plan.articles:
        cleaned = article.form.cleaned_data
        if article.author_key is None and cleaned.get("author") is not None:
            author = cleaned["author"]
            named[Author, author.pk, author.slug].append((article, "author", (
                ImportAuthorField.default_error_messages["invalid_choice"]
                % {"value": author.slug}, AUTHOR_GONE_MEANWHILE)))
        if cleaned.get("ai_reviewed_by") is not None:
            user = cleaned["ai_reviewed_by"]
            named[type(user), user.pk, user.get_username()].append((
                article, "ai.reviewed_by", (ImportUserField.default_error_messages[
                    "invalid_choice"] % {"value": user.get_username()},
                    REVIEWER_GONE_MEANWHILE)))
    found = set()
    for model in {model for model, _, _ in named}:
        key = "slug" if model is Author else model.USERNAME_FIELD
        pks = [pk for named_model, pk, _ in named if named_model is model]
        for batch in _batches(pks):
            found.update((model, pk, name) for pk, name in kept_until_commit(
                model._default_manager.filter(pk__in=batch).values_list("pk", key)))
    return [Problem(": ".join(words), field=field_name, article=article.number,
                    slug=article.slug)
            for name, uses in named.items() if name not in found
            for article, field_name, words in uses]


def _locked_rows(model, pks, file_field):
    """{pk: (updated_at, the file's name)} of model's rows pks, locked until the commit."""
    rows = {}
    for batch in _batches(list(pks)):
        rows.update((pk, (updated_at, name)) for pk, updated_at, name in (
            model.objects.select_for_update().filter(pk__in=batch)
            .values_list("pk", "updated_at", file_field)))
    return rows


def _existing(queryset, field_name, values):
    """Those of values that a row of queryset has in field_name."""
    found = []
    for batch in _batches(list(values)):
        found += queryset.filter(**{f"{field_name}__in": batch}).values_list(
            field_name, flat=True)
    return found


def _batches(values, size=500):
    """values in lists of at most size: SQLite takes only so many parameters in one query."""
    return [values[start:start + size] for start in range(0, len(values), size)]


def write(plan, progress=None):
    """Save a validated ImportPlan in one transaction; return an ImportResult.

    If anything fails, the transaction rolls back, the files stored so far
    are deleted, and ImportFailed names the article that could not be saved.
    Ctrl-C (KeyboardInterrupt) deletes them too, and is raised again; once
    the rows are committed it is raised as InterruptedAfterCommit, and their
    files stay. Files that re-imported articles no longer use are deleted
    after commit.
    """
    # Every edge purge (the pages changed, the pictures replaced or left by a failure)
    # sent as one once the commit's work is done.
    with edge.purges_gathered():
        return _write(plan, progress)


def _write(plan, progress):
    files = _Files(plan.digests)
    result = ImportResult()
    saved_rows = []  # not empty once the rows are in: their files must stay
    try:
        # The rows' page-cache stamps as one, before the commit (changes_gathered).
        with transaction.atomic(), pagecache.changes_gathered():
            # First of the work the commit sets off (queueing renditions, deleting
            # replaced pictures), any of which Ctrl-C may interrupt.
            transaction.on_commit(lambda: saved_rows.append("committed"))
            _one_import_at_a_time()
            _claim_names(plan)
            _check_unchanged(plan)
            sections = _save_sections(plan)
            authors = _save_authors(plan, files)
            saved = {}
            for count, article in enumerate(plan.articles, start=1):
                saved[article.slug] = _save_article(article, sections, authors, files, result)
                if progress and count % PROGRESS_EVERY == 0:
                    progress("imported", count, len(plan.articles))
            _save_tags(plan, saved)
            _save_related(plan, saved)
            # A file left behind costs only space: no error of its says the import failed.
            transaction.on_commit(files.remove_replaced, robust=True)
        saved_rows.append("saved")  # committed, or released into the caller's transaction
    except KeyboardInterrupt:
        if saved_rows:
            raise InterruptedAfterCommit from None
        raise
    except Exception as error:
        if saved_rows or isinstance(error, ImportFailed):
            raise  # an error after the commit does not undo the import
        raise ImportFailed([Problem(f"could not be saved: {error}")]) from error
    finally:
        if not saved_rows:  # whatever stopped it, Ctrl-C included
            files.undo()
    return result


def _save_sections(plan):
    """Sections by name_key(), matched as they look (in_any_case), created when missing.

    A new section is appended to the navigation, in the order the file first names them.
    """
    names = {}
    for article in plan.articles:
        name = article.form.cleaned_data["section"]
        names.setdefault(name_key(name), tidy_name(name))
    sections = _kept(in_any_case(Section.objects.all(), names.values()))
    for key, name in names.items():
        if key not in sections:
            last = Section.objects.aggregate(last=Max("position"))["last"]
            sections[key] = Section.objects.create(
                name=name, slug=_unique_slug(Section, name, "section"),
                position=0 if last is None else last + 1,
            )
    return sections


def _kept(rows):
    """Those of rows ({key: row}) still stored, kept until the commit
    (core.rowlocks.kept_until_commit).

    A section or tag the import files stories in, deleted by an editor once it
    was found, failed the import at the commit with the database's words for
    the foreign key; now the deletion waits for the commit. One deleted
    before it is found is made again, as any the site lacks.
    """
    by_model = defaultdict(list)
    for row in rows.values():
        by_model[type(row)].append(row.pk)
    kept = set()
    for model, pks in by_model.items():
        for batch in _batches(pks):
            kept.update((model, pk) for (pk,) in kept_until_commit(
                model._default_manager.filter(pk__in=batch).values_list("pk")))
    return {key: row for key, row in rows.items() if (type(row), row.pk) in kept}


def _save_authors(plan, files):
    authors = {}
    for key, spec in plan.authors.items():
        author = spec.existing or Author(
            name=spec.name, slug=_unique_slug(Author, spec.name, "author"))
        fields = dict(spec.fields)
        avatar = fields.pop("avatar", None)
        for name, value in fields.items():
            setattr(author, name, value)
        try:
            if avatar:
                files.save(author.avatar, avatar)
            elif avatar == "":  # an empty path removes the author's avatar
                files.clear(author, "avatar")
            author.save()
        except FileChanged:
            number = spec.given_by["avatar"]
            slug = next(article.slug for article in plan.articles if article.number == number)
            raise ImportFailed([Problem(FILE_CHANGED, field="author.avatar", article=number,
                                        slug=slug)]) from None
        except Exception as error:
            raise ImportFailed([Problem(f'author "{spec.name}" could not be saved: {error}',
                                        article=spec.first_article)]) from error
        authors[key] = author
    return authors


def _save_article(article, sections, authors, files, result):
    # The form set every field, so a re-import leaves nothing of the old version behind.
    cleaned, instance = article.form.cleaned_data, article.form.instance
    if instance.pk is None:
        result.created += 1
    else:
        result.updated += 1
    instance.section = sections[name_key(cleaned["section"])]
    instance.author = authors[article.author_key] if article.author_key else cleaned["author"]
    instance.image = article.form.stored_image
    try:
        if cleaned["image"]:
            files.save(instance.image, cleaned["image"])
        else:
            files.clear(instance, "image")
        instance._change_reason = "Imported with import_articles"  # the revision's note
        instance.save()
    except ValidationError as error:
        raise ImportFailed([
            Problem(message, field=FILE_KEYS.get(name, ""), article=article.number,
                    slug=article.slug)
            for name, messages in error.message_dict.items() for message in messages
        ]) from error
    except FileChanged:
        raise ImportFailed([Problem(FILE_CHANGED, field="image.file", article=article.number,
                                    slug=article.slug)]) from None
    except Exception as error:
        raise ImportFailed([Problem(f"could not be saved: {error}", article=article.number,
                                    slug=article.slug)]) from error
    return instance


def _save_tags(plan, saved):
    """Give each saved article the tags its file names, every article at once.

    As taggit's tags.set() does: a tagging the article keeps stays, the
    others go, and its latest revision lists the tags it is left with
    (articles.models._update_revision_tags). One article at a time that took
    a dozen queries and two page-cache stamps per tag: most of a large
    import's time, all of it holding the write lock that SQLite has one of.
    bulk_create sends no signal, so the new taggings' pages are staled here.
    """
    names = _tag_names(plan)
    tags = _tags_on_site(plan, names)
    wanted = {saved[article.slug].pk: [tags[name] for name in names[article.number]]
              for article in plan.articles}
    content_type = ContentType.objects.get_for_model(Article)
    old = defaultdict(dict)  # article pk -> {tag pk: tagging pk}
    for pk, object_id, tag_id in (TaggedItem.objects
                                  .filter(content_type=content_type, object_id__in=wanted)
                                  .values_list("pk", "object_id", "tag_id")):
        old[object_id][tag_id] = pk
    gone = {object_id: [pk for tag_id, pk in taggings.items()
                        if tag_id not in {tag.pk for tag in wanted[object_id]}]
            for object_id, taggings in old.items()}
    # Deleted with each one's signals, as taggit deletes them.
    TaggedItem.objects.filter(pk__in=[pk for pks in gone.values() for pk in pks]).delete()
    new = TaggedItem.objects.bulk_create(
        TaggedItem(content_type=content_type, object_id=pk, tag=tag)
        for pk, article_tags in wanted.items() for tag in article_tags if tag.pk not in old[pk])
    if new:
        pagecache.changed(frozenset().union(
            *(tagging_change(tagging, "created").tags for tagging in new)))
    retagged = {tagging.object_id for tagging in new} | {pk for pk, pks in gone.items() if pks}
    _list_tags_in_revisions({pk: wanted[pk] for pk in retagged})


def _tag_names(plan):
    """{article number: names of its tags}, as the story form's as_on_site() gives them.

    Matched as they look (name_key), a name is the tag on the site, or one an
    earlier article made: a name spelled exactly as a tag on the site is that
    tag; another is the oldest such tag, or the file's first spelling, tidied
    (tidy_name). "Port\u00a0Evander" and "Ｐｏｒｔ Evander" are "Port Evander".
    Read for the whole file at once.
    """
    given = list(dict.fromkeys(name for article in plan.articles
                               for name in article.form.cleaned_data["tags"]))
    exact = set(Tag.objects.filter(name__in=given).values_list("name", flat=True))
    spelled = {}  # name_key -> the oldest tag on the site, else the file's first spelling
    for name in _tags_that_look_like({name_key(name) for name in given}):
        spelled.setdefault(name_key(name), name)
    for name in given:
        spelled.setdefault(name_key(name), tidy_name(name))
    names = {}
    for article in plan.articles:
        chosen = {}  # of names repeated in another case, the first is kept
        for name in article.form.cleaned_data["tags"]:
            key = name_key(name)
            chosen.setdefault(key, name if name in exact else spelled[key])
        names[article.number] = list(chosen.values())
    return names


def _tags_that_look_like(keys):
    """The names of the site's tags whose name_key() is one of keys, oldest first.

    A name of printable ASCII without two spaces in a row is its own key in
    lower case, which LOWER finds on every database; any other name is read.
    """
    rows = dict(Tag.objects.filter(name__regex=r"[^ -~]|  ").values_list("pk", "name"))
    for batch in _batches([key for key in keys if key.isascii()]):
        rows.update(Tag.objects.annotate(lowered=Lower("name")).filter(lowered__in=batch)
                    .values_list("pk", "name"))
    return [name for pk, name in sorted(rows.items()) if name_key(name) in keys]


def _tags_on_site(plan, names):
    """{name: Tag} for every name in names, making the tags the site lacks."""
    first = {}  # name -> the first article to name it
    for article in plan.articles:
        for name in names[article.number]:
            first.setdefault(name, article)
    tags = _kept(Tag.objects.in_bulk(list(first), field_name="name"))
    claim_tags([name for name in first if name not in tags])  # and their slugs
    clashes = address_clashes([name for name in first if name not in tags])
    if clashes:
        raise ImportFailed([_address_clash(first[name], name, other, slug, shown)
                            for name, other, slug, shown in clashes])
    for name, article in first.items():
        if name not in tags:
            try:
                tags[name] = Tag.objects.create(name=name)
            except Exception as error:
                raise ImportFailed([Problem(f'tag "{name}" could not be saved: {error}',
                                            field="tags", article=article.number,
                                            slug=article.slug)]) from error
    return tags


def _address_clash(article, name, other, slug, shown):
    """The problem of a tag named name whose slug would be another's (tags.address_clashes):
    the tag on the site named other, or the one other names in this file."""
    keys = [name_key(given) for given in article.form.cleaned_data["tags"]]
    index = keys.index(name_key(name)) if name_key(name) in keys else None
    why = "as a tag's address keeps only its letters and digits"
    message = (f'tag "{name}" would have the address of the tag "{other}" on the site, '
               f'/tags/{slug}/, {why}: write "{other}" to use that tag, or add "{name}" in '
               "the tag list with a slug of its own first" if shown else
               f'tags "{other}" and "{name}" in this file would have one address, '
               f'/tags/{slug}/, {why}: write one of them')
    return Problem(message, field="tags" if index is None else f"tags[{index}]",
                   article=article.number, slug=article.slug)


def _list_tags_in_revisions(tags):
    """Each article's latest revision lists its tags, {article pk: [Tag]} (ArticleRevision)."""
    revisions = Article.history.model.objects.filter(id__in=tags).order_by(
        "id", "-history_date", "-history_id").values_list("id", "history_id")
    latest = {}
    for pk, history_id in revisions:
        latest.setdefault(pk, history_id)
    Article.history.model.objects.bulk_update(
        [Article.history.model(history_id=history_id, tag_names=edit_string_for_tags(tags[pk]))
         for pk, history_id in latest.items()], ["tag_names"])


def _save_related(plan, saved):
    RelatedArticle.objects.filter(from_article__in=list(saved.values())).delete()
    related = {article.slug: article.form.cleaned_data["related"] for article in plan.articles}
    wanted = {slug for slugs in related.values() for slug in slugs} - saved.keys()
    on_site = Article.objects.in_bulk(wanted, field_name="slug")
    RelatedArticle.objects.bulk_create(
        RelatedArticle(from_article=saved[slug], to_article=saved.get(to) or on_site[to],
                       position=position)
        for slug, slugs in related.items() for position, to in enumerate(slugs)
    )


def _unique_slug(model, text, fallback):
    """ascii_slug(text), made unique in model with -2, -3... and cut to the field's length."""
    max_length = model._meta.get_field("slug").max_length
    base = _base_slug(model, text, fallback)
    slug, number = base, 2
    while _taken(model, slug):
        suffix = f"-{number}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
        number += 1
    return slug


def _base_slug(model, text, fallback):
    """ascii_slug(text) cut to model's slug field, or fallback: the first slug tried."""
    return ascii_slug(text)[:model._meta.get_field("slug").max_length].strip("-") or fallback


def _taken(model, slug):
    """Whether a row of model has slug, once a save giving it meanwhile has ended
    (core.rowlocks.claimed_alone): a slug an editor was giving failed the import on the
    unique index."""
    claimed_alone(model, "slug", slug)
    return model.objects.filter(slug=slug).exists()


def import_file(path, progress=None):
    """Validate and write one import file, all or nothing (DESIGN.md section 8).

    progress, if given, is called as progress(stage, done, total) every
    PROGRESS_EVERY articles, stage being "checked" or "imported".
    """
    data = read_json(path)
    plan = validate(data, Path(path).resolve().parent, progress)
    return write(plan, progress)
