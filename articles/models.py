import functools
import json
import re
import time
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.backends.signals import connection_created
from django.db.models import Func, Q, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem
from taggit.utils import edit_string_for_tags

from core.images import (CROPS, PublicImageField, check_image, keep_made_renditions, picture,
                         queue_renditions)
from core.oldslugs import HasOldAddresses, KeepsOldSlugs, OldSlugs, moved_slug
from core.rows import AfterLoad, ModelRows, loaded, once_per_connection
from core.seo import route
from core.text import (LineFeeds, count_words, estimate_reading_minutes, lost_markup_error,
                       markdown_html, sanitised)
from core.validators import within_calendar

from .tasks import make_hero_renditions


class Section(KeepsOldSlugs, LineFeeds, models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order on the front page and in the navigation, lowest first."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return route("articles:section", self.slug)


class OldSectionSlug(OldSlugs):
    """A slug a section once had: /sections/<slug>/ and its feeds lead to the section."""

    owner = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta:
        verbose_name = "old section slug"


class OldTagSlug(OldSlugs):
    """A slug a tag once had, or a tag merged into it had: /tags/<slug>/ and its feeds
    lead to the tag (kept by the tags' admin)."""

    slug = models.CharField(max_length=100, unique=True)  # taggit's: letters of any script
    owner = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta:
        verbose_name = "old tag slug"


def sections_in_order(using=None):
    """list(Section.objects.all()), in Meta's order, for the navigation on every page.

    Written as SQL: the ORM took longer to build and compile it than the
    database to run it.
    """
    connection = connections[using or router.db_for_read(Section)]
    rows, sql = once_per_connection(connection, "sections", _sections_query)
    return rows.fetch(sql, None)


def _sections_query(connection):
    rows = ModelRows(connection, Section, "s")
    return rows, (f"SELECT {rows.columns} FROM {_sections_source(connection)} "
                  f"ORDER BY {_sections_order(connection)}")


def _sections_source(connection):
    return f"{connection.ops.quote_name(Section._meta.db_table)} s"


def _sections_order(connection):
    """Meta's order of the sections under alias s, as SQL."""
    name = connection.ops.quote_name
    return ", ".join(f"s.{name(Section._meta.get_field(field).column)}"
                     for field in Section._meta.ordering)


def reading_stats(html):
    """(words, minutes) for a rendered body, counted as the article page counts them."""
    return count_words(html), estimate_reading_minutes(html)


# A field value not loaded from the database.
_UNKNOWN = object()

# Tagged stories considered for "Related Articles", newest first.
RELATED_CANDIDATES = 500

# Columns a story card never shows; the search vector is never read in Python.
CARD_DEFERRED = ("body", "body_html", "search_vector")


def story_text(via):
    """CARD_DEFERRED reached from another model through `via` ("article__"), for defer()."""
    return [f"{via}{name}" for name in CARD_DEFERRED]


def story_named(article):
    """A story as a reader's copy of their data names it ({'headline', 'address'}), or None
    for a story not public now: one taken down since is not named."""
    if not article.is_published():
        return None
    return {"headline": article.headline,
            "address": settings.SITE_URL + article.get_absolute_url()}

# What a story card shows (articles/includes/article_card.html) and its cache tags
# read, and nothing more: each column costs the query compiler and every row.
CARD_FIELDS = ("headline", "slug", "dek", "published_at", "reading_minutes", "image",
               "image_alt", "image_renditions", "section__name", "section__slug",
               "author__name", "author__slug", "author__is_ai")


class ArticleManager(models.Manager):
    def get_queryset(self):
        # The stored search vector is for the database's own use.
        return super().get_queryset().defer("search_vector")


def public_story(via="", now=None):
    """The one rule for what readers may see, as a condition on the story at path `via`.

    A story is public when its status is published and its published_at is not
    in the future. `via` reaches the story from another model ("article__",
    "articles__"), so corrections, comments, reports and counts take their
    visibility from here too.
    """
    return Q(**{f"{via}status": Article.Status.PUBLISHED,
                f"{via}published_at__lte": now or timezone.now()})


def scheduled_story(now=None):
    """A story set to publish at a time still to come, as a condition."""
    return Q(status=Article.Status.PUBLISHED, published_at__gt=now or timezone.now())


def draft_story():
    """A story neither public nor scheduled, as a condition."""
    return Q(status=Article.Status.DRAFT) | Q(published_at__isnull=True)


def public_story_sql(alias, connection, now=None):
    """public_story() as SQL on the story table under `alias`, and its parameters.

    For the few queries written as SQL (related_sql()); keep the two in step.
    """
    published_at = connection.ops.adapt_datetimefield_value(now or timezone.now())
    return (f"{alias}.status = %s AND {alias}.published_at <= %s",
            [Article.Status.PUBLISHED, published_at])


NEEDS_PUBLICATION_TIME = "A published story needs a publication time."

# The times Article.clean checks only when they are given anew.
_GIVEN_TIMES = ("published_at", "ai_reviewed_at")


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see: status published and published_at not in the future."""
        return self.filter(public_story(now=now))

    def scheduled(self, now=None):
        """Articles set to publish at a time still to come."""
        return self.filter(scheduled_story(now))

    def drafts(self):
        """Articles that are neither public nor scheduled."""
        return self.filter(draft_story())

    def for_listing(self):
        """Newest first, with what a story card shows, in one query (no story bodies)."""
        return (self.select_related("section", "author").defer(*CARD_DEFERRED)
                .order_by("-published_at", "-pk"))

    def by_author(self, author):
        """One author's stories."""
        return self.filter(author=author)

    def tagged(self, tag):
        """The stories with this tag, as a list of their ids for the database to look up.

        Not taggit's join (`filter(tags=tag)`): it compares ids through a
        cast, which no index serves, so at 100,000 stories PostgreSQL read the
        tag's 28,000 taggings again for each story it tried; the busiest
        tag's page took 170-290 ms for its first twenty. As a list of ids, each
        story newest first is looked up in the taggings' own index: 8 ms.
        """
        content_type = ContentType.objects.db_manager(self.db).get_for_model(Article)
        return self.filter(pk__in=TaggedItem.objects.filter(
            content_type=content_type, tag=tag).values("object_id"))

    def latest_by_section(self, per_section, sections):
        """Up to per_section newest stories of each section, in one query.

        One small "newest in this section" subquery per section, each served
        by the section index; a window over the whole archive would scan it.
        """
        newest = [self.filter(section=section).order_by("-published_at", "-pk")
                  .values("pk")[:per_section] for section in sections]
        if not newest:
            return self.none()
        if connections[self.db].features.supports_slicing_ordering_in_compound:
            # PostgreSQL: one UNION ALL, joined to the articles by primary key.
            return self.filter(pk__in=newest[0].union(*newest[1:], all=True)).for_listing()
        # SQLite cannot LIMIT inside a UNION: one IN per section instead.
        return self.filter(Q.create([Q(pk__in=subquery) for subquery in newest],
                                    connector=Q.OR)).for_listing()


def _validate_image(fieldfile):
    check_image(fieldfile)


SEARCH_CONFIG = "english"


@functools.cache
def format_characters():
    """A character class of the format characters (Unicode's category Cf: a soft
    hyphen, a zero-width space or joiner, a direction mark), as ranges, which
    Python's and PostgreSQL's regular expressions read alike."""
    ranges = []
    for code in (code for plane in (0, 1, 14) for code in range(plane << 16, (plane + 1) << 16)):
        if unicodedata.category(chr(code)) == "Cf":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "[" + "".join(chr(first) if first == last else f"{chr(first)}-{chr(last)}"
                         for first, last in ranges) + "]"


def search_text(value):
    """value as search reads it, stories and queries alike (articles.search.clean_query):
    compatibility forms as the letters they show (NFKC: "\\ufb01nancial" is "financial",
    "e" and a combining accent "é") and no format character (a soft hyphen or a
    zero-width space pasted inside a word leaves it whole)."""
    if not value or value.isascii():
        return value
    return _format_pattern().sub("", unicodedata.normalize("NFKC", value))


@functools.cache
def _format_pattern():
    return re.compile(format_characters())


class SearchText(Func):
    """search_text() of an expression, in SQL: PostgreSQL's own normalize(); on
    SQLite the Python function, which each connection is given (_give_search_text)."""

    function = "eva_search_text"
    arity = 1
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"regexp_replace(normalize({sql}, NFKC), %s, '', 'g')",
                (*params, format_characters()))


