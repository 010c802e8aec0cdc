"""RSS 2.0 and Atom feeds of public stories: the whole site, a section, an author, a tag."""

import mimetypes
from datetime import timezone as dt_timezone
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from authors.models import Author
from core.pagecache import last_changed
from core.seo import absolute_url, ai_involvement_note, hero_image, modified_at
from core.text import smart_quotes, strip_control_characters

from .models import Article, Section

FEED_LENGTH = 20
MEDIA_NS = "http://search.yahoo.com/mrss/"
# The category an item written with AI carries, after its section and tags.
AI_CATEGORIES = {Article.AIInvolvement.GENERATED: "AI-generated",
                 Article.AIInvolvement.ASSISTED: "AI-assisted"}


def public_tags():
    """Tags on at least one public story (a tag's name alone could reveal a hidden one)."""
    return Tag.objects.filter(pk__in=Article.objects.published().values("tags"))


def public_authors():
    """Authors of at least one public story: only they are listed, in sitemaps and feeds."""
    return Author.objects.filter(pk__in=Article.objects.published().values("author"))


def last_correction():
    """The date of the latest correction on the story OuterRef("pk"), or None: a subquery.

    Read with the list, not once per story. A correction saved on its own
    (its admin, a bias report's) leaves the story's updated_at as it was,
    yet changes the story: its feed item, its sitemap entry. Corrections
    are standards' rows, reached through their relation: articles does not
    import standards.
    """
    corrections = Article._meta.get_field("corrections").related_model.objects
    # An amended correction changed the story when it was amended (standards: amended_at).
    return Subquery(corrections.filter(article=OuterRef("pk"))
                    .annotate(changed=Coalesce("amended_at", "date"))
                    .order_by("-changed", "-pk").values("changed")[:1])


def story_id(story):
    """The story's id in feeds (RSS <guid>, Atom <id>): a tag URI (RFC 4151) that stays.

    Not its URL, which Django's feeds use: a renamed slug showed the story
    again in every reader as a new one, and a new story given a freed slug
    took the old one's id (readers took it as read). The story's number and
    the day it was created never change. The host is SITE_URL's, lower case
    and without its port: moving the site to another host changes every id.
    """
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    day = story.created_at.astimezone(dt_timezone.utc).date().isoformat()
    return f"tag:{host},{day}:article-{story.pk}"


def _xml_text(value):
    """value, and the text inside it, without the characters XML 1.0 cannot carry."""
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, (list, tuple)):
        return type(value)(map(_xml_text, value))
    if isinstance(value, dict):
        return {key: _xml_text(item) for key, item in value.items()}
    return value


