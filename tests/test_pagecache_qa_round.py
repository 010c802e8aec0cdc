"""Feeds' and sitemaps' dates after a takedown, and lifetimes that do not tell the schedule.

A feed's or a sitemap's Last-Modified must move forward whenever what it
lists changes, or a reader asking If-Modified-Since is told 304 and keeps a
story that was taken down. And no public page's Cache-Control may tell a
reader when the next scheduled story goes public.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.core.cache import cache
from django.utils.http import http_date, parse_http_date

from articles.models import Article
from core import pagecache
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
OLDER_AT, NEWER_AT = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
CHANGED = NOW + timedelta(minutes=1)
LATER = NOW + timedelta(minutes=2)

FEEDS = ["/feeds/latest/", "/feeds/latest/atom/", "/sections/world/feed/",
         "/sections/world/feed/atom/", "/authors/ines/feed/", "/authors/ines/feed/atom/",
         "/tags/ports/feed/", "/tags/ports/feed/atom/"]
SITEMAPS = ["/sitemap-news.xml", "/sitemap-articles.xml"]


@pytest.fixture
def stories():
    """Two public stories in one section, by one author, under one tag: each is in every
    feed and sitemap. Each saved at its own time, as the newsroom would."""
    with time_machine.travel(OLDER_AT, tick=False):
        world = SectionFactory(name="World", slug="world")
        ines = AuthorFactory(name="Ines Duarte", slug="ines")
    made = {}
    for name, at in (("older", OLDER_AT), ("newer", NEWER_AT)):
        with time_machine.travel(at, tick=False):
            made[name] = ArticleFactory(slug=f"{name}-story", section=world, author=ines,
                                        tags=["ports"], published_at=at)
    return made


def _date(response):
    return parse_http_date(response["Last-Modified"])


def _dated_then_changed(client, url, change):
    """The page's Last-Modified at NOW, and the answer to If-Modified-Since with it after
    change() ran a minute later."""
    with time_machine.travel(NOW, tick=False):
        first = client.get(url)
        assert first.status_code == 200 and "Last-Modified" in first, url
        since = first["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    with time_machine.travel(CHANGED, tick=False):
        change()
    with time_machine.travel(LATER, tick=False):
        return first, client.get(url, HTTP_IF_MODIFIED_SINCE=since)


def _unpublish(story):
    story.status = Article.Status.DRAFT
    story.save()


# Finding 1: a takedown moves Last-Modified forward ----------------------------------------------


@pytest.mark.parametrize("url", FEEDS + SITEMAPS)
def test_a_takedown_of_an_older_story_is_not_answered_304(client, stories, url):
    first, after = _dated_then_changed(client, url, lambda: _unpublish(stories["older"]))
    assert after.status_code == 200, "the reader keeps the story taken down"
    assert b"older-story" in first.content and b"older-story" not in after.content
    assert _date(after) > _date(first)
    # And once the reader has it, the date is honoured again.
    with time_machine.travel(LATER, tick=False):
        again = client.get(url, HTTP_IF_MODIFIED_SINCE=after["Last-Modified"])
    assert again.status_code == 304


@pytest.mark.parametrize("url", FEEDS + SITEMAPS)
def test_a_takedown_of_the_newest_story_does_not_take_the_date_back(client, stories, url):
    first, after = _dated_then_changed(client, url, lambda: _unpublish(stories["newer"]))
    assert after.status_code == 200 and b"newer-story" not in after.content
    assert _date(after) > _date(first)


def _move(story):
    story.section = SectionFactory(name="Business", slug="business")
    story.save()


def _reschedule(story):
    story.published_at = CHANGED + timedelta(days=1)
    story.save()


@pytest.mark.parametrize("change", [_move, _reschedule, Article.delete],
                         ids=["moved", "rescheduled", "deleted"])
def test_a_story_leaving_a_feed_any_way_is_not_answered_304(client, stories, change):
    first, after = _dated_then_changed(client, "/sections/world/feed/",
                                       lambda: change(stories["older"]))
    assert after.status_code == 200 and b"older-story" not in after.content
    assert _date(after) > _date(first)


def test_the_date_of_a_takedown_outlives_the_page_cache_stamps(client, stories):
    """The tags' stamps used to last a page's lifetime (11 minutes): a feed reader that
    polls hourly was then told 304 for a feed that had lost a story."""
    with time_machine.travel(NOW, tick=False):
        since = client.get("/feeds/latest/")["Last-Modified"]
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["older"])
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        after = client.get("/feeds/latest/", HTTP_IF_MODIFIED_SINCE=since)
    assert after.status_code == 200 and b"older-story" not in after.content


def test_a_feed_is_dated_after_its_stamps_are_lost(client, stories):
    """An emptied cache (Redis restarted without its data) holds no stamp of the takedown:
    the feed is dated from when the stamps were kept again."""
    with time_machine.travel(NOW, tick=False):
        since = client.get("/feeds/latest/")["Last-Modified"]
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["older"])
        cache.clear()
        pagecache._local.clear()
    with time_machine.travel(LATER, tick=False):
        after = client.get("/feeds/latest/", HTTP_IF_MODIFIED_SINCE=since)
    assert after.status_code == 200 and b"older-story" not in after.content


def test_a_feed_untouched_keeps_the_date_of_its_newest_story(client, stories):
    """Nothing changed since the newest story: its time, and 304 for a reader who has it,
    however often the page is rendered anew."""
    for at in (NOW, NOW + timedelta(hours=3)):
        with time_machine.travel(at, tick=False):
            response = client.get("/feeds/latest/")
            assert response["Last-Modified"] == http_date(NEWER_AT.timestamp())
            assert client.get("/feeds/latest/", HTTP_IF_MODIFIED_SINCE=http_date(
                NEWER_AT.timestamp())).status_code == 304


def test_the_sitemap_index_is_dated_as_its_newest_sitemap(client, stories):
    with time_machine.travel(NOW, tick=False):
        index = client.get("/sitemap.xml")
        articles = client.get("/sitemap-articles.xml")
    assert index["Last-Modified"] == articles["Last-Modified"]
    assert index["Last-Modified"] == http_date(NEWER_AT.timestamp())
    first, after = _dated_then_changed(client, "/sitemap.xml",
                                       lambda: _unpublish(stories["older"]))
    assert after.status_code == 200 and _date(after) > _date(first)


def test_without_the_page_cache_a_takedown_is_not_answered_304(client, stories, settings):
    """Nothing answers If-Modified-Since then: every feed and sitemap is sent whole, and
    the index is dated as with the cache."""
    settings.PAGE_CACHE_ENABLED = False
    urls = [*FEEDS, *SITEMAPS, "/sitemap.xml"]
    with time_machine.travel(NOW, tick=False):
        dates = {url: client.get(url)["Last-Modified"] for url in urls}
        assert dates["/sitemap.xml"] == http_date(NEWER_AT.timestamp())
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["older"])
    with time_machine.travel(LATER, tick=False):
        for url in urls:
            response = client.get(url, HTTP_IF_MODIFIED_SINCE=dates[url])
            assert response.status_code == 200 and b"older-story" not in response.content


# Finding 2: lifetimes do not tell when a scheduled story goes public ----------------------------

# What every public page says when it was rendered 0 s ago, whatever is scheduled.
LIFETIMES = "public, max-age=60, s-maxage=600, stale-while-revalidate=30"
PAGES = ["/", "/sections/world/", "/articles/newer-story/", "/feeds/latest/", "/sitemap.xml"]


def _schedule(stories, seconds):
    ArticleFactory(slug="embargoed", section=stories["newer"].section,
                   author=stories["newer"].author, published_at=NOW + timedelta(seconds=seconds))


@pytest.mark.parametrize("url", PAGES)
def test_readers_lifetimes_do_not_tell_when_a_scheduled_story_goes_public(client, stories, url):
    with time_machine.travel(NOW, tick=False):
        _schedule(stories, 30)
        miss, hit = client.get(url), client.get(url)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    for response in (miss, hit):
        assert response["Cache-Control"] == LIFETIMES
        assert "Surrogate-Control" not in response  # no edge cache: no one to tell


@pytest.mark.parametrize("url", PAGES)
def test_the_edge_alone_learns_the_next_scheduled_time(client, stories, settings, url):
    """It keeps a page no longer than that (deploy/varnish/default.vcl reads it, then takes
    it off, as it takes off xkey)."""
    settings.EDGE_CACHE_TAGS = True
    with time_machine.travel(NOW, tick=False):
        _schedule(stories, 30)
        miss, hit = client.get(url), client.get(url)
        # A revalidation by the edge gets the lifetime too: a 304 renews the edge's copy.
        pagecache._local.clear()
        cache.clear()
        revalidated = client.get(url, HTTP_IF_NONE_MATCH=miss["ETag"])
        cached = client.get(url, HTTP_IF_NONE_MATCH=miss["ETag"])
    assert (revalidated.status_code, cached.status_code) == (304, 304)
    assert (revalidated["X-Page-Cache"], cached["X-Page-Cache"]) == ("miss", "hit")
    for response in (miss, hit, revalidated, cached):
        assert response["Cache-Control"] == LIFETIMES
        assert response["Surrogate-Control"] == "max-age=30"


def test_with_nothing_scheduled_the_edge_keeps_a_page_its_whole_life(client, stories, settings):
    settings.EDGE_CACHE_TAGS = True
    with time_machine.travel(NOW, tick=False):
        response = client.get("/")
    assert response["Cache-Control"] == LIFETIMES
    assert response["Surrogate-Control"] == "max-age=600"


@pytest.mark.parametrize("url", ["/feeds/latest/", "/sitemap-news.xml"])
def test_a_feed_changed_in_the_second_it_is_rendered_is_not_dated(client, stories, url):
    """HTTP dates are whole seconds: a copy rendered at 12:01:00.2, just after a change,
    and a takedown at 12:01:00.7 would carry one date, and the reader holding the copy
    would be told 304. Such a copy is validated by its ETag alone."""
    with time_machine.travel(CHANGED, tick=False):
        stories["newer"].dek = "A dek edited."
        stories["newer"].save()
    with time_machine.travel(CHANGED + timedelta(seconds=0.2), tick=False):
        copy = client.get(url)
    assert copy.status_code == 200 and "Last-Modified" not in copy
    with time_machine.travel(CHANGED + timedelta(seconds=0.7), tick=False):
        _unpublish(stories["older"])
    with time_machine.travel(CHANGED + timedelta(seconds=0.9), tick=False):
        after = client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(CHANGED.timestamp()))
        assert after.status_code == 200 and b"older-story" not in after.content
        assert client.get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304
    # Once that copy has run out, a render in a later second is dated again.
    with time_machine.travel(CHANGED + timedelta(seconds=600 + pagecache.GRACE + 1),
                             tick=False):
        assert _date(client.get(url)) == int(CHANGED.timestamp())
