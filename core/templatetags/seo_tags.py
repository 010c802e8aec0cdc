from django import template
from django.utils.encoding import escape_uri_path

from core import seo

register = template.Library()


@register.simple_tag
def route(name, slug=None):
    """{% route "articles:list" %}, {% route "articles:tag" tag.slug %}: {% url %}, reversed once.

    For the links on every page (header, footer) and in loops (core.seo.route).
    """
    return seo.route(name, slug)


@register.filter
def absolute(url):
    """url on SITE_URL (for feeds, sitemaps and meta tags)."""
    return seo.absolute_url(url)


@register.filter
def short_description(text):
    """{{ article.dek|short_description }}: cut as page metadata is (core.seo)."""
    return seo.short_description(text)


@register.filter
def iso_datetime(value):
    """{{ story.published_at|iso_datetime }}: for datetime attributes and meta tags.

    Not |date:"c", which prints the microseconds the HTML standard refuses.
    """
    return seo.iso_datetime(value)


@register.simple_tag(takes_context=True)
def canonical_path(context):
    """This page's path, with ?page=N beyond the first page of a list."""
    path = escape_uri_path(context["request"].path)
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        path += f"?page={page.number}"
    return path


@register.simple_tag
def share_image(article=None):
    return seo.share_image(article)


@register.simple_tag
def news_article_json_ld(article, tags, corrections):
    return seo.json_ld(seo.news_article(article, tags, corrections))


@register.simple_tag
def organization_json_ld():
    return seo.json_ld(seo.organization(full=True))