def _give_search_text(sender, connection, **kwargs):
    """search_text() as eva_search_text(), on each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("eva_search_text", 1, search_text,
                                              deterministic=True)


connection_created.connect(_give_search_text, dispatch_uid="articles-search-text")


def search_document():
    """What full-text search reads: headline over dek over body (weights A, B, C).

    The body as readers see it: body_html, not the Markdown, which also holds
    comments, link addresses and markup nh3 removes. PostgreSQL's parser
    reads tags (with their attributes) and entities as tokens of their own,
    which the text-search configurations leave out (migration 0019). Each is
    read as search_text() reads it, as the query is.
    """
    return (SearchVector(SearchText("headline"), weight="A", config=SEARCH_CONFIG)
            + SearchVector(SearchText("dek"), weight="B", config=SEARCH_CONFIG)
            + SearchVector(SearchText("body_html"), weight="C", config=SEARCH_CONFIG))


class SearchIndex(GinIndex):
    """A GIN index on PostgreSQL; elsewhere, where the vector stays empty, a plain one."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


NO_REVIEWER = ("A story by an AI persona or generated by AI cannot be published without a "
               "named reviewing editor.")
REVIEWER_NOT_STAFF = "The reviewing editor must be a newsroom (staff) account."
REVIEWER_MAY_NOT_EDIT = ("The reviewing editor must be an active newsroom editor who may change "
                         "stories; this account may not.")
REVIEW_PERMISSION = "articles.change_article"
REVIEW_TIME_ALONE = "Name the reviewing editor, or leave the review time empty."
# A body is rendered when it is checked, not first when it is saved: a list nested
# 300 deep failed inside the import's transaction (too deep for Python), and 16 KB
# of brackets took 17 seconds there, holding the write lock.
BODY_NESTING = 20  # lists and quotes inside one another, at most
BODY_RENDER_SECONDS = 5
BODY_TOO_DEEP = ("Lists and quotes can be nested at most %(most)d deep; this body nests them "
                 "%(depth)s deep.")
# A book's length, some 50,000 words: a long read is a fifth of it. A longer body was
# refused (or not) by how fast the machine rendered it, with advice about brackets.
BODY_MAX_CHARS = 300_000
BODY_TOO_LONG = ("This body has %(length)s characters; a story holds at most %(most)s (some "
                 "50,000 words). Split it into a series, or shorten it.")
BODY_TOO_SLOW = ("This body takes %(seconds).0f seconds to turn into a page, more than "
                 "%(most)d: look for a long run of brackets, angle brackets or other marks "
                 "that open something they never close.")
_NESTING_TAGS = re.compile(r"<(/?)(?:ul|ol|blockquote)\b")


# The clocks of the editor's computer (which may fill in a time) and the
# server's seldom agree to the second: a time typed up to CLOCK_MARGIN ahead of
# the server's is taken as now (corrections' dates, review times).
CLOCK_MARGIN = timedelta(minutes=5)
# How long before the story was first saved or published a review may be
# dated: copy written or published elsewhere first (an archive's import) was
# reviewed before it came here, and a draft may be reviewed before it is
# typed in; a review dated 1999 on a story of 2026 reviewed something else.
REVIEW_LEAD = timedelta(days=30)
REVIEWED_LATER = ("This review time is in the future. Date a review when it is made: no later "
                  "than now (up to %(minutes)d minutes ahead is accepted, for clocks that "
                  "differ).")
REVIEWED_TOO_EARLY = ("This review time is more than %(days)d days before the story was first "
                      "saved or published (%(began)s): give the time this story was reviewed.")
