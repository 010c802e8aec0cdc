"""Import newsroom copy from JSON (DESIGN.md section 8).

An import is all or nothing. `validate` reads and checks the whole file
without writing anything; `write` then saves it inside one transaction and
stores image files only at that point, deleting them again if writing fails.
`import_file` does both.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from authors.models import Author
from core.images import check_image_decodes, delete_with_renditions
from core.text import normalize

from .models import REVIEWER_NOT_STAFF, Article, RelatedArticle, Section, reviewer_problem

ARTICLE_KEYS = {"slug", "headline", "dek", "body", "section", "author", "status",
                "published_at", "featured", "image", "tags", "related", "ai"}
AUTHOR_KEYS = {"name", "is_ai", "title", "bio", "ai_disclosure", "avatar"}
IMAGE_KEYS = {"file", "alt", "caption", "credit_source", "credit_photographer", "ai_generated"}
AI_KEYS = {"involvement", "reviewed_by", "reviewed_at"}

# Article fields as the import file names them, for errors raised by the model.
MODEL_TO_IMPORT_FIELD = {
    "is_featured": "featured", "image": "image.file", "image_alt": "image.alt",
    "image_caption": "image.caption", "image_credit_source": "image.credit_source",
    "image_credit_photographer": "image.credit_photographer",
    "image_is_ai_generated": "image.ai_generated", "ai_involvement": "ai.involvement",
    "ai_reviewed_by": "ai.reviewed_by", "ai_reviewed_at": "ai.reviewed_at", "__all__": "",
}
TAG_MAX_LENGTH = 100  # taggit's Tag.name
PROGRESS_EVERY = 100  # articles
# PostgreSQL refuses a NUL in text, even to look something up with it.
NUL_PROBLEM = "must not contain a NUL character"


def _max_length(model, name):
    return model._meta.get_field(name).max_length


# ---------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, printed as one line."""

    message: str
    field: str = ""
    article: int | None = None  # counted from 1; None for the file as a whole
    slug: str | None = None  # given or made from the headline; None when unknown

    def __str__(self):
        if self.article is None:
            where = "file"
        elif self.slug is None:
            where = f"article {self.article}"
        else:
            where = f'article {self.article} (slug "{self.slug}")'
        if self.field:
            return f'{where}: field "{self.field}": {self.message}'
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: p.article or 0)
        count = len(self.problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'}; nothing was imported.")


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
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ImportFailed([Problem(f"cannot read {path}: {error.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [Problem(f"not UTF-8 text (bad byte at offset {error.start})")]
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_JSONObject.from_pairs)
    except json.JSONDecodeError as error:
        raise ImportFailed([Problem(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        )]) from None


def _json_type(value):
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


class _Fields:
    """Typed reads from one JSON object; every bad value is reported, not raised.

    A read returns None when the key is absent, null, or bad, so callers
    fall back to the default; a bad value has already been reported and the
    import will stop before anything is written.
    """

    def __init__(self, obj, report, prefix=""):
        self.obj = obj
        self.report = report  # report(field, message)
        self.prefix = prefix

    def problem(self, key, message):
        self.report(self.prefix + key, message)

    def check_keys(self, allowed):
        for key in self.obj:
            if key not in allowed:
                self.problem(key, "unknown field")
        for key in sorted(getattr(self.obj, "repeated", ())):
            self.problem(key, "given more than once")

    def given(self, key):
        return self.obj.get(key) is not None

    def typed(self, key, kind, expected, required=False):
        """The value at key if it is of kind; absent or null counts as not given."""
        value = self.obj.get(key)
        if value is None:
            if required:
                self.problem(key, "required")
            return None
        if not isinstance(value, kind):
            self.problem(key, f"must be {expected}, not {_json_type(value)}")
            return None
        if isinstance(value, str) and "\x00" in value:
            self.problem(key, NUL_PROBLEM)
            return None
        return value

    def text(self, key, *, required=False, max_length=None, one_line=False):
        """Text as stored (line breaks made LF, ends trimmed); required means not blank."""
        value = self.typed(key, str, "a string", required)
        if value is None:
            return None
        value = normalize(value)
        if required and not value:
            self.problem(key, "must not be blank")
            return None
        if one_line and "\n" in value:
            self.problem(key, "must be one line")
        if max_length and len(value) > max_length:
            self.problem(key, f"too long: {len(value)} characters, at most {max_length}")
        return value

    def boolean(self, key):
        return self.typed(key, bool, "true or false")

    def choice(self, key, choices):
        value = self.typed(key, str, "a string")
        if value is not None and value not in choices:
            allowed = ", ".join(f'"{c}"' for c in choices)
            self.problem(key, f'must be one of {allowed}, not "{value}"')
            return None
        return value

    def moment(self, key):
        """An aware datetime from ISO 8601; a time without offset is in TIME_ZONE."""
        value = self.typed(key, str, "a date and time string")
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            self.problem(key, f'not an ISO 8601 date and time like "2026-02-04T23:06:00Z": '
                              f'"{value}"')
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment

    def strings(self, key, *, max_length=None):
        """A list of non-blank one-line strings, each reported by its index."""
        items = self.typed(key, list, "a list of strings")
        if items is None:
            return None
        values = []
        for index, item in enumerate(items):
            name = f"{key}[{index}]"
            if not isinstance(item, str):
                self.problem(name, f"must be a string, not {_json_type(item)}")
                continue
            item = normalize(item)
            if not item:
                self.problem(name, "must not be blank")
            elif "\x00" in item:
                self.problem(name, NUL_PROBLEM)
            elif "\n" in item:
                self.problem(name, "must be one line")
            elif max_length and len(item) > max_length:
                self.problem(name, f"too long: {len(item)} characters, at most {max_length}")
            else:
                values.append(item)
        return values

    def nested(self, key, allowed):
        """The object at key as its own _Fields, with its unknown keys reported."""
        value = self.typed(key, dict, "an object")
        if value is None:
            return None
        fields = _Fields(value, self.report, prefix=f"{self.prefix}{key}.")
        fields.check_keys(allowed)
        return fields


# ---------------------------------------------------------------------------
# Validation


@dataclass
class _AuthorPlan:
    """An author object from the file, merged over every article that gives it."""

    name: str
    first_article: int
    fields: dict = field(default_factory=dict)  # model field -> value, only those given
    avatar: Path | None = None
    clear_avatar: bool = False
    given_by: dict = field(default_factory=dict)  # key -> article number that gave it
    existing: Author | None = None


@dataclass
class _ArticlePlan:
    number: int
    slug: str | None
    fields: dict = field(default_factory=dict)  # Article field -> value
    section: str | None = None
    author_slug: str | None = None
    author_key: str | None = None
    author_spec: dict | None = None
    image: Path | None = None
    tags: list = field(default_factory=list)
    related: list = field(default_factory=list)
    reviewed_by: str | None = None


@dataclass
class ImportPlan:
    """Everything a valid file says, checked and ready to write."""

    articles: list
    authors: dict  # casefolded name -> _AuthorPlan
    authors_by_slug: dict  # slug -> Author, for `author` strings
    reviewers: dict  # username -> User


class _ImageChecker:
    """Checks image files once each, so a picture shared by many stories is read once."""

    def __init__(self, base_dir):
        self.base_dir = Path(base_dir)
        self.seen = {}

    def __call__(self, value, report):
        path = self.base_dir / value
        if path not in self.seen:
            self.seen[path] = self._problem(path)
        if self.seen[path]:
            report(self.seen[path])
            return None
        return path

    @staticmethod
    def _problem(path):
        if not path.is_file():
            return f"no such file: {path}"
        try:
            data = path.read_bytes()
        except OSError as error:
            return f"cannot read {path}: {error.strerror}"
        try:
            check_image_decodes(ContentFile(data, name=path.name))
        except ValidationError as error:
            if error.code == "not_image":
                return "not an image (JPEG, PNG, WebP or GIF)"
            if error.code == "damaged":
                return "the image data is damaged or incomplete"
            return " ".join(error.messages)
        return None


def validate(data, base_dir, progress=None):
    """Check everything in the parsed file; return an ImportPlan or raise ImportFailed.

    Reads the database (existing slugs, authors, users) but writes nothing.
    File paths are relative to base_dir, the JSON file's folder.
    """
    problems = []
    if not isinstance(data, dict):
        raise ImportFailed([Problem(
            f'the top level must be an object with an "articles" list, not {_json_type(data)}'
        )])
    top = _Fields(data, lambda f, m: problems.append(Problem(m, field=f)))
    top.check_keys({"articles"})
    items = top.typed("articles", list, "a list of article objects", required=True)
    if items is None:
        raise ImportFailed(problems)

    check_image_file = _ImageChecker(base_dir)
    plans = []
    for number, item in enumerate(items, start=1):
        plans.append(_read_article(number, item, check_image_file, problems))
        if progress and number % PROGRESS_EVERY == 0:
            progress("checked", number, len(items))
    plans = [plan for plan in plans if plan is not None]

    _check_unique_slugs(plans, problems)
    _check_related(plans, problems)
    authors_by_slug = _check_author_slugs(plans, problems)
    authors = _merge_authors(plans, problems)
    reviewers = _check_reviewers(plans, problems)
    author_is_ai = _check_authors(plans, authors, authors_by_slug, problems)
    _check_ai_rules(plans, author_is_ai, problems)
    if problems:
        raise ImportFailed(problems)
    return ImportPlan(plans, authors, authors_by_slug, reviewers)


def _slug_for_messages(item):
    """The slug a problem line names: the one given, else one made from the headline."""
    slug, headline = item.get("slug"), item.get("headline")
    if isinstance(slug, str):
        return slug
    if isinstance(headline, str):
        return slugify(headline)[: _max_length(Article, "slug")].strip("-")
    return None


def _read_article(number, item, check_image_file, problems):
    if not isinstance(item, dict):
        problems.append(Problem(f"must be an object, not {_json_type(item)}", article=number))
        return None
    plan = _ArticlePlan(number, _slug_for_messages(item))

    def report(field_name, message):
        problems.append(Problem(message, field=field_name, article=number, slug=plan.slug))

    article = _Fields(item, report)
    article.check_keys(ARTICLE_KEYS)
    f = plan.fields

    f["headline"] = article.text("headline", required=True, one_line=True,
                                 max_length=_max_length(Article, "headline"))
    slug = article.typed("slug", str, "a string")
    if slug is not None:
        try:
            validate_slug(slug)
        except ValidationError:
            report("slug", "may hold only letters, numbers, hyphens and underscores")
        if len(slug) > _max_length(Article, "slug"):
            report("slug", f"too long: {len(slug)} characters, at most "
                           f"{_max_length(Article, 'slug')}")
    elif f["headline"] and not plan.slug:
        report("slug", "cannot be made from this headline; give one")
    f["dek"] = article.text("dek") or ""
    f["body"] = article.text("body", required=True)
    plan.section = article.text("section", required=True, one_line=True,
                                max_length=_max_length(Section, "name"))

    _read_author(article, plan, check_image_file)
    _read_publication(article, plan)

    image = article.nested("image", IMAGE_KEYS)
    f.update(image_alt="", image_caption="", image_credit_source="",
             image_credit_photographer="", image_is_ai_generated=False)
    if image is not None:
        path = image.text("file", required=True)
        if path:
            plan.image = check_image_file(path, lambda m: image.problem("file", m))
        alt = image.text("alt", max_length=_max_length(Article, "image_alt"))
        if alt == "" or not image.given("alt"):
            image.problem("alt", "required with an image: describe what it shows for readers "
                                 "who cannot see it")
        f["image_alt"] = alt or ""
        for key, name in (("caption", "image_caption"),
                          ("credit_source", "image_credit_source"),
                          ("credit_photographer", "image_credit_photographer")):
            f[name] = image.text(key, max_length=_max_length(Article, name)) or ""
        f["image_is_ai_generated"] = bool(image.boolean("ai_generated"))

    # "Harbour" and "harbour" would be one tag to a reader; keep the first spelling.
    tags = {}
    for tag in article.strings("tags", max_length=TAG_MAX_LENGTH) or []:
        tags.setdefault(tag.casefold(), tag)
    plan.tags = list(tags.values())
    plan.related = list(dict.fromkeys(article.strings("related") or []))
    if plan.slug in plan.related:
        report("related", "an article cannot be related to itself")

    ai = article.nested("ai", AI_KEYS)
    f.update(ai_involvement=Article.AIInvolvement.NONE, ai_reviewed_at=None)
    if ai is not None:
        f["ai_involvement"] = (ai.choice("involvement", Article.AIInvolvement.values)
                               or Article.AIInvolvement.NONE)
        plan.reviewed_by = ai.text("reviewed_by", one_line=True) or None
        f["ai_reviewed_at"] = ai.moment("reviewed_at")
        if ai.given("reviewed_at") and not ai.given("reviewed_by"):
            ai.problem("reviewed_at", 'given without "ai.reviewed_by"')
    return plan


def _read_author(article, plan, check_image_file):
    value = article.obj.get("author")
    if value is None:
        article.problem("author", "required")
    elif isinstance(value, str):
        plan.author_slug = value.strip()
        if not plan.author_slug:
            article.problem("author", "must not be blank")
        elif "\x00" in plan.author_slug:
            article.problem("author", NUL_PROBLEM)
            plan.author_slug = None
    elif isinstance(value, dict):
        author = article.nested("author", AUTHOR_KEYS)
        name = author.text("name", required=True, one_line=True,
                           max_length=_max_length(Author, "name"))
        spec = {}
        for key in ("title", "bio", "ai_disclosure"):
            if author.given(key):
                spec[key] = author.text(key, one_line=key == "title",
                                        max_length=_max_length(Author, key))
        if author.given("is_ai"):
            spec["is_ai"] = author.boolean("is_ai")
        if author.given("avatar"):
            path = author.text("avatar")
            # An empty avatar path removes the author's avatar.
            spec["avatar"] = (check_image_file(path, lambda m: author.problem("avatar", m))
                              if path else "")
        if name:
            plan.author_key = name.casefold()
            plan.author_spec = {"name": name, **spec}
    else:
        article.problem("author", "must be an author slug (a string) or an author object, "
                                  f"not {_json_type(value)}")


def _read_publication(article, plan):
    """status, published_at and featured, with the status default and its rule."""
    f = plan.fields
    f["published_at"] = article.moment("published_at")
    status = article.choice("status", Article.Status.values)
    if status is None and not article.given("status"):
        status = (Article.Status.PUBLISHED if article.given("published_at")
                  else Article.Status.DRAFT)
    if status == Article.Status.PUBLISHED and not article.given("published_at"):
        article.problem("published_at", 'required when status is "published"')
    f["status"] = status
    f["is_featured"] = bool(article.boolean("featured"))


def _check_unique_slugs(plans, problems):
    first = {}
    for plan in plans:
        if not plan.slug:
            continue
        if plan.slug in first:
            problems.append(Problem(
                f"article {first[plan.slug]} has the same slug; each article needs its own",
                field="slug", article=plan.number, slug=plan.slug))
        else:
            first[plan.slug] = plan.number


def _check_related(plans, problems):
    """related may name articles later in this file or already in the database."""
    in_file = {plan.slug for plan in plans if plan.slug}
    wanted = {slug for plan in plans for slug in plan.related} - in_file
    known = in_file | set(
        Article.objects.filter(slug__in=wanted).values_list("slug", flat=True)
    )
    for plan in plans:
        for index, slug in enumerate(plan.related):
            if slug not in known:
                problems.append(Problem(
                    f'no article with slug "{slug}" in this file or on the site',
                    field=f"related[{index}]", article=plan.number, slug=plan.slug))


def _check_author_slugs(plans, problems):
    slugs = {plan.author_slug for plan in plans if plan.author_slug}
    found = Author.objects.in_bulk(slugs, field_name="slug")
    for plan in plans:
        if plan.author_slug and plan.author_slug not in found:
            problems.append(Problem(f'no author with slug "{plan.author_slug}"', field="author",
                                    article=plan.number, slug=plan.slug))
    return found


def _merge_authors(plans, problems):
    """One _AuthorPlan per author name; two articles may not disagree about a field."""
    authors = {}
    for plan in plans:
        if plan.author_key is None:
            continue
        spec = dict(plan.author_spec)
        name = spec.pop("name")
        author = authors.setdefault(plan.author_key, _AuthorPlan(name, plan.number))
        for key, value in spec.items():
            if key in author.given_by and _spec_value(author, key) != value:
                problems.append(Problem(
                    f"differs from article {author.given_by[key]}, which gives the same author",
                    field=f"author.{key}", article=plan.number, slug=plan.slug))
                continue
            author.given_by.setdefault(key, plan.number)
            if key == "avatar":
                author.avatar, author.clear_avatar = (value or None), value == ""
            else:
                author.fields[key] = value
    for author in authors.values():
        author.existing = Author.objects.filter(name__iexact=author.name).first()
    return authors


def _spec_value(author, key):
    if key == "avatar":
        return "" if author.clear_avatar else author.avatar
    return author.fields.get(key)


def _check_reviewers(plans, problems):
    names = {plan.reviewed_by for plan in plans if plan.reviewed_by}
    users = get_user_model().objects.in_bulk(names, field_name="username")
    for plan in plans:
        if not plan.reviewed_by:
            continue
        user = users.get(plan.reviewed_by)
        if user is None:
            message = f'no user with username "{plan.reviewed_by}"'
        elif (message := reviewer_problem(user)) is None:
            continue
        elif message == REVIEWER_NOT_STAFF:
            message = f'"{plan.reviewed_by}" is not a staff user, so cannot review'
        problems.append(Problem(message, field="ai.reviewed_by", article=plan.number,
                                slug=plan.slug))
    return users


def _check_authors(plans, authors, authors_by_slug, problems):
    """Author.ai_rule_errors on the authors as the whole file would leave them.

    An author the file describes may also be named by slug in other articles;
    all of them count as the author's stories. Returns, for each article, its
    author's AI flag after the import (None when the author is unknown).
    """
    described = {author.existing.pk: author for author in authors.values() if author.existing}

    def described_author(plan):
        if plan.author_key in authors:
            return authors[plan.author_key]
        found = authors_by_slug.get(plan.author_slug)
        return described.get(found.pk) if found else None

    stories = {id(author): [] for author in authors.values()}
    for plan in plans:
        author = described_author(plan)
        if author is not None:
            stories[id(author)].append(plan)
    slugs = {plan.number: plan.slug for plan in plans}
    final_is_ai = {}
    for author in authors.values():
        existing = author.existing
        was_ai = existing.is_ai if existing else None
        is_ai = _given_or(author.fields.get("is_ai"), was_ai, False)
        disclosure = _given_or(author.fields.get("ai_disclosure"),
                               existing.ai_disclosure if existing else None, "")
        # Published here means status "published", scheduled stories too, before
        # or after this import: either way readers were or will be told.
        publishes = was_ai is not None and was_ai != is_ai and (
            any(plan.fields["status"] == Article.Status.PUBLISHED
                for plan in stories[id(author)])
            or existing.has_published_stories())
        errors = Author(name=author.name, is_ai=is_ai,
                        ai_disclosure=disclosure).ai_rule_errors(was_ai, publishes)
        for name, message in errors.items():
            number = (author.given_by.get(name) or author.given_by.get("is_ai")
                      or author.first_article)
            problems.append(Problem(message, field=f"author.{name}", article=number,
                                    slug=slugs.get(number)))
        # A refused change is not made: the stories are checked as the author stands.
        final_is_ai[id(author)] = was_ai if "is_ai" in errors else is_ai

    def after_import(plan):
        author = described_author(plan)
        if author is not None:
            return final_is_ai[id(author)]
        found = authors_by_slug.get(plan.author_slug)
        return found.is_ai if found else None

    return {plan.number: after_import(plan) for plan in plans}


def _given_or(*values):
    """The first value that is not None."""
    return next(value for value in values if value is not None)


def _check_ai_rules(plans, author_is_ai, problems):
    """The AI rules of Article.clean (issue 4), reported before anything is written.

    An AI persona's story is never "none" AI involvement, and a story by an
    AI persona or generated by AI is published only with a named reviewer.
    author_is_ai gives each article's author's AI flag once the file is imported.
    """
    for plan in plans:
        is_ai = author_is_ai[plan.number]
        if is_ai is None:
            continue  # no author: already reported
        involvement = plan.fields["ai_involvement"]
        if is_ai and involvement == Article.AIInvolvement.NONE:
            problems.append(Problem(
                'a story by an AI persona cannot have AI involvement "none": give "assisted" '
                'or "generated"',
                field="ai.involvement", article=plan.number, slug=plan.slug))
        if (plan.fields["status"] == Article.Status.PUBLISHED and not plan.reviewed_by
                and (is_ai or involvement == Article.AIInvolvement.GENERATED)):
            problems.append(Problem(
                "a story by an AI persona or generated by AI needs a named reviewing editor "
                "before it is published",
                field="ai.reviewed_by", article=plan.number, slug=plan.slug))


# ---------------------------------------------------------------------------
# Writing


class _Files:
    """Storage files this import wrote (undone on failure) and replaced (removed on commit)."""

    def __init__(self):
        self.written = []  # (storage, name)
        self.replaced = []  # (model field, name)

    def save(self, field_file, path):
        """Store path's bytes in field_file unless it already holds exactly those bytes.

        Comparing bytes keeps a re-import of unchanged copy from storing (and
        rendering) every picture again.
        """
        data = path.read_bytes()
        if field_file and _stored_bytes(field_file) == data:
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


def write(plan, progress=None):
    """Save a validated ImportPlan in one transaction; return an ImportResult.

    If anything fails, the transaction rolls back, the files stored so far
    are deleted, and ImportFailed names the article that could not be saved.
    Files that re-imported articles no longer use are deleted after commit.
    """
    files = _Files()
    result = ImportResult()
    try:
        with transaction.atomic():
            sections = _save_sections(plan)
            authors = _save_authors(plan, files)
            saved = {}
            for count, article in enumerate(plan.articles, start=1):
                saved[article.slug] = _save_article(article, sections, authors, plan, files,
                                                    result)
                if progress and count % PROGRESS_EVERY == 0:
                    progress("imported", count, len(plan.articles))
            _save_related(plan, saved)
            transaction.on_commit(files.remove_replaced)
    except ImportFailed:
        files.undo()
        raise
    except Exception as error:
        files.undo()
        raise ImportFailed([Problem(f"could not be saved: {error}")]) from error
    return result


def _save_sections(plan):
    """Sections by name, created (appended to the navigation) when missing."""
    sections = {}
    for article in plan.articles:
        key = article.section.casefold()
        if key in sections:
            continue
        section = Section.objects.filter(name__iexact=article.section).first()
        if section is None:
            last = Section.objects.aggregate(last=Max("position"))["last"]
            section = Section.objects.create(
                name=article.section,
                slug=_unique_slug(Section, article.section, "section"),
                position=0 if last is None else last + 1,
            )
        sections[key] = section
    return sections


def _save_authors(plan, files):
    authors = {}
    for key, spec in plan.authors.items():
        author = spec.existing or Author(
            name=spec.name, slug=_unique_slug(Author, spec.name, "author"))
        for name, value in spec.fields.items():
            setattr(author, name, value)
        try:
            if spec.avatar:
                files.save(author.avatar, spec.avatar)
            elif spec.clear_avatar:
                files.clear(author, "avatar")
            author.save()
        except Exception as error:
            raise ImportFailed([Problem(f'author "{spec.name}" could not be saved: {error}',
                                        article=spec.first_article)]) from error
        authors[key] = author
    return authors


def _save_article(article, sections, authors, plan, files, result):
    instance = Article.objects.filter(slug=article.slug).first()
    if instance is None:
        instance = Article(slug=article.slug)
        result.created += 1
    else:
        result.updated += 1
    # Every field is set, so a re-import leaves nothing of the old version behind.
    for name, value in article.fields.items():
        if name != "image":
            setattr(instance, name, value)
    instance.section = sections[article.section.casefold()]
    instance.author = (authors[article.author_key] if article.author_key
                       else plan.authors_by_slug[article.author_slug])
    instance.ai_reviewed_by = plan.reviewers.get(article.reviewed_by)
    try:
        if article.image:
            files.save(instance.image, article.image)
        else:
            files.clear(instance, "image")
        # validate() already applies these rules; clean() keeps the import from ever
        # saving what the admin would refuse, should the model gain a rule.
        instance.clean()
        instance._change_reason = "Imported with import_articles"  # the revision's note
        instance.save()
        instance.tags.set(article.tags)
    except ValidationError as error:
        raise ImportFailed([
            Problem(message, field=MODEL_TO_IMPORT_FIELD.get(name, name),
                    article=article.number, slug=article.slug)
            for name, messages in error.message_dict.items() for message in messages
        ]) from error
    except Exception as error:
        raise ImportFailed([Problem(f"could not be saved: {error}", article=article.number,
                                    slug=article.slug)]) from error
    return instance


def _save_related(plan, saved):
    RelatedArticle.objects.filter(from_article__in=list(saved.values())).delete()
    wanted = {slug for article in plan.articles for slug in article.related} - saved.keys()
    on_site = Article.objects.in_bulk(wanted, field_name="slug")
    links = [
        RelatedArticle(from_article=saved[article.slug],
                       to_article=saved.get(slug) or on_site[slug], position=position)
        for article in plan.articles
        for position, slug in enumerate(article.related)
    ]
    RelatedArticle.objects.bulk_create(links)


def _unique_slug(model, text, fallback):
    """slugify(text), made unique in model with -2, -3... and cut to the field's length."""
    max_length = _max_length(model, "slug")
    base = slugify(text)[:max_length].strip("-") or fallback
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        suffix = f"-{number}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
        number += 1
    return slug


def import_file(path, progress=None):
    """Validate and write one import file, all or nothing (DESIGN.md section 8).

    progress, if given, is called as progress(stage, done, total) every
    PROGRESS_EVERY articles, stage being "checked" or "imported".
    """
    data = read_json(path)
    plan = validate(data, Path(path).resolve().parent, progress)
    return write(plan, progress)
