from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.managers import TaggableManager

from .images import check_image, fallback, make_renditions, srcset
from .text import estimate_reading_minutes, render_markdown


class Section(models.Model):
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
        return reverse("articles:section", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see: status published and published_at not in the future."""
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__lte=now or timezone.now(),
        )

    def for_listing(self):
        """Newest first, with what a story card shows, in one query."""
        return self.select_related("section", "author").order_by("-published_at", "-pk")

    def by_author(self, author):
        """One author's stories."""
        return self.filter(author=author)

    def latest_by_section(self, per_section):
        """Up to per_section newest stories of every section, in one query."""
        return self.for_listing().annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("section_id"),
                order_by=[F("published_at").desc(), F("pk").desc()],
            )
        ).filter(rank__lte=per_section)


def _validate_image(fieldfile):
    check_image(fieldfile)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class AIInvolvement(models.TextChoices):
        NONE = "none", "None: written by people"
        ASSISTED = "assisted", "Assisted: people wrote it with AI tools"
        GENERATED = "generated", "Generated: an AI system wrote it"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    dek = models.TextField("dek (standfirst)", blank=True)
    body = models.TextField(help_text="Markdown; paragraphs separated by blank lines.")
    body_html = models.TextField(editable=False, default="")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT,
                               related_name="articles")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    is_featured = models.BooleanField("featured", default=False)

    image = models.ImageField(upload_to="articles/%Y/%m/", blank=True,
                              validators=[_validate_image])
    image_alt = models.CharField("alt text", max_length=250, blank=True)
    image_caption = models.CharField("caption", max_length=300, blank=True)
    image_credit_source = models.CharField("credit source", max_length=100, blank=True)
    image_credit_photographer = models.CharField("credit photographer", max_length=100,
                                                 blank=True)
    image_is_ai_generated = models.BooleanField("AI-generated image", default=False)
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)

    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    tags = TaggableManager(blank=True)
    related = models.ManyToManyField("self", through="RelatedArticle", symmetrical=False,
                                     related_name="+", blank=True)

    ai_involvement = models.CharField("AI involvement", max_length=10,
                                      choices=AIInvolvement, default=AIInvolvement.NONE)
    ai_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+",
                                       verbose_name="reviewing editor")
    ai_reviewed_at = models.DateTimeField("reviewed at", null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
            models.Index(fields=["section", "status", "-published_at"],
                         name="article_section_idx"),
            models.Index(fields=["author", "status", "-published_at"],
                         name="article_author_idx"),
            models.Index(fields=["is_featured", "status", "-published_at"],
                         name="article_featured_idx"),
        ]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.reading_minutes = estimate_reading_minutes(self.body_html)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "reading_minutes"}
        super().save(*args, **kwargs)
        source = self.image.name if self.image else ""
        if source != self.image_renditions.get("source", ""):
            self.image_renditions = make_renditions(self.image) if source else {}
            type(self).objects.filter(pk=self.pk).update(image_renditions=self.image_renditions)

    def is_published(self, now=None):
        """True when readers may see this story now."""
        return (self.status == self.Status.PUBLISHED and self.published_at is not None
                and self.published_at <= (now or timezone.now()))

    @property
    def image_credit(self):
        """`Photo: <source> / <photographer>`, either alone, and the AI mark."""
        parts = [p for p in (self.image_credit_source, self.image_credit_photographer) if p]
        if not parts and not self.image_is_ai_generated:
            return ""
        credit = f"Photo: {' / '.join(parts)}" if parts else "Photo:"
        if self.image_is_ai_generated:
            credit += " (AI-generated image)"
        return credit

    @cached_property
    def hero(self):
        """The hero's fallback JPEG and both srcsets, from stored renditions (no I/O)."""
        if not self.image:
            return None
        storage = self.image.storage
        image = fallback(self.image_renditions, storage)
        if image is None:
            return None
        image["jpeg_srcset"] = srcset(self.image_renditions, "jpeg", storage)
        image["webp_srcset"] = srcset(self.image_renditions, "webp", storage)
        # width and height keep the original's aspect ratio for layout.
        image["width"] = self.image_renditions["width"]
        image["height"] = self.image_renditions["height"]
        return image

    def related_articles(self, limit=4):
        """Up to `limit` public stories: editor's picks in order, then most shared tags."""
        public = Article.objects.published()
        picks = list(
            public.filter(related_to__from_article=self)
            .for_listing()
            .order_by("related_to__position")[:limit]
        )
        if len(picks) < limit:
            exclude = [self.pk, *(a.pk for a in picks)]
            tag_ids = self.tags.values("pk")
            picks += list(
                public.filter(tags__in=tag_ids)
                .exclude(pk__in=exclude)
                .annotate(shared=Count("tags", filter=Q(tags__in=tag_ids)))
                .select_related("section", "author")
                .order_by("-shared", "-published_at", "-pk")[: limit - len(picks)]
            )
        return picks


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


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        EDITORS_NOTE = "editors_note", "Editor's note"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=15, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField()
    date = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article}"
