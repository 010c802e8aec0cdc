"""What the page cache's answers say in HTTP: lengths, dates, cache tags, host names.

Hits and misses must say the same; conditional requests follow RFC 9110.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils.http import http_date

from core import pagecache
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
PUBLISHED = NOW - timedelta(hours=1)
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip"}


@pytest.fixture
def story():
    with time_machine.travel(PUBLISHED, tick=False):  # updated_at too
        return ArticleFactory(slug="harbour", section=SectionFactory(slug="world"),
                              published_at=PUBLISHED)


def _miss_then_hit(client, method, url, **headers):
    request = client.head if method == "HEAD" else client.get
    miss, hit = request(url, **headers), request(url, **headers)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    return miss, hit


# Content-Length --------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("headers", [{}, GZIP], ids=["plain", "gzip"])
def test_a_hit_has_the_content_length_of_a_miss(client, story, method, headers):
    """Without it a hit was sent chunked, and a HEAD did not say how long the page is."""
    miss, hit = _miss_then_hit(client, method, "/articles/harbour/", **headers)
    assert hit["Content-Length"] == miss["Content-Length"]
    if method == "GET":
        assert int(hit["Content-Length"]) == len(hit.content)
        assert hit.get("Content-Encoding") == miss.get("Content-Encoding")


@pytest.mark.parametrize("headers", [{}, GZIP], ids=["plain", "gzip"])
def test_a_stale_copy_has_its_content_length_too(client, story, rf, headers):
    """Served while another request renders the page anew."""
    with time_machine.travel(NOW, tick=False) as clock:
        client.get("/articles/harbour/", **headers)
        clock.shift(timedelta(seconds=5))
        pagecache.changed({f"story-{story.pk}"})
        request = rf.get("/articles/harbour/")
        assert pagecache._public_view(request)
        cache.add(f"{pagecache._key(request)}:rendering", 1, 30)
        clock.shift(timedelta(seconds=2))
        stale = client.get("/articles/harbour/", **headers)
    assert stale["X-Page-Cache"] == "stale"
    assert int(stale["Content-Length"]) == len(stale.content)


# If-Modified-Since -----------------------------------------------------------------------------

FEEDS_AND_SITEMAPS = ["/feeds/latest/", "/feeds/latest/atom/", "/sitemap-news.xml",
                      "/sitemap-articles.xml"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", FEEDS_AND_SITEMAPS)
def test_if_modified_since_is_honoured_on_a_miss_and_a_hit(client, story, url):
    first = client.get(url)
    last_modified = first["Last-Modified"]
    assert last_modified == http_date(PUBLISHED.timestamp())
    for since, status in [(last_modified, 304),
                          (http_date(PUBLISHED.timestamp() + 1), 304),
                          (http_date(PUBLISHED.timestamp() - 1), 200)]:
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=since)
        assert (response.status_code, response["X-Page-Cache"]) == (status, "hit"), since
        if status == 304:
            assert response.content == b"" and response["ETag"] == first["ETag"]
        else:
            assert response["Last-Modified"] == last_modified
    # A miss (the page ran out) is answered by date too. Not an emptied cache:
    # with the change stamps gone, a takedown since cannot be ruled out.
    with time_machine.travel(NOW + timedelta(seconds=600 + pagecache.GRACE), tick=False):
        miss = client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert (miss.status_code, miss["X-Page-Cache"]) == (304, "miss")


@time_machine.travel(NOW, tick=False)
def test_if_none_match_wins_over_if_modified_since(client, story):
    """RFC 9110 13.1.3: a cache that sends both is asking by the ETag."""
    first = client.get("/feeds/latest/")
    same_time = {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
    assert client.get("/feeds/latest/", HTTP_IF_NONE_MATCH='"other"',
                      **same_time).status_code == 200
    assert client.get("/feeds/latest/", HTTP_IF_NONE_MATCH=first["ETag"],
                      **same_time).status_code == 304


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("since", ["yesterday", "Tue, 10 Mar 2026 11:00:00 GMT, "
                                   "Tue, 10 Mar 2026 11:00:00 GMT", ""])
def test_an_unreadable_if_modified_since_is_ignored(client, story, since):
    client.get("/feeds/latest/")
    assert client.get("/feeds/latest/", HTTP_IF_MODIFIED_SINCE=since).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_pages_without_a_date_ignore_if_modified_since(client, story):
    client.get("/articles/harbour/")
    response = client.get("/articles/harbour/", HTTP_IF_MODIFIED_SINCE=http_date(
        NOW.timestamp()))
    assert response.status_code == 200 and "Last-Modified" not in response


# Cache tags ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_without_an_edge_cache_readers_get_no_cache_tags(client, story, settings):
    settings.EDGE_PURGE_URLS, settings.EDGE_CACHE_TAGS = [], False
    etag = client.get("/articles/harbour/")["ETag"]
    for response in (client.get("/articles/harbour/"),  # the miss was above; a hit
                     client.get("/articles/harbour/", HTTP_IF_NONE_MATCH=etag)):
        assert "xkey" not in response and "Surrogate-Key" not in response
    client.get("/feeds/latest/")
    assert "xkey" not in client.get("/feeds/latest/", HTTP_IF_NONE_MATCH="*")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("edge", [{"EDGE_PURGE_URLS": ["http://127.0.0.1:6081/"]},
                                  {"EDGE_CACHE_TAGS": True}], ids=["varnish", "cdn"])
def test_an_edge_cache_gets_the_tags(client, story, settings, edge):
    for name, value in edge.items():
        setattr(settings, name, value)
    for response in _miss_then_hit(client, "GET", "/articles/harbour/"):
        assert f"story-{story.pk}" in response["xkey"].split()
        assert response["Surrogate-Key"] == response["xkey"]


# Host names ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_host_name_in_any_case_or_with_a_final_dot_is_one_page(client, story):
    assert client.get("/articles/harbour/", HTTP_HOST="localhost")["X-Page-Cache"] == "miss"
    for host in ("LOCALHOST", "localhost.", "LocalHost.:8000"):
        response = client.get("/articles/harbour/", HTTP_HOST=host)
        assert (response.status_code, response["X-Page-Cache"]) == (200, "hit"), host


@pytest.mark.parametrize("url", ["/", "/articles/harbour/", "/robots.txt", "/newsletter/"])
def test_a_host_not_allowed_gets_a_400_no_cache_keeps(story, url):
    response = Client().get(url, HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


# robots.txt ------------------------------------------------------------------------------------


def test_robots_txt_names_its_charset(client):
    for response in _miss_then_hit(client, "GET", "/robots.txt"):
        assert response["Content-Type"] == "text/plain; charset=utf-8"