CORRECTED_BEFORE = ("A correction on this story is dated %(date)s, before this publication time "
                    "(%(published)s): readers would see it corrected before it was out. Give a "
                    "publication time no later than its first correction, or date the "
                    "correction then or later.")


def record_time(moment):
    """A time as the newsroom's messages give it: "Dec 5, 2026, 9:00 AM", in TIME_ZONE."""
    return date_format(timezone.localtime(moment), "M j, Y, g:i A")


def _within_calendar(moment):
    """Whether within_calendar accepts moment; when it does not, its field says why."""
    try:
        within_calendar(moment)
    except ValidationError:
        return False
    return True


LOWERED_DISCLOSURE = ("This story %s. Its AI record is part of the public record and "
                      "cannot be lowered while it is published: add a correction, or "
                      "unpublish it first.")
LOWERED_IMAGE_DISCLOSURE = (
    "This story’s image was published as AI-generated, and its credit says so. Its AI "
    "record is part of the public record and cannot be lowered while it is published: add "
    "a correction, replace the image, or unpublish it first.")
# What a story readers can see tells them of AI (Article._lowered_disclosure).
_DISCLOSURE_FIELDS = ("status", "published_at", "author", "ai_involvement", "image",
                      "image_is_ai_generated")


def reviewer_problem(user):
    """Why user may not be named as a story's reviewing editor, or None when they may."""
    if not user.is_staff:
        return REVIEWER_NOT_STAFF
    # has_perm is False for an inactive account and True for an active superuser.
    if not user.has_perm(REVIEW_PERMISSION):
        return REVIEWER_MAY_NOT_EDIT
    return None


def reviewing_editors():
    """The accounts reviewer_problem accepts, for choice lists."""
    user_model = get_user_model()
    app_label, codename = REVIEW_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    may_change = (Q(is_superuser=True)
                  | Q(pk__in=user_model.objects.filter(groups__permissions__in=permission)
                      .values("pk"))
                  | Q(pk__in=user_model.objects.filter(user_permissions__in=permission)
                      .values("pk")))
    return (user_model.objects.filter(may_change, is_staff=True, is_active=True)
            .order_by("username"))


class ArticleRevision(models.Model):
    """What a revision keeps beside the article's own fields."""

    # Tags live in taggit's tables, which history does not follow: each
    # revision keeps their names as typed in a tag field ("Ports, \"New York\""),
    # as they stood once the save and its tags were done.
    tag_names = models.TextField("tags", blank=True, default="")

    class Meta:
        abstract = True


