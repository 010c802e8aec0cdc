import html
import itertools
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from core.text import LineFeeds, lost_markup_error, markdown_html, render_markdown

_H2 = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")

# The ids the page's own templates give: base.html's <main id="main"> (the
# skip link's target), the header's search box, and About's contact section
# (templates/pages/page_detail.html). A heading never takes one of them.
TEMPLATE_IDS = frozenset({"main", "header-search-q", "contact", "contact-heading"})


def heading_id(text, taken, number):
    """An id for the number-th heading, whose plain text is text, that is not in taken.

    Made from the words, as Django's slugify makes a URL's, keeping the
    letters of every language: HTML allows any id without spaces, and a link
    to /about/#контакты says where it goes, where one to #section-3 would
    point elsewhere once a heading is added above. A heading with no letter
    or digit (emoji alone, punctuation) is section-<number>. A heading
    repeated, or named like one of TEMPLATE_IDS, gets -2, -3… after it.
    """
    base = slugify(text, allow_unicode=True) or f"section-{number}"
    candidate, suffix = base, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{base}-{suffix}"
    return candidate


def render_page(source):
    """Markdown to safe HTML, each h2 with an id from its text so it can be linked to.

    Each id is unique on the page: a duplicate id leaves a link to it (the
    skip link to #main among them) going to whichever comes first, and is
    invalid HTML.
    """
    taken, numbers = set(TEMPLATE_IDS), itertools.count(1)

    def with_id(match):
        # The id is made from the text a reader sees: no tags, entities read
        # ("Q&amp;A" is "Q&A", so "qa", not "qampa").
        anchor = heading_id(html.unescape(_TAG.sub("", match[1])), taken, next(numbers))
        taken.add(anchor)
        return f'<h2 id="{anchor}">{match[1]}</h2>'

    return _H2.sub(with_id, render_markdown(source))


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

    def clean(self):
        if lost := lost_markup_error(self.body, markdown_html(self.body), where="a page's text",
                                     instead="take it out."):
            raise ValidationError({"body": lost})

    def save(self, *args, **kwargs):
        self.body_html = render_page(self.body)
        super().save(*args, **kwargs)