class _XmlText:
    """Every text of the feed and its items written without control characters.

    Text is saved without them (core.text.LineFeeds), but a story stored before
    could still hold an escape or a form feed, and Django's feed writer
    refuses the whole feed for one: one story took down the feed for everyone.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*_xml_text(args), **_xml_text(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*_xml_text(args), **_xml_text(kwargs))


class _DatedAsChanged:
    """The feed dated as its Last-Modified header is: by the latest change, not only its
    newest item (core.pagecache.last_changed). A takedown took the date back."""

    request = None

    def latest_post_date(self):
        if not hasattr(self, "_latest"):  # the header and the feed ask: one date for both
            latest = super().latest_post_date()
            self._latest = latest if self.request is None else last_changed(self.request, latest)
        return self._latest


class _MediaElements:
    """Media RSS for the hero image: its URL, size, alt text and credit."""

    def add_media_namespace(self, attrs):
        attrs["xmlns:media"] = MEDIA_NS
        return attrs

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        image = item.get("image")
        if image:
            handler.startElement("media:content", {
                "url": image["url"], "medium": "image",
                "type": mimetypes.guess_type(image["url"])[0] or "image/jpeg",
                "width": str(image["width"]), "height": str(image["height"]),
            })
            if image["alt"]:
                handler.addQuickElement("media:description", image["alt"], {"type": "plain"})
            if image["credit"]:
                handler.addQuickElement("media:credit", image["credit"])
            handler.endElement("media:content")


class MediaRssFeed(_XmlText, _DatedAsChanged, _MediaElements, Rss201rev2Feed):
    def rss_attributes(self):
        return self.add_media_namespace(super().rss_attributes())


class MediaAtomFeed(_XmlText, _DatedAsChanged, _MediaElements, Atom1Feed):
    def root_attributes(self):
        return self.add_media_namespace(super().root_attributes())


class LatestArticlesFeed(Feed):
    """The newest public stories, as RSS 2.0."""

    feed_type = MediaRssFeed
    language = "en"
    url_name = "articles:feed"

    def title(self, obj=None):
        return settings.SITE_NAME

    def description(self, obj=None):
        return "Independent news, with every AI byline disclosed."

    def link(self, obj=None):
        return absolute_url(reverse("articles:home"))

    def feed_url(self, obj=None):
        kwargs = {"slug": obj.slug} if obj is not None else {}
        return absolute_url(reverse(self.url_name, kwargs=kwargs))

    def stories(self, obj):
        return Article.objects.published()

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.request = request
        return feed

    def items(self, obj=None):
        return (self.stories(obj).for_listing().annotate(corrected_at=last_correction())
                .prefetch_related("tags")[:FEED_LENGTH])

    def item_title(self, item):
        # With the typographic quotes its page prints it with (the `smartquotes` filter).
        return smart_quotes(item.headline)

    def item_description(self, item):
        # Readers treat an item's description as HTML: the dek is plain text.
        dek = smart_quotes(item.dek)
        if item.ai_involvement_shown == Article.AIInvolvement.NONE:
            return escape(dek)
        # A story written with AI says so in the item, in its page's words: under a
        # human byline, nothing else in a feed reader did.
        return "".join(f"<p>{escape(text)}</p>"
                       for text in (dek, ai_involvement_note(item)) if text)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        return story_id(item)

    item_guid_is_permalink = False

    def item_author_name(self, item):
        # The byline says plainly that an AI persona is no person, as the site
        # and the newsletter do: feed readers show this name alone.
        return f"{item.author.name} (AI persona)" if item.author.is_ai else item.author.name

    def item_author_link(self, item):
        return absolute_url(item.author.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return modified_at(item, corrected_at=item.corrected_at)

    def item_categories(self, item):
        categories = [item.section.name, *sorted(tag.name for tag in item.tags.all())]
        involvement = AI_CATEGORIES.get(item.ai_involvement_shown)
        if involvement and involvement not in categories:
            categories.append(involvement)
        return categories

    def item_extra_kwargs(self, item):
        image = hero_image(item)
        if image:
            image["credit"] = item.image_credit
        return {"image": image}


class SectionFeed(LatestArticlesFeed):
    url_name = "articles:section-feed"

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj):
        return f"The latest {obj.name} stories from {settings.SITE_NAME}."

    def link(self, obj):
        return absolute_url(obj.get_absolute_url())

    def stories(self, obj):
        return Article.objects.published().filter(section=obj)


class AuthorFeed(LatestArticlesFeed):
    url_name = "authors:feed"

    def get_object(self, request, slug):
        return get_object_or_404(public_authors(), slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj):
        if obj.is_ai:
            return (f"Stories by {obj.name}, an AI persona: an AI system writes under this "
                    "byline and a named human editor is accountable for its stories.")
        return f"Stories by {obj.name} for {settings.SITE_NAME}."

    def link(self, obj):
        return absolute_url(obj.get_absolute_url())

    def stories(self, obj):
        return Article.objects.published().by_author(obj)


class TagFeed(LatestArticlesFeed):
    url_name = "articles:tag-feed"

    def get_object(self, request, slug):
        return get_object_or_404(public_tags(), slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj):
        return f"Stories about {obj.name} from {settings.SITE_NAME}."

    def link(self, obj):
        return absolute_url(reverse("articles:tag", kwargs={"slug": obj.slug}))

    def stories(self, obj):
        return Article.objects.published().tagged(obj)


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = MediaAtomFeed
    url_name = "articles:feed-atom"
    subtitle = LatestArticlesFeed.description


class SectionAtomFeed(SectionFeed):
    feed_type = MediaAtomFeed
    url_name = "articles:section-feed-atom"
    subtitle = SectionFeed.description


class AuthorAtomFeed(AuthorFeed):
    feed_type = MediaAtomFeed
    url_name = "authors:feed-atom"
    subtitle = AuthorFeed.description


class TagAtomFeed(TagFeed):
    feed_type = MediaAtomFeed
    url_name = "articles:tag-feed-atom"
    subtitle = TagFeed.description
