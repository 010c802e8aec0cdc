"""What the site tells machines about its pages: URLs, share images, JSON-LD."""

import json
import re
import unicodedata
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.images import CROPS, url_maker
from core.text import smart_quotes

# The site's share image and logo (static/img/), in pixels.
SITE_IMAGE = ("img/og-default.png", 1200, 630)
LOGO = ("img/logo.png", 512, 512)

# As django.utils.html.json_script escapes: no "</script>" or "<!--" can close the block.
_JSON_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


# What the slug path converter accepts, and reverse() puts into a URL unchanged.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "__slug__"


@lru_cache(maxsize=256)  # bounded: the script prefix comes from the request
def _reversed(urlconf, script_prefix, language, name, with_slug):
    """reverse(name), or the URL's text before and after its slug (the rest is the cache key)."""
    if not with_slug:
        return reverse(name, urlconf=urlconf)
    head, _, tail = reverse(name, urlconf=urlconf, kwargs={"slug": _SLUG_MARK}).rpartition(
        _SLUG_MARK)
    return head, tail


# The request's URLconf, script prefix and language while its view runs and its page is
# rendered (core.middleware.RouteMiddleware), else None.
_request_where = ContextVar("route_where", default=None)


def _where():
    """All that reverse() reads besides its arguments."""
    return (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
            translation.get_language())


def keep_request_routes():
    """route() reads the request's URLconf, script prefix and language as they are now,
    until forget_request_routes(): 2 µs of the 3 it took, some 50 times a page."""
    _request_where.set(_where())


def forget_request_routes():
    _request_where.set(None)


def route(name, slug=None):
    """reverse(name), or reverse(name, kwargs={"slug": slug}), without searching the URLconf.

    A page links dozens of stories, sections and site pages, and reverse()
    costs about 15 µs each time; here each route is reversed once per URLconf,
    script prefix and language (all that reverse() reads besides its
    arguments). For routes with no argument or a single slug. A slug the slug
    converter would refuse still goes through reverse(), and fails there as
    it always did.

    Within a request those three are the request's, as its view was called
    (keep_request_routes()): a view that changes them for a while
    (translation.override()) and wants its links under the change calls reverse().
    """
    where = _request_where.get() or _where()
    if slug is None:
        return _reversed(*where, name, False)
    slug = str(slug)
    if not _SLUG.fullmatch(slug):
        return reverse(name, kwargs={"slug": slug})
    head, tail = _reversed(*where, name, True)
    return f"{head}{slug}{tail}"


def absolute_url(url):
    """url on SITE_URL, unless it is absolute already (a CDN's, say)."""
    url = str(url)
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


def site_image():
    """The site's own share image, for pages and stories without one."""
    path, width, height = SITE_IMAGE
    return {"url": absolute_url(static(path)), "width": width, "height": height,
            "alt": f"{settings.SITE_NAME} masthead"}


def _stored_image(article, stored):
    return {"url": absolute_url(url_maker(article.image.storage)(stored["name"])),
            "width": stored["width"], "height": stored["height"], "alt": article.image_alt}


def hero_image(article):
    """The hero's largest stored JPEG rendition as an absolute URL, or None (no I/O).

    The original image until the task worker has made the renditions.
    """
    if not article.image:
        return None
    renditions = article.image_renditions
    jpegs = renditions.get("jpeg")
    if jpegs:
        return _stored_image(article, max(jpegs, key=lambda rendition: rendition["width"]))
    if renditions.get("source") == article.image.name and renditions.get("width"):
        return _stored_image(article, {"name": renditions["source"], "width": renditions["width"],
                                       "height": renditions["height"]})
    return None


def hero_crops(article):
    """The hero's 16:9, 4:3 and 1:1 crops (core.images.CROPS), or [] before they are made."""
    crops = article.image_renditions.get("crops") if article.image else None
    return [_stored_image(article, crops[name]) for name, *_ in CROPS if name in (crops or {})]


def share_image(article=None):
    """The image a link preview shows: the story's 16:9 crop or hero, else the site's."""
    if not article:  # templates pass "" for no story
        return site_image()
    return next(iter(hero_crops(article)), None) or hero_image(article) or site_image()


def modified_at(article, corrections=(), corrected_at=None):
    """When the story last changed for readers; never before it was published.

    Its corrections count: the rows, or the latest one's date (corrected_at,
    read with a list of stories). A correction saved on its own leaves the
    story's updated_at as it was.
    """
    times = [article.published_at, article.updated_at, corrected_at,
             *(t for c in corrections for t in (c.date, getattr(c, "amended_at", None)))]
    return max(t for t in times if t is not None)


