"""Sitemaps of public pages, and a Google News sitemap of the last two days' stories."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date
from taggit.models import Tag

from core.pagecache import last_changed
from core.pagination import check_page_number
from core.seo import absolute_url, modified_at, route
from core.text import smart_quotes, strip_control_characters

from .feeds import last_correction, public_authors
from .models import Article, Section

# Google News lists stories published in the last two days.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000


class _SiteSitemap(Sitemap):
    """Locations on SITE_URL, whatever host the request came to."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


def _latest_public(stories):
    """The newest publication time among these public stories, per row (a subquery)."""
    return Subquery(stories.order_by("-published_at").values("published_at")[:1])


class ArticleSitemap(_SiteSitemap):
    """Every public story: rows of its slug and dates, 50,000 to a page."""

    def items(self):
        return (Article.objects.published().order_by("-published_at", "-pk")
                .annotate(corrected_at=last_correction())
                .values_list("slug", "published_at", "updated_at", "corrected_at", named=True))

    def location(self, item):
        return route("articles:detail", item.slug)

    def lastmod(self, item):
        return modified_at(item, corrected_at=item.corrected_at)

    def get_latest_lastmod(self):
        """The latest change of a public story, its corrections' included, in one query."""
        found = Article.objects.published().aggregate(
            latest=Max(Greatest("published_at", "updated_at")),
            corrected=Max("corrections__date"), amended=Max("corrections__amended_at"))
        return max((date for date in found.values() if date is not None), default=None)


class SectionSitemap(_SiteSitemap):
    def items(self):
        return Section.objects.annotate(
            latest=_latest_public(Article.objects.published().filter(section=OuterRef("pk")))
        ).order_by("position", "name")

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("published_at"))["latest"]


class TagSitemap(_SiteSitemap):
    def items(self):
        """Tags on public stories, by name, each with its newest story's time (`latest`).

        The public stories' taggings are grouped by tag in one pass. Asked tag
        by tag, each tag walked the newest stories for one that carried it:
        0.77 s for 534 tags at 100,000 stories (2.5 s through taggit's join),
        0.09 s grouped. Every tag's name is read, and those on no public
        story left out here: a list of the others' ids could be longer than
        a query may take.
        """
        latest = dict(Article.objects.published().filter(tags__isnull=False).order_by()
                      .values_list("tags").annotate(Max("published_at")))
        tags = [tag for tag in Tag.objects.only("slug").order_by("name", "pk")
                if tag.pk in latest]
        for tag in tags:
            tag.latest = latest[tag.pk]
        return tags

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("published_at"))["latest"]


class AuthorSitemap(_SiteSitemap):
    def items(self):
        return public_authors().annotate(
            latest=_latest_public(Article.objects.published().filter(author=OuterRef("pk")))
        ).order_by("name", "pk")

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("published_at"))["latest"]


class NewsSitemap(_SiteSitemap):
    """Stories published in the last two days, for the Google News sitemap."""

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (Article.objects.published().filter(published_at__gte=since)
                .annotate(corrected_at=last_correction())
                .order_by("-published_at", "-pk")[:NEWS_LIMIT])

    def lastmod(self, item):
        return modified_at(item, corrected_at=item.corrected_at)

    def get_urls(self, *args, **kwargs):
        """Each story's URL, with its headline as XML 1.0 can carry it (`title`).

        Headlines are saved without control characters (core.text.LineFeeds);
        one stored before would make the whole sitemap unreadable. The title has
        the typographic quotes its page prints the headline with.
        """
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            url["title"] = smart_quotes(strip_control_characters(url["item"].headline))
        return urls


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
NEWS_SITEMAPS = {"news": NewsSitemap}


@x_robots_tag
def sitemap(request, section):
    """A page (?p=) of one of SITEMAPS, as Django's sitemap view answers, written in Python.

    A page lists up to 50,000 stories. Django's view made a dictionary for
    each and its template formatted each date: 9 s for a page at 100,000
    stories, most of it in the template's `date` filter.
    """
    if section not in SITEMAPS:
        raise Http404(f"No sitemap available for section: {section!r}")
    site = SITEMAPS[section]()
    page = request.GET.get("p", "1")
    # Django's paginator also reads "+1", " 1" or "١" as page 1: each a 200, and each
    # kept by the page cache as one more copy of it. Lists answer them 404, and so do sitemaps.
    check_page_number(page)
    try:
        items = site.paginator.page(page).object_list
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.") from None
    base, zone = f"{site.get_protocol()}://{site.get_domain()}", timezone.get_current_timezone()
    urls, lastmods = [], []
    for item in items:
        lastmod = site.lastmod(item)
        lastmods.append(lastmod)
        # The day in TIME_ZONE, as the `date` filter of Django's template wrote it.
        shown = (f"<lastmod>{lastmod.astimezone(zone).date().isoformat()}</lastmod>"
                 if lastmod else "")
        urls.append(f"<url><loc>{escape(base + site.location(item))}</loc>{shown}</url>")
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(urls) + "\n</urlset>\n", content_type="application/xml")
    if lastmods and all(lastmods):
        response.headers["Last-Modified"] = http_date(max(lastmods).timestamp())
    return response


def news(request):
    """The Google News sitemap (NEWS_SITEMAPS), Django's view; a ?p= not in plain digits is a 404,
    as on the other sitemaps."""
    check_page_number(request.GET.get("p"))
    return sitemap_views.sitemap(request, sitemaps=NEWS_SITEMAPS,
                                 template_name="sitemap_news.xml")


@x_robots_tag
def index(request):
    """The sitemap index, every address on SITE_URL (Django's own uses the request's host).

    Dated as its newest sitemap, as Django's index is. Each sitemap's date is
    moved on to the latest change stamped on the sitemaps (core.pagecache.last_changed),
    as their Last-Modified headers are: dated by their newest story alone, a
    sitemap that lost its newest story went back in time, and search engines
    skip a sitemap whose date went back.
    """
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap-section", kwargs={"section": section}))
        lastmod = last_changed(request, sitemap.get_latest_lastmod())
        entries.append(SitemapIndexItem(location, lastmod))
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append(SitemapIndexItem(f"{location}?p={page}", lastmod))
    response = TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries},
                                content_type="application/xml")
    if all(entry.last_mod for entry in entries):
        response.headers["Last-Modified"] = http_date(
            max(entry.last_mod for entry in entries).timestamp())
    return response