class Article(AfterLoad, HasOldAddresses, LineFeeds, models.Model):
    text_fields = ("dek", "body")

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class AIInvolvement(models.TextChoices):
        NONE = "none", "None: written by people"
        ASSISTED = "assisted", "Assisted: people wrote it with AI tools"
        GENERATED = "generated", "Generated: an AI system wrote it"

    class State(models.TextChoices):
        """Where a story stands, computed from status and time (not stored)."""

        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    dek = models.TextField("dek (standfirst)", blank=True)
    body = models.TextField(help_text="Markdown; paragraphs separated by blank lines.")
    body_html = models.TextField(editable=False, default="")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT,
                               related_name="articles")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, validators=[within_calendar])
    is_featured = models.BooleanField("featured", default=False)

    image = PublicImageField(upload_to="articles/%Y/%m/", blank=True,
                             validators=[_validate_image])
    image_alt = models.CharField("alt text", max_length=250, blank=True)
    image_caption = models.CharField("caption", max_length=300, blank=True)
    image_credit_source = models.CharField("credit source", max_length=100, blank=True)
    image_credit_photographer = models.CharField("credit photographer", max_length=100,
                                                 blank=True)
    image_is_ai_generated = models.BooleanField("AI-generated image", default=False)
    image_is_illustration = models.BooleanField(
        "illustration", default=False,
        help_text="Drawn rather than photographed: credited “Illustration: source / artist”.")
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)

    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    tags = TaggableManager(blank=True)
    related = models.ManyToManyField("self", through="RelatedArticle", symmetrical=False,
                                     related_name="+", blank=True)

    ai_involvement = models.CharField("AI involvement", max_length=10,
                                      choices=AIInvolvement, default=AIInvolvement.NONE)
    # PROTECT: deleting the account would silently take the reviewer's name off
    # the public record of a published story.
    ai_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       verbose_name="reviewing editor")
    ai_reviewed_at = models.DateTimeField("reviewed at", null=True, blank=True,
                                          validators=[within_calendar])

    # Not auto_now_add, which sets it on every insert: a deleted story restored from a
    # revision was given a new creation day, and with it a new id in feeds (story_id).
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Filled on PostgreSQL only (see save()); other databases search the text itself.
    search_vector = SearchVectorField(null=True, editable=False)
    # Whether search_text() changes the headline, dek or body as shown (a ligature, an
    # accent typed apart, a zero-width space); set on save. The search of other
    # databases then reads the story's text through SearchText (articles.search).
    # A default in the database too: while a deploy runs, servers not yet restarted
    # write stories without this column (articles 0022).
    search_text_differs = models.BooleanField(default=False, db_default=False,
                                              editable=False)

    objects = ArticleManager.from_queryset(ArticleQuerySet)()
    # True when a form checks each of the story's corrections against the
    # publication time it saves (the corrections inline of the story form,
    # which may date them anew in the same save): clean() then leaves them to it.
    corrections_checked_by_form = False
    # Derived fields are left out: a restored revision recomputes them on save.
    history = HistoricalRecords(
        verbose_name="article revision",
        bases=[ArticleRevision],
        excluded_fields=["body_html", "reading_minutes", "image_renditions",
                         "search_vector", "search_text_differs"],
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # The lists' indexes end with the id, as the lists are ordered: a
            # later page's ids, and a count of public stories joined to another
            # table (a tag's), are read from the index alone (migration 0012).
            models.Index(fields=["status", "-published_at", "-id"], name="article_public_idx"),
            models.Index(fields=["section", "status", "-published_at", "-id"],
                         name="article_section_idx"),
            models.Index(fields=["author", "status", "-published_at", "-id"],
                         name="article_author_idx"),
            models.Index(fields=["is_featured", "status", "-published_at"],
                         name="article_featured_idx"),
            # The newsroom's story list, every state, newest first (the admin's
            # order): its first page read and sorted all 100,000 stories (165 ms).
            models.Index(fields=["-published_at", "-id"], name="article_newest_idx"),
            # The story list filtered by AI involvement (the newsroom reviewing
            # what AI wrote): each of its queries read the table, about 150 ms
            # apiece at 100,000 stories (migration 0014).
            models.Index(fields=["ai_involvement", "-published_at", "-id"],
                         name="article_ai_idx"),
            # fastupdate off: new entries go straight into the index, not into a
            # pending list that every search reads through until a vacuum merges
            # it (230 pages, most of a rare word's search, after seed_scale).
            SearchIndex(fields=["search_vector"], name="article_search_idx",
                        fastupdate=False),
        ]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return route("articles:detail", self.slug)

    def after_load(self):
        # The reviewer as stored: one named before a rule change, or who has since
        # left the newsroom, stays on the record; a newly named one is checked.
        if "ai_reviewed_by_id" in self.__dict__:
            self._stored_reviewer_id = self.ai_reviewed_by_id
        if "body" in self.__dict__:
            self._stored_body = self.body
        self._keep_stored_times()

    def _keep_stored_times(self):
        """Remember the times clean() checks only when they are given anew (_given())."""
        self._stored_times = {name: self.__dict__[name] for name in _GIVEN_TIMES
                              if name in self.__dict__}

    def _given(self, *names):
        """Whether any of these times differs from the stored one (always, for a story
        not loaded from the database)."""
        stored = getattr(self, "_stored_times", {})
        return any(name not in stored or stored[name] != getattr(self, name) for name in names)

    def save(self, *args, **kwargs):
        # The shell, scripts and bulk actions save without clean(): the AI record's
        # rules hold there too.
        errors = self.ai_record_errors(kwargs.get("update_fields"), kwargs.get("using"))
        if errors:
            raise ValidationError(errors)
        self.body_html = self.rendered_body()
        self.reading_minutes = estimate_reading_minutes(self.body_html)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "reading_minutes"}
        if update_fields is None or {"headline", "dek", "body"} & set(update_fields):
            self.search_text_differs = any(search_text(text) != text for text in
                                           (self.headline, self.dek, self.body_html))
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "search_text_differs"}
        keep_made_renditions(self, "image", kwargs.get("using"), crops=CROPS)
        slug_left = self._slug_left(update_fields, kwargs.get("using"))
        super().save(*args, **kwargs)
        self._stored_reviewer_id = self.ai_reviewed_by_id
        self._stored_body = self.body
        self._keep_stored_times()
        using = kwargs.get("using") or self._state.db
        if slug_left is not None:
            self._keep_old_slug(*slug_left, using)
        # A new image: its renditions are made by the task worker after the commit.
        queue_renditions(self, "image", make_hero_renditions, using)
        searched = {"headline", "dek", "body"}
        if connections[using].vendor == "postgresql" and (
                update_fields is None or searched & set(update_fields)):
            type(self).objects.using(using).filter(pk=self.pk).update(
                search_vector=search_document())

    def _slug_left(self, update_fields, using):
        """(the stored slug, whether the story has been public) when this save gives the
        story a slug it did not have, (None, False) for a new story; None when the slug
        stays.

        Read from the row, not from what this instance was loaded with: another
        save may have changed it since (a refreshed or restored copy). Read before
        the save, so that its own revision does not count as public.
        """
        if ((update_fields is not None and "slug" not in update_fields)
                or "slug" in self.get_deferred_fields()):
            return None
        if self.pk is None:
            return None, False
        using = using or router.db_for_write(Article, instance=self)
        stored = (type(self).objects.using(using).filter(pk=self.pk)
                  .values_list("slug", "status", "published_at").first())
        if stored is None:
            return None, False
        slug, status, published_at = stored
        if slug == self.slug:
            return None
        # Taken down, then renamed: its revisions remember it was public.
        was_public = Article(status=status, published_at=published_at).is_published() or (
            type(self).history.model.objects.using(using)
            .filter(public_story(), id=self.pk).exists())
        return slug, was_public

    def _keep_old_slug(self, old_slug, was_public, using):
        """Keep the slug a story that has been public leaves, for its old links (OldSlug).

        The story's new slug is no longer anyone's old one: a story that takes
        it wins, and one changed back leaves no loop.
        """
        OldSlug.objects.using(using).filter(slug__in=[self.slug, old_slug]).delete()
        if was_public:
            OldSlug.objects.using(using).create(slug=old_slug, article=self)

    def rendered_body(self):
        """The body as HTML (render_markdown), rendered once for each body: clean() and
        save() both need it (clean() also the HTML before it is sanitised)."""
        rendered = getattr(self, "_rendered", None)
        if rendered is None or rendered[0] != self.body:
            html = markdown_html(self.body)
            self._rendered = (self.body, html, sanitised(html))
        return self._rendered[2]

    def _body_error(self):
        """Why the body being given cannot be shown (a ValidationError), or None.

        Checked when it changes: a story stored so keeps its other edits.
        """
        if self.body == getattr(self, "_stored_body", None):
            return None
        if len(self.body) > BODY_MAX_CHARS:
            return ValidationError(BODY_TOO_LONG, code="body_too_long", params={
                "length": f"{len(self.body):,}", "most": f"{BODY_MAX_CHARS:,}"})
        started = time.monotonic()
        try:
            html = self.rendered_body()
        except RecursionError:
            return ValidationError(BODY_TOO_DEEP, code="body_too_deep",
                                   params={"most": BODY_NESTING, "depth": "far too"})
        seconds = time.monotonic() - started
        if seconds > BODY_RENDER_SECONDS:
            return ValidationError(BODY_TOO_SLOW, code="body_too_slow",
                                   params={"seconds": seconds, "most": BODY_RENDER_SECONDS})
        depth = deepest = 0
        for tag in _NESTING_TAGS.finditer(html):
            depth += -1 if tag.group(1) else 1
            deepest = max(deepest, depth)
        if deepest > BODY_NESTING:
            return ValidationError(BODY_TOO_DEEP, code="body_too_deep",
                                   params={"most": BODY_NESTING, "depth": deepest})
        return lost_markup_error(self.body, self._rendered[1])

    def clean(self):
        """Refuse what the newsroom must not publish; date an editor's review."""
        errors = {}
        if body_error := self._body_error():
            errors["body"] = body_error
        if old_address := old_address_error(self.slug, self.pk):
            errors["slug"] = old_address
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            errors["published_at"] = NEEDS_PUBLICATION_TIME
        elif corrected := self._corrected_before():
            errors["published_at"] = corrected
        if self.image and not self.image_alt.strip():
            errors["image_alt"] = ("An image needs alt text: describe what it shows for "
                                   "readers who cannot see it.")
        if (self.author_id is not None and self.author.is_ai
                and self.ai_involvement == self.AIInvolvement.NONE):
            errors["ai_involvement"] = ("A story by an AI persona cannot have AI involvement "
                                        "“None”: choose Assisted or Generated.")
        errors.update(self.ai_record_errors())
        if self.ai_reviewed_at is not None and self.ai_reviewed_by_id is None:
            errors["ai_reviewed_at"] = REVIEW_TIME_ALONE
        elif review_time := self._review_time_error():
            errors["ai_reviewed_at"] = review_time
        if errors:
            raise ValidationError(errors)
        if self.ai_reviewed_by_id is not None and self.ai_reviewed_at is None:
            self.ai_reviewed_at = timezone.now()

    def _corrected_before(self):
        """Why the publication time being given cannot stand (a ValidationError), or None.

        A correction is dated between its story's publication and now
        (standards.Correction). A draft takes corrections of any past date, so
        publishing it, from the list's "Publish now" or a re-import, moved its
        publication past them: readers saw the story corrected before it was out.
        Checked when the time changes: a story stored so keeps its other edits.
        """
        if (self.pk is None or self.published_at is None or self.corrections_checked_by_form
                or not self._given("published_at") or not _within_calendar(self.published_at)):
            return None
        # The relation standards adds: articles does not import it.
        first = (self.corrections.filter(date__lt=self.published_at).order_by("date")
                 .values_list("date", flat=True).first())
        if first is None:
            return None
        return ValidationError(CORRECTED_BEFORE, code="corrected_before", params={
            "date": record_time(first), "published": record_time(self.published_at)})

    def _review_time_error(self):
        """Why the review time being given cannot stand (a ValidationError), or None.

        A review is dated when it is made: no later than now, and not long before
        the story was first saved or published (REVIEW_LEAD). Readers are shown
        it ("Reviewed by ..., on Jan 1, 2030"). Checked when it or the
        publication time changes: a story stored so keeps its other edits.
        """
        reviewed = self.ai_reviewed_at
        if (reviewed is None or not self._given("ai_reviewed_at", "published_at")
                or not _within_calendar(reviewed)):
            return None
        now = timezone.now()
        if reviewed > now + CLOCK_MARGIN:
            return ValidationError(REVIEWED_LATER, code="reviewed_later",
                                   params={"minutes": CLOCK_MARGIN // timedelta(minutes=1)})
        began = min(filter(None, [self.created_at or now, self.published_at]))
        if reviewed < began - REVIEW_LEAD:
            return ValidationError(REVIEWED_TOO_EARLY, code="reviewed_too_early", params={
                "days": REVIEW_LEAD.days, "began": record_time(began)})
        return None

    def ai_record_errors(self, update_fields=None, using=None):
        """{field: message} for the review rule: who may review, and who must be named."""
        lowered = self._lowered_disclosure(update_fields, using)
        if lowered:
            return lowered
        if self.ai_reviewed_by_id is not None:
            if self.ai_reviewed_by_id == getattr(self, "_stored_reviewer_id", _UNKNOWN):
                return {}
            problem = reviewer_problem(self.ai_reviewed_by)
            return {"ai_reviewed_by": problem} if problem else {}
        if (self.status == self.Status.PUBLISHED and self.author_id is not None
                and self.needs_ai_review()):
            return {"ai_reviewed_by": NO_REVIEWER}
        return {}

    def _lowered_disclosure(self, update_fields=None, using=None):
        """A public story's AI disclosure may grow, never shrink: it is on the public record.

        The byline's AI persona, the AI involvement readers are told and the
        image's "(AI-generated image)" are compared with the stored row, read
        here: a story restored from a revision (built from the revision's
        values, not loaded) or a copy loaded before another save carries no
        memory of it, and a revert lowered a published story's record.
        A scheduled story is not yet on the record.
        """
        # Unpublishing in the same save is a visible takedown, not a silent change.
        if self.pk is None or self.status != self.Status.PUBLISHED:
            return {}
        written = _DISCLOSURE_FIELDS if update_fields is None else (
            {name.removesuffix("_id") for name in update_fields} & set(_DISCLOSURE_FIELDS))
        if not written:
            return {}
        using = using or self._state.db or router.db_for_write(Article, instance=self)
        stored = (type(self)._base_manager.using(using).filter(pk=self.pk)
                  .values_list("status", "published_at", "author_id", "author__is_ai",
                               "ai_involvement", "image", "image_is_ai_generated").first())
        if stored is None:  # a deleted story restored: a new one to the record
            return {}
        status, published_at, author_id, was_ai, involvement, image, ai_image = stored
        if not Article(status=status, published_at=published_at).is_published():
            return {}
        errors = {}
        # As this save leaves them: what it does not write stays as stored.
        is_ai = was_ai
        if "author" in written and self.author_id != author_id and self.author_id is not None:
            is_ai = self.author.is_ai
        shown = self.AIInvolvement(self.ai_involvement if "ai_involvement" in written
                                   else involvement)
        ranks = list(self.AIInvolvement)
        before = ranks.index(self.AIInvolvement.GENERATED if was_ai and involvement == "none"
                             else self.AIInvolvement(involvement))
        if was_ai and not is_ai:
            errors["author"] = LOWERED_DISCLOSURE % "was published under an AI persona"
        elif ranks.index(self.AIInvolvement.GENERATED if is_ai and shown == "none"
                         else shown) < before:
            errors["ai_involvement"] = LOWERED_DISCLOSURE % (
                f"was published as “{ranks[before].label}”")
        # Another picture is credited as it is; the same one keeps its mark.
        same_image = "image" not in written or (self.image.name or "") == image
        if (ai_image and image and same_image and "image_is_ai_generated" in written
                and not self.image_is_ai_generated):
            errors["image_is_ai_generated"] = LOWERED_IMAGE_DISCLOSURE
        return errors

    def is_published(self, now=None):
        """True when readers may see this story now."""
        return (self.status == self.Status.PUBLISHED and self.published_at is not None
                and self.published_at <= (now or timezone.now()))

    def shown_publication_time(self, now=None):
        """The publication time readers were last shown while this story was public, from
        its revisions; None when it was never public (a draft, a schedule called off).

        Each revision is in effect from its time until the next one's: it was public in
        that span when it was published with a time that came before the span ended.
        """
        until = now or timezone.now()
        revisions = (type(self).history.filter(id=self.pk)
                     .order_by("-history_date", "-history_id")
                     .values_list("status", "published_at", "history_date"))
        for status, published_at, since in revisions.iterator(chunk_size=100):
            if (status == self.Status.PUBLISHED and published_at is not None
                    and published_at <= until):
                return published_at
            until = since
        return None

    @property
    def state(self):
        """Draft, Scheduled or Published: a publication time already past is Published."""
        if self.status != self.Status.PUBLISHED or self.published_at is None:
            return self.State.DRAFT
        if self.published_at > timezone.now():
            return self.State.SCHEDULED
        return self.State.PUBLISHED

    def needs_ai_review(self):
        """True when a named editor must review the story before it is published."""
        return self.author.is_ai or self.ai_involvement == self.AIInvolvement.GENERATED

    @property
    def ai_involvement_shown(self):
        """The involvement readers are told: an AI persona's story is never "none"."""
        if self.author.is_ai and self.ai_involvement == self.AIInvolvement.NONE:
            return self.AIInvolvement.GENERATED
        return self.AIInvolvement(self.ai_involvement)

    @property
    def image_credit(self):
        """`Photo: <source> / <photographer>` (`Illustration:` for a drawing), either
        alone, and the AI mark."""
        parts = [p for p in (self.image_credit_source, self.image_credit_photographer) if p]
        if not parts and not self.image_is_ai_generated:
            return ""
        kind = "Illustration:" if self.image_is_illustration else "Photo:"
        if not parts:  # the mark alone: "Photo: (AI-generated image)" read as a slip
            return f"{kind} AI-generated image"
        credit = f"{kind} {' / '.join(parts)}"
        if self.image_is_ai_generated:
            credit += " (AI-generated image)"
        return credit

    @cached_property
    def hero(self):
        """The hero's fallback JPEG and both srcsets, from stored renditions (no I/O).

        The original image until the task worker has made the renditions.
        """
        if not self.image:
            return None
        return picture(self.image_renditions, self.image.storage)

    def tag_list(self):
        """list(self.tags.all()): the story's tags in the order they were added, in one query.

        Written as SQL: taggit's manager and the ORM took longer to build and
        compile it than the database to run it, on every cold render of a story page.
        """
        connection = connections[self._state.db or router.db_for_read(Article)]
        rows, sql = once_per_connection(connection, "story-tags", _tags_query)
        content_type = ContentType.objects.db_manager(connection.alias).get_for_model(Article)
        return rows.fetch(sql, [content_type.pk, self.pk])

    def related_articles(self, limit=4, tag_ids=None):
        """Up to `limit` public stories: editor's picks in order, then most shared tags.

        Loaded as cards (CARD_FIELDS), in one query (related_sql()). Pass the
        story's tag ids when they are already loaded.
        """
        if tag_ids is None:
            tag_ids = list(self.tags.values_list("pk", flat=True))
        using = self._state.db or router.db_for_read(Article)
        sql, params = related_sql(self.pk, tag_ids, limit, connections[using])
        return cards_from_sql(sql, params, using)


def related_sql(story_pk, tag_ids, limit, connection, now=None):
    """SQL for a story's related stories as cards (card_columns()), best first, and its params.

    Editor's picks in their order, then the stories sharing the most of
    tag_ids, newest first, among the newest tagged stories only
    (RELATED_CANDIDATES: a popular tag can carry thousands, and counting
    them all is slow). Public stories only, each once. Written as SQL: the
    ORM took longer to build and compile these queries than the database
    to run them, on every cold render of every story page.
    """
    name = connection.ops.quote_name
    story, link = name(Article._meta.db_table), name(RelatedArticle._meta.db_table)
    tagged = name(TaggedItem._meta.db_table)
    public, public_params = public_story_sql("a", connection, now)
    ranked = f"""
        SELECT a.id, 0 AS by_tags, r.position, 0 AS shared, a.published_at
        FROM {link} r JOIN {story} a ON a.id = r.to_article_id
        WHERE r.from_article_id = %s AND a.id <> r.from_article_id AND {public}"""
    params = [story_pk, *public_params]
    if tag_ids:
        content_type = ContentType.objects.db_manager(connection.alias).get_for_model(Article)
        # The newest candidates of all the tags are among the newest of each tag,
        # which each come from the index by tag (migration 0011) in order. A
        # candidate is in the list of each of the tags it shares: had one of
        # them RELATED_CANDIDATES newer stories, as many newer would be listed
        # and it would not be a candidate. So counting its places in the lists
        # counts the tags it shares, with no second read of the tagged items.
        newest = " UNION ALL ".join(
            f"SELECT object_id FROM (SELECT object_id FROM {tagged} "
            f"WHERE content_type_id = %s AND tag_id = %s "
            f"ORDER BY object_id DESC LIMIT %s) newest_{n}" for n in range(len(tag_ids)))
        ranked += f"""
        UNION ALL
        SELECT a.id, 1, 0, counted.shared, a.published_at
        FROM (SELECT object_id, COUNT(*) AS shared FROM ({newest}) listed
              GROUP BY object_id ORDER BY object_id DESC LIMIT %s) counted
        JOIN {story} a ON a.id = counted.object_id
        WHERE {public} AND a.id <> %s
          AND a.id NOT IN (SELECT to_article_id FROM {link} WHERE from_article_id = %s)"""
        params += [*(value for tag_id in tag_ids
                     for value in (content_type.pk, tag_id, RELATED_CANDIDATES)),
                   RELATED_CANDIDATES, *public_params, story_pk, story_pk]
    order = "by_tags, position, shared DESC, published_at DESC, id DESC"
    # The best `limit` first, then their cards: a card is read for each story shown only.
    sql = f"""
        SELECT {card_columns(connection)}
        FROM (SELECT * FROM ({ranked}) candidates ORDER BY {order} LIMIT %s) related
        JOIN {story} a ON a.id = related.id {card_joins(connection)}
        ORDER BY {", ".join(f"related.{term}" for term in order.split(", "))}"""
    return sql, [*params, limit]


# The tables of a card's related rows, by the story's foreign key, in card_columns().
_CARD_RELATIONS = {"section": "s", "author": "u"}


def card_columns(connection):
    """The SELECT list of a story card (CARD_FIELDS): the story as `a`, its section and
    author as in card_joins()."""
    return _card_rows(connection).columns


def _card_rows(connection):
    return once_per_connection(connection, "cards", lambda connection: ModelRows(
        connection, Article, "a", ["id", *_CARD_RELATIONS, *(f for f in CARD_FIELDS if "__" not in f)],
        related=[(relation, alias, ["id", *(path.partition("__")[2] for path in CARD_FIELDS
                                            if path.startswith(f"{relation}__"))])
                 for relation, alias in _CARD_RELATIONS.items()]))


def card_joins(connection):
    """The JOINs card_columns() reads the story's section and author from."""
    name = connection.ops.quote_name
    joins = []
    for relation, alias in _CARD_RELATIONS.items():
        field = Article._meta.get_field(relation)
        table, key = field.related_model._meta.db_table, field.target_field.column
        joins.append(f"JOIN {name(table)} {alias} ON {alias}.{name(key)} = a.{name(field.column)}")
    return " ".join(joins)


def cards_from_sql(sql, params, using):
    """Story cards from a query selecting card_columns() first, in its order.

    As Article.objects.select_related("section", "author").only(*CARD_FIELDS)
    loads them.
    """
    return _card_rows(connections[using]).fetch(sql, params)


def _tags_query(connection):
    # Columns named, not t.*: a kept plan (core.backends.postgresql) must not
    # change its result when a migration adds a column.
    rows = ModelRows(connection, Tag, "t")
    return rows, f"SELECT {rows.columns} FROM {_tags_source(connection, '%s')} ORDER BY i.id"


def _tags_source(connection, story_id):
    """A story's tags (t) and their taggings (i), as FROM and WHERE.

    Its first parameter is Article's content type; story_id is the story's
    id as SQL (a column, or another parameter).
    """
    name = connection.ops.quote_name
    return (f"{name(Tag._meta.db_table)} t JOIN {name(TaggedItem._meta.db_table)} i "
            f"ON i.tag_id = t.id WHERE i.content_type_id = %s AND i.object_id = {story_id}")


# What the article page's story query joins: (relation, alias, join, fields left out).
_STORY_JOINS = (("section", "s", "JOIN", ()), ("author", "u", "JOIN", ()),
                ("ai_reviewed_by", "r", "LEFT JOIN", ("password",)))


def story_by_slug(slug, annotations, using=None):
    """(the story at `slug`, public or not, with its section, author and reviewer;
    its tags; every section), or None.

    As Article.objects.select_related("section", "author", "ai_reviewed_by")
    .defer("ai_reviewed_by__password").annotate(**annotations).get(slug=slug),
    its tag_list() and sections_in_order() load them, in one query: a story
    page's navigation shows the sections. annotations: {name: RawSQL over the
    story's table}. Written as SQL, built once per connection: the ORM took
    longer to build and compile this query than the database to run it, on
    every cold render of a story page, and each query is a round trip. The
    tags and the sections come as JSON (_json_rows()); on a database without
    its JSON functions they are None, and are asked for on their own.
    """
    connection = connections[using or router.db_for_read(Article)]
    names = tuple(annotations)
    rows, sql, lists = once_per_connection(
        connection, ("story", *((name, annotations[name].sql) for name in names)),
        lambda connection: _story_query(connection, [(name, annotations[name]) for name in names]))
    params = [param for name in names for param in annotations[name].params]
    if lists:
        params.append(ContentType.objects.db_manager(connection.alias).get_for_model(Article).pk)
    found = rows.fetch(sql, [*params, slug])
    if not found:
        return None
    [story] = found
    if not lists:
        return story, None, None
    tags, sections = lists
    return (story, tags(story.__dict__.pop("tags_json")),
            sections(story.__dict__.pop("sections_json")))


def _story_query(connection, annotations):
    """(ModelRows, SQL, what makes the tags and the sections of their JSON) of story_by_slug().

    The last is None on a database without the JSON functions _json_rows() uses.
    """
    name = connection.ops.quote_name
    # The story's table unaliased: the annotations' SQL names it.
    table = name(Article._meta.db_table)
    related, joins = [], []
    for relation, alias, join, left_out in _STORY_JOINS:
        field = Article._meta.get_field(relation)
        model = field.related_model
        related.append((relation, alias, [f.name for f in model._meta.concrete_fields
                                          if f.name not in left_out]))
        joins.append(f"{join} {name(model._meta.db_table)} {alias} ON "
                     f"{alias}.{name(field.target_field.column)} = {table}.{name(field.column)}")
    lists = None
    if connection.vendor in _JSON_ROWS:
        # One parameter: Article's content type.
        tags_sql, tags = _json_rows(
            connection, Tag, "t",
            _tags_source(connection, f"{table}.{name(Article._meta.pk.column)}"), "i.id")
        sections_sql, sections = _json_rows(connection, Section, "s",
                                            _sections_source(connection),
                                            _sections_order(connection))
        annotations = [*annotations,
                       ("tags_json", RawSQL(tags_sql, [], output_field=TextField())),
                       ("sections_json", RawSQL(sections_sql, [], output_field=TextField()))]
        lists = tags, sections
    rows = ModelRows(connection, Article, table, [f.name for f in Article._meta.concrete_fields
                                                  if f.name != "search_vector"],
                     related=related, extra=annotations)
    selected = ", ".join([rows.columns, *(f"({expression.sql})" for _, expression in annotations)])
    return rows, (f"SELECT {selected} FROM {table} {' '.join(joins)} "
                  f"WHERE {table}.{name(Article._meta.get_field('slug').column)} = %s"), lists


# Each array of values as JSON, and the arrays of a group as one JSON array, as text.
_JSON_ROWS = {"postgresql": "json_agg(json_build_array({}))::text",
              "sqlite": "json_group_array(json_array({}))"}
# Fields whose values JSON keeps as they are: numbers and text.
_JSON_SAFE = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
              "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
              "PositiveBigIntegerField", "CharField", "SlugField", "TextField"}


def _json_rows(connection, model, alias, source, order):
    """(SQL of a subquery giving rows of model as one JSON value, text -> [instances] in order).

    source: FROM's tables and any WHERE, naming the model's table `alias`;
    order: the rows' order. Neither database promises the order of an
    aggregate's rows, so each row carries its place (row_number()).
    """
    fields = model._meta.concrete_fields
    if unsafe := [f.name for f in fields if f.get_internal_type() not in _JSON_SAFE]:
        raise ValueError(f"{model.__name__}.{unsafe}: JSON would not keep their values "
                         "as they are.")
    name = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{name(field.column)} AS c{n}" for n, field in enumerate(fields))
    values = ", ".join(["n", *(f"c{n}" for n in range(len(fields)))])
    sql = (f"SELECT {_JSON_ROWS[connection.vendor].format(values)} FROM "
           f"(SELECT row_number() OVER (ORDER BY {order}) AS n, {columns} FROM {source}) listed")
    make = loaded(model, connection.alias, [field.attname for field in fields])

    def instances(text):
        return [make(row[1:]) for row in sorted(json.loads(text) if text else [])]

    return sql, instances


class RelatedArticle(models.Model):
    """An editor's ordered pick of a related story."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE,
                                     related_name="related_links")
    to_article = models.ForeignKey(Article, on_delete=models.CASCADE,
                                   related_name="related_to", verbose_name="related story")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"],
                                    name="unique_related_article"),
        ]

    def __str__(self):
        return f"{self.from_article} → {self.to_article}"

    def clean(self):
        # Readers saw the story recommend itself under "Related Articles".
        if self.from_article_id is not None and self.from_article_id == self.to_article_id:
            raise ValidationError({"to_article": "A story cannot be related to itself."})


class OldSlug(models.Model):
    """A slug a story had while public: its old links lead to the story's current address."""

    slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "old slug"

    def __str__(self):
        return f"{self.slug} → {self.article_id}"


OLD_ADDRESS_TAKEN = ("The address /articles/%(slug)s/ still leads to “%(headline)s”, which had "
                     "this slug before it was renamed: a story taking it would end that link "
                     "for good. Choose another slug.")


def old_address_error(slug, pk=None):
    """Why the story with id pk may not take slug (a ValidationError), or None.

    A slug another story once had (OldSlug) is that story's old address, which
    its old links lead through: a story that took it silently ended them.
    (Saved without clean(), from the shell, the new story still takes it.)
    """
    if not slug:
        return None
    old = (OldSlug.objects.filter(slug__iexact=slug).exclude(article_id=pk)
           .select_related("article").only("slug", "article__headline", "article").first())
    if old is None:
        return None
    return ValidationError(OLD_ADDRESS_TAKEN, code="old_address",
                           params={"slug": old.slug, "headline": old.article.headline})


def moved_story_slug(slug, now=None):
    """The slug of the public story an address at `slug` means, when no story has `slug`:
    one the story once had (OldSlug), or `slug` in lower case; else None.

    The story at `slug`, public or not, answers for itself, as does a story that
    now has the old slug: a takedown stays a 404 and never leads elsewhere.
    """
    return moved_slug(Article.objects.published(now), slug)


def _latest_revisions(article):
    return Article.history.filter(pk=Subquery(article.history.values("pk")[:1]))


def _record_tags(sender, instance, history_instance, **kwargs):
    """Keep the tags' names in each revision: history does not follow taggit's tables."""
    if history_instance.history_type == "-":
        # The deletion took the story's taggings first: the deleted story had the tags
        # its last revision shows, and restoring this revision brings them back.
        history_instance.tag_names = (
            _latest_revisions(instance).values_list("tag_names", flat=True).first() or "")
    elif history_instance.history_type != "+":
        history_instance.tag_names = edit_string_for_tags(instance.tags.all())


def _update_revision_tags(sender, instance, action, reverse, pk_set, **kwargs):
    """Tags are saved after the article (admin, import): update its latest revision."""
    if not isinstance(instance, Article) or reverse or instance.pk is None:
        return
    if action == "post_clear" or (action in ("post_add", "post_remove") and pk_set):
        _latest_revisions(instance).update(tag_names=edit_string_for_tags(instance.tags.all()))


pre_create_historical_record.connect(_record_tags, sender=Article.history.model)
m2m_changed.connect(_update_revision_tags, sender=Article.tags.through)
