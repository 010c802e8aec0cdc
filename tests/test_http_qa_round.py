"""What the protocol-level QA round found (2026-12-05): HEAD bodies, gzip refused
by q=0, POST to pages that take none, a path's encoded ? in a redirect, and
../ under /media/ logged as an error with the server's paths."""

import gzip
import logging

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from core.middleware import accepts_gzip
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _through_wsgi(request):
    """The answer as the server gets it: Django's test client drops a HEAD's body itself.

    As the test client does, the request leaves the test's database connection
    open (request_started would close it: it is not the server's to keep).
    """
    statuses = []
    request_started.disconnect(close_old_connections)
    try:
        body = b"".join(WSGIHandler()(request.environ, lambda status, headers: statuses.append(
            (status, dict(headers)))))
    finally:
        request_started.connect(close_old_connections)
    return statuses[0], body


@pytest.mark.parametrize("page_cache", [False, True])
def test_a_head_answer_has_no_body_but_the_gets_length(settings, page_cache):
    settings.PAGE_CACHE_ENABLED = page_cache
    ArticleFactory(slug="harbour")
    (status, headers), body = _through_wsgi(RequestFactory().get("/articles/harbour/"))
    assert status.startswith("200") and len(body) > 1000
    for _ in range(2):  # a miss, then (with the page cache) a hit
        (status, head_headers), head_body = _through_wsgi(RequestFactory().head(
            "/articles/harbour/"))
        assert (status[:3], head_body) == ("200", b"")
        assert head_headers["Content-Length"] == str(len(body))


def test_a_head_of_a_file_sends_no_bytes(settings, tmp_path):
    (settings.MEDIA_ROOT / "images").mkdir(parents=True)
    (settings.MEDIA_ROOT / "images" / "a.jpg").write_bytes(b"x" * 5000)
    (status, headers), body = _through_wsgi(RequestFactory().head("/media/images/a.jpg"))
    assert (status[:3], body, headers["Content-Length"]) == ("200", b"", "5000")


@pytest.mark.parametrize(("header", "takes"), [
    ("gzip, deflate, br", True), ("gzip;q=0.5", True), ("*", True), ("x-gzip", True),
    ("gzip;q=0, identity", False), ("gzip; q=0.0", False), ("*;q=0", False),
    ("identity", False), ("", False), ("br;q=1, *;q=0.1", True), ("gzip;q=x", False),
    ("*;q=1, gzip;q=0", False), ("GZIP, DEFLATE", True), ("Gzip;Q=0", False),
])
def test_accept_encoding_is_read_with_its_weights(header, takes):
    assert accepts_gzip(header) is takes


@pytest.mark.parametrize("page_cache", [False, True])
def test_gzip_refused_with_q_0_is_not_sent(client, settings, page_cache):
    settings.PAGE_CACHE_ENABLED = page_cache
    ArticleFactory(slug="harbour")
    for url in ("/articles/harbour/", "/accounts/login/"):
        for _ in range(2):
            response = client.get(url, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
            assert response.status_code == 200
            assert "Content-Encoding" not in response, url
            assert "Accept-Encoding" in response["Vary"]
        assert client.get(url, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("page_cache", [False, True])
def test_gzip_named_in_capitals_is_sent(client, settings, page_cache):
    """Content codings are case-insensitive (RFC 9110 8.4.1): "GZIP" asks for gzip."""
    settings.PAGE_CACHE_ENABLED = page_cache
    ArticleFactory(slug="harbour")
    for url in ("/articles/harbour/", "/accounts/login/"):
        for _ in range(2):  # with the page cache: a miss, then a hit
            response = client.get(url, HTTP_ACCEPT_ENCODING="GZIP, DEFLATE")
            assert response["Content-Encoding"] == "gzip", url
            assert b"</html>" in gzip.decompress(response.content)


def test_files_and_the_health_check_take_no_post(settings):
    (settings.MEDIA_ROOT / "images").mkdir(parents=True)
    (settings.MEDIA_ROOT / "images" / "a.jpg").write_bytes(b"x")
    browser = Client(enforce_csrf_checks=True)
    for url in ("/media/images/a.jpg", "/healthz", "/favicon.ico"):
        response = browser.post(url)
        assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS"), url
        assert browser.options(url)["Allow"] == "GET, HEAD, OPTIONS"


def test_comments_still_take_post(client):
    """The one public page that takes a form: it goes on to CSRF and the view."""
    ArticleFactory(slug="harbour")
    assert Client().options("/articles/harbour/comments/")["Allow"] == "GET, HEAD, POST, OPTIONS"
    response = Client(enforce_csrf_checks=True).post("/articles/harbour/comments/", {"body": "Hi"})
    assert response.status_code == 403  # no token: the form was not sent


def test_an_encoded_question_mark_after_a_story_in_capitals_stays_in_the_path(client):
    ArticleFactory(slug="saltmarsh-buyout-offer")
    response = client.get("/articles/SALTMARSH-BUYOUT-OFFER/report-bias/%3Fx/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/saltmarsh-buyout-offer/report-bias/%3Fx/"
    response = client.get("/articles/SALTMARSH-BUYOUT-OFFER/report-bias/%23x/?page=2")
    assert response["Location"] == "/articles/saltmarsh-buyout-offer/report-bias/%23x/?page=2"


@pytest.mark.parametrize("path", ["/media/../db.sqlite3", "/media/..%2Fdb.sqlite3",
                                  "/media/%2e%2e/db.sqlite3"])
def test_a_path_out_of_media_is_not_found_and_not_logged_as_an_error(client, caplog, path):
    with caplog.at_level(logging.WARNING):
        response = client.get(path)
    assert response.status_code in (400, 404)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "sqlite3" not in response.content.decode()
