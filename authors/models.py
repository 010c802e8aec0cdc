from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property

from articles.images import check_image, fallback, make_renditions, srcset


def _validate_avatar(fieldfile):
    check_image(fieldfile)


class Author(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    title = models.CharField(max_length=160, blank=True,
                             help_text='For example "Asia correspondent".')
    bio = models.TextField(blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True,
                               validators=[_validate_avatar])
    avatar_renditions = models.JSONField(default=dict, blank=True, editable=False)
    is_ai = models.BooleanField("AI persona", default=False)
    ai_disclosure = models.TextField(
        "AI disclosure", blank=True,
        help_text="Which system writes as this persona and which human editor is accountable.",
    )
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="author_profile")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("authors:detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        source = self.avatar.name if self.avatar else ""
        if source != self.avatar_renditions.get("source", ""):
            self.avatar_renditions = (
                make_renditions(self.avatar, widths=(96, 192)) if source else {}
            )
            type(self).objects.filter(pk=self.pk).update(avatar_renditions=self.avatar_renditions)

    @cached_property
    def avatar_image(self):
        """The avatar's small JPEG rendition and WebP srcset, or None."""
        image = fallback(self.avatar_renditions, self.avatar.storage, target=96)
        if image:
            image["webp_srcset"] = srcset(self.avatar_renditions, "webp", self.avatar.storage)
        return image
