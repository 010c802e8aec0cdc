import re

from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from core.text import LineFeeds, render_markdown

_H2 = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)


def render_page(source):
    """Markdown to safe HTML, each h2 with an id from its text so it can be linked to."""
    return _H2.sub(
        lambda m: f'<h2 id="{slugify(re.sub(r"<[^>]+>", "", m[1]))}">{m[1]}</h2>',
        render_markdown(source),
    )


class Page(LineFeeds, models.Model):
    """A standing page of the newsroom (about, standards, privacy), written by editors."""

    text_fields = ("body",)

    class Slug(models.TextChoices):
        ABOUT = "about", "About"
        STANDARDS = "standards", "Standards"
        PRIVACY = "privacy", "Privacy"

    # The set of pages is fixed by the URLs; editors own their words.
    slug = models.SlugField(max_length=40, unique=True, choices=Slug)
    title = models.CharField(max_length=120)
    description = models.CharField(
        max_length=300, blank=True,
        help_text="One or two sentences for search engines and link previews.",
    )
    body = models.TextField(help_text="Markdown; a level-2 heading becomes a linkable section.")
    body_html = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(f"pages:{self.slug}")

    def save(self, *args, **kwargs):
        self.body_html = render_page(self.body)
        super().save(*args, **kwargs)
