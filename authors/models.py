from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_delete, pre_save
from django.utils.functional import cached_property

from core.images import (PublicImageField, check_image, keep_made_renditions, picture,
                         queue_renditions)
from core.oldslugs import KeepsOldSlugs, OldSlugs
from core.seo import route
from core.text import LineFeeds, has_visible_text

from .tasks import make_avatar_renditions


def _validate_avatar(fieldfile):
    check_image(fieldfile)


AI_DISCLOSURE_REQUIRED = ("An AI persona needs a disclosure: name the system that writes as it "
                          "and the editor accountable.")
AI_FLAG_FIXED = ("This author has published or scheduled stories, and readers were told "
                 "who wrote them: “AI persona” cannot be changed now. Create a new author "
                 "profile instead.")


class Author(KeepsOldSlugs, LineFeeds, models.Model):
    text_fields = ("bio", "ai_disclosure")

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    title = models.CharField(max_length=160, blank=True,
                             help_text='For example "Asia correspondent".')
    bio = models.TextField(blank=True)
    avatar = PublicImageField(upload_to="avatars/", blank=True, validators=[_validate_avatar])
    avatar_renditions = models.JSONField(default=dict, blank=True, editable=False)
    is_ai = models.BooleanField("AI persona", default=False)
    ai_disclosure = models.TextField(
        "AI disclosure", blank=True,
        help_text="Which system writes as this persona and which human editor is accountable.",
    )
    # Readers have been shown a story under this byline: set when a public
    # story is unpublished, deleted or given another byline (while it is
    # public, its status says so), never cleared. Readers were told who wrote
    # it, so the AI flag stays fixed (_remember_public_byline). A default in
    # the database too: what does not know the column (an older release while
    # this one is deployed, a migration's model of the past) still adds authors.
    has_published = models.BooleanField(default=False, db_default=False, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="author_profile")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return route("authors:detail", self.slug)

    def clean(self):
        """Refuse a slug another author had, an AI persona without a disclosure, and an AI
        flag turned on a public record."""
        super().clean()
        self.check_ai_rules()

    def check_ai_rules(self):
        """Raise ValidationError unless this author, as it stands, may be saved."""
        stored = self.stored_flags()
        was_ai = stored.is_ai if stored else None
        # A copy loaded before a story of theirs was taken down keeps it on record.
        self.has_published = self.has_published or bool(stored and stored.has_published)
        changed = was_ai is not None and was_ai != self.is_ai
        errors = self.ai_rule_errors(was_ai, changed and self.has_published_stories())
        if errors:
            raise ValidationError(errors)

    def ai_rule_errors(self, was_ai, has_published):
        """{field: message} for the AI persona rules; empty when this author meets them.

        was_ai is the stored flag (None for a new author); has_published says
        whether readers were ever told who wrote a story of theirs
        (has_published_stories()).
        The importer calls this with the state its whole file would leave.
        """
        errors = {}
        # A zero-width space alone is no disclosure: nothing visible counts as none.
        if self.is_ai and not has_visible_text(self.ai_disclosure or ""):
            errors["ai_disclosure"] = AI_DISCLOSURE_REQUIRED
        if was_ai is not None and was_ai != self.is_ai and has_published:
            errors["is_ai"] = AI_FLAG_FIXED
        return errors

    def stored_flags(self):
        """The AI flag and has_published as the database holds them (named), or None for
        an author not saved yet."""
        if self._state.adding or self.pk is None:
            return None
        return (type(self).objects.filter(pk=self.pk).values_list(
            "is_ai", "has_published", named=True).first())

    def has_published_stories(self):
        """True when readers were told who wrote a story by this author: one has status
        published now (scheduled ones too), or one was public and has since been
        unpublished, deleted or given another byline (has_published)."""
        if self.pk is None:
            return False
        article = self.articles.model
        return (self.has_published
                or self.articles.filter(status=article.Status.PUBLISHED).exists())

    def save(self, *args, **kwargs):
        # The shell and scripts save without clean(): the AI rules hold there too.
        self.check_ai_rules()
        keep_made_renditions(self, "avatar", kwargs.get("using"))
        super().save(*args, **kwargs)
        # A new avatar: its renditions are made by the task worker after the commit.
        queue_renditions(self, "avatar", make_avatar_renditions, kwargs.get("using"))

    @cached_property
    def avatar_image(self):
        """The avatar's small JPEG rendition and WebP srcset, or None (no I/O).

        The original picture (and no WebP srcset) until the task worker has
        made the renditions.
        """
        if not self.avatar:
            return None
        return picture(self.avatar_renditions, self.avatar.storage, target=96)


def _remember_public_byline(sender, instance, raw=False, using=None, **kwargs):
    """Before a story is saved or deleted: if readers can see it now, its author has
    published for good (Author.has_published), whatever the save or deletion does.

    A story going public is seen while it stays so (has_published_stories());
    this records it once it no longer is. A scheduled story withdrawn before
    its time was never seen, and leaves nothing.
    """
    if raw or instance.pk is None or instance._state.adding:
        return
    public = sender._default_manager.using(using).published().filter(pk=instance.pk)
    (Author.objects.using(using).filter(pk__in=public.values("author_id"), has_published=False)
     .update(has_published=True))


# Stories are the articles app's; authors do not import it.
pre_save.connect(_remember_public_byline, sender="articles.Article")
pre_delete.connect(_remember_public_byline, sender="articles.Article")


class OldAuthorSlug(OldSlugs):
    """A slug an author once had: /authors/<slug>/ and its feeds lead to the author's page."""

    owner = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta:
        verbose_name = "old author slug"
