"""HTML goes out gzip-compressed to browsers that accept it, compressed once per cached page."""

import gzip
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine
from django.core.cache import cache
from django.middleware import gzip as django_gzip

from core import pagecache
from core.middleware import compressible
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}  # as browsers send it
URLS = ["/", "/articles/", "/articles/harbour/", "/sections/world/", "/feeds/latest/atom/",
        "/sitemap.xml"]


@pytest.fixture
def story():
    return ArticleFactory(headline="Harbour reopens", slug="harbour",
                          section=SectionFactory(name="World", slug="world"),
                          published_at=NOW - timedelta(hours=1))


@pytest.fixture
def compressions(monkeypatch):
    """How many times each compressor ran: the page cache's, and GZipMiddleware's."""
    counts = {"page cache": 0, "middleware": 0}

    def counting(name, compressor):
        def compress(*args, **kwargs):
            counts[name] += 1
            return compressor(*args, **kwargs)
        return compress

    monkeypatch.setattr(pagecache, "compress", counting("page cache", pagecache.compress))
    monkeypatch.setattr(django_gzip, "compress_string",
                        counting("middleware", django_gzip.compress_string))
    return counts


def _vary(response):
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", URLS)
def test_gzip_when_asked_identity_otherwise(client, story, url):
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert (plain["X-Page-Cache"], packed["X-Page-Cache"]) == ("miss", "hit")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert "accept-encoding" in _vary(plain) and "accept-encoding" in _vary(packed)
    assert packed["Content-Type"] == plain["Content-Type"]
    # One page, two representations: the compressed one's validator is weak.
    assert plain["ETag"].startswith('"') and packed["ETag"] == "W/" + plain["ETag"]


@time_machine.travel(NOW, tick=False)
def test_a_miss_asked_for_gzip_is_sent_compressed(client, story):
    first = client.get("/articles/harbour/", **GZIP)
    assert first["X-Page-Cache"] == "miss" and first["Content-Encoding"] == "gzip"
    assert int(first["Content-Length"]) == len(first.content)
    assert b"Harbour reopens" in gzip.decompress(first.content)
    assert "Content-Encoding" not in client.get("/articles/harbour/")


@time_machine.travel(NOW, tick=False)
def test_readers_who_do_not_ask_for_gzip_cost_no_compression(client, story, compressions):
    for _ in range(3):
        assert "Content-Encoding" not in client.get("/articles/harbour/")
    assert compressions == {"page cache": 0, "middleware": 0}


@time_machine.travel(NOW, tick=False)
def test_the_first_request_asking_for_gzip_compresses_the_page_once(
        client, story, compressions, django_assert_num_queries):
    client.get("/articles/harbour/")
    with django_assert_num_queries(0):
        for _ in range(3):
            assert client.get("/articles/harbour/", **GZIP)["X-Page-Cache"] == "hit"
            assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    assert compressions == {"page cache": 1, "middleware": 0}
    # The shared entry holds the compressed copy: another process compresses nothing.
    pagecache._local.clear()
    assert client.get("/articles/harbour/", **GZIP)["Content-Encoding"] == "gzip"
    assert compressions == {"page cache": 1, "middleware": 0}


@time_machine.travel(NOW, tick=False)
def test_a_render_asked_for_gzip_stores_the_compressed_copy(client, story, compressions):
    assert client.get("/articles/harbour/", **GZIP)["X-Page-Cache"] == "miss"
    assert compressions == {"page cache": 1, "middleware": 0}
    pagecache._local.clear()
    for headers in (GZIP, {}, GZIP):
        assert client.get("/articles/harbour/", **headers)["X-Page-Cache"] == "hit"
    assert compressions == {"page cache": 1, "middleware": 0}


@time_machine.travel(NOW, tick=False)
def test_conditional_requests_match_either_representation(client, story):
    plain_etag = client.get("/articles/harbour/")["ETag"]
    packed_etag = client.get("/articles/harbour/", **GZIP)["ETag"]
    for etag in (plain_etag, packed_etag):
        for headers in ({}, GZIP):
            response = client.get("/articles/harbour/", HTTP_IF_NONE_MATCH=etag, **headers)
            assert response.status_code == 304, (etag, headers)
            assert response["ETag"] == (packed_etag if headers else plain_etag)
            assert "accept-encoding" in _vary(response)
            assert not response.content
    assert client.get("/articles/harbour/", HTTP_IF_NONE_MATCH='"other"',
                      **GZIP).status_code == 200


def test_a_miss_answered_304_keeps_vary(client, story):
    etag = client.get("/articles/harbour/", **GZIP)["ETag"]
    pagecache._local.clear()
    cache.clear()  # the next request renders the page anew
    response = client.get("/articles/harbour/", HTTP_IF_NONE_MATCH=etag, **GZIP)
    assert response.status_code == 304 and response["X-Page-Cache"] == "miss"
    assert response["ETag"] == etag and "accept-encoding" in _vary(response)


def test_signed_in_pages_are_compressed_by_the_middleware(client, story, compressions):
    client.force_login(UserFactory(username="ana"))
    plain = client.get("/articles/harbour/")
    packed = client.get("/articles/harbour/", **GZIP)
    assert "X-Page-Cache" not in packed and "private" in packed["Cache-Control"]
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert b"ana" in gzip.decompress(packed.content)
    assert "accept-encoding" in _vary(packed)
    assert compressions == {"page cache": 0, "middleware": 1}


def test_forms_and_the_admin_are_compressed(client, story, admin_client):
    for response in (client.get("/accounts/login/", **GZIP),
                     client.get("/articles/harbour/report-bias/", **GZIP),
                     admin_client.get("/admin/", **GZIP)):
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert b"csrfmiddlewaretoken" in gzip.decompress(response.content)


def test_short_answers_and_images_are_sent_as_they_are(client, settings, tmp_path):
    assert "Content-Encoding" not in client.get("/healthz", **GZIP)
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff" + bytes(4096))
    image = client.get("/media/photo.jpg", **GZIP)
    assert image.status_code == 200 and "Content-Encoding" not in image


def test_what_is_worth_compressing():
    for kind in ("text/html; charset=utf-8", "text/plain", "application/rss+xml; charset=utf-8",
                 "application/atom+xml", "application/xml", "application/json", "text/csv"):
        assert compressible(kind), kind
    for kind in ("image/jpeg", "image/webp", "application/pdf", "application/zip", ""):
        assert not compressible(kind), kind