def json_ld(data):
    """A JSON-LD block that is safe inside HTML, whatever the strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # str.replace, not str.translate: translate takes 100 times longer on text
    # with any non-ASCII character (130 µs for a story's block).
    for character, escaped in _JSON_ESCAPES:
        text = text.replace(character, escaped)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def iso_datetime(value):
    """A date and time for machines (datetime attributes, meta tags, JSON-LD), in TIME_ZONE.

    To the second: the HTML standard (and the W3C checker) allows at most three
    digits of a second, and timezone.now() gives six.
    """
    if not value:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()  # a date
    if timezone.is_aware(value):
        return _local_iso(value, timezone.get_current_timezone())
    return value.isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def _local_iso(value, zone):
    # A story page gives its times a dozen times (meta tags, JSON-LD, <time>), at 3 µs each.
    # Equal instants are one key whatever their zone: they are the same local time in zone.
    return value.astimezone(zone).isoformat(timespec="seconds")


def organization(full=False):
    """The newsroom as a schema.org NewsMediaOrganization; full adds its policies."""
    path, width, height = LOGO
    data = {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute_url("/"),
        "logo": {"@type": "ImageObject", "url": absolute_url(static(path)),
                 "width": width, "height": height},
    }
    if full:
        about = absolute_url(reverse("pages:about"))
        standards = absolute_url(reverse("pages:standards"))
        data = {
            "@context": "https://schema.org",
            **data,
            "description": "Independent news, with every AI byline disclosed.",
            "masthead": about,
            "publishingPrinciples": standards,
            # The anchors are the standards page's headings (pages.models.render_page).
            "ethicsPolicy": f"{standards}#ethics",
            "verificationFactCheckingPolicy": f"{standards}#ethics",
            "correctionsPolicy": f"{standards}#corrections-policy",
            "actionableFeedbackPolicy": f"{standards}#how-bias-reports-are-handled",
        }
    return data


def short_description(text):
    """A description as page metadata gives it: 40 words and at most 300 characters (a dek
    has no limit). Search results show about 160, link previews 200 to 300. The
    meta tags use it as the short_description filter (seo_tags).

    What Truncator gives, where it would cut nothing without its 20 µs a call: the
    words joined by single spaces, composed (NFC).
    """
    words = str(text).split()
    if len(words) <= 40:
        text = unicodedata.normalize("NFC", " ".join(words))
        if len(text) <= 300:  # combining characters count for nothing: fewer, if any
            return text
    return Truncator(Truncator(text).words(40, truncate=" …")).chars(300)


def ai_involvement_note(article):
    """What the story page's "How this story was made" says of AI, as plain text.

    The same words as templates/articles/article_detail.html, for where the
    page is not read: feed items and the story's JSON-LD. A story written by
    AI under a human byline said so on its page alone.
    """
    involvement = article.ai_involvement_shown
    if involvement == "generated":
        persona = (f", writing as the persona {article.author.name}"
                   if article.author.is_ai else "")
        return f"AI involvement: generated. An AI system wrote this story{persona}."
    if involvement == "assisted":
        return "AI involvement: assisted. People wrote this story with the help of AI tools."
    return "AI involvement: none. People reported and wrote this story without AI tools."


def news_article(article, tags=(), corrections=()):
    """The story as a schema.org NewsArticle."""
    url = absolute_url(article.get_absolute_url())
    author = article.author
    # Google asks for 16:9, 4:3 and 1:1 versions; before they are made, the hero alone.
    images = hero_crops(article) or [image for image in [hero_image(article)] if image]
    image_data = []
    for image in images or [site_image()]:
        data = {"@type": "ImageObject", "url": image["url"],
                "width": image["width"], "height": image["height"]}
        if images and article.image_caption:
            data["caption"] = smart_quotes(article.image_caption)
        if images and article.image_credit:
            data["creditText"] = article.image_credit
        image_data.append(data)
    person = {"@type": "Person", "name": author.name,
              "url": absolute_url(author.get_absolute_url())}
    if author.title:
        person["jobTitle"] = author.title
    if author.is_ai:
        person["description"] = ("AI persona: an AI system writes under this byline and a "
                                 "named human editor is accountable for its stories.")
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        # As the page's h1 prints it (the `smartquotes` filter): search engines compare them.
        "headline": smart_quotes(article.headline),
        "description": short_description(article.dek or article.headline),
        "image": image_data,
        "dateModified": iso_datetime(modified_at(article, corrections)),
        "author": [person],
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in tags],
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "publisher": organization(),
    }
    # How the story was made, as its page says (schema.org's backstory). An AI
    # persona stays a Person, as schema.org's author is a Person or an
    # Organization and its Person may be fictional: its description says it is
    # an AI persona, and the human editor who reviewed the story is its editor.
    data["backstory"] = ai_involvement_note(article)
    reviewer = article.ai_reviewed_by if article.ai_involvement_shown != "none" else None
    # Named by their full name, as the page names them; an account with none (its
    # sign-in name would be half of what a password guesser needs) is not named.
    if reviewer is not None and reviewer.get_full_name():
        data["editor"] = {"@type": "Person", "name": reviewer.get_full_name(),
                          "description": "The human editor who reviewed this story."}
    if article.published_at:
        data["datePublished"] = iso_datetime(article.published_at)
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "name": c.get_kind_display(), "text": c.text,
             "datePublished": iso_datetime(c.date), "url": f"{url}#correction-{c.pk}",
             **({"dateModified": iso_datetime(c.amended_at)}
                if getattr(c, "amended_at", None) else {})}
            for c in corrections
        ]
    return data
