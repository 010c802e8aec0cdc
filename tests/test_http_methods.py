"""Methods other than GET, HEAD, POST and OPTIONS: a 405 with Allow, not the CSRF page.

core.middleware.MethodMiddleware answers them before CsrfViewMiddleware, which
refused a PUT as a form without its token; OPTIONS gets an empty 200 with
Allow everywhere, and TRACE never sends anything back.
"""

import re

import pytest
from django.test import Client

from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

READ_ONLY = "GET, HEAD, OPTIONS"  # the home page, a story, /about/, feeds, sitemaps, search
ANY = "GET, HEAD, POST, OPTIONS"  # function views that do not say what they take, forms
URLS = {"/": READ_ONLY, "/articles/harbour/": READ_ONLY, "/about/": READ_ONLY,
        "/feeds/latest/": READ_ONLY, "/sitemap.xml": READ_ONLY, "/search/": READ_ONLY}


@pytest.fixture
def story():
    return ArticleFactory(slug="harbour", section=SectionFactory(slug="world"))


@pytest.fixture
def reader():
    """A browser: its forms need their CSRF token, as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "PROPFIND", "BREW", "TRACE"])
@pytest.mark.parametrize("url", URLS)
def test_other_methods_are_refused_with_allow(reader, story, url, method):
    response = reader.generic(method, url, b"x=1", content_type="text/plain")
    assert response.status_code == 405, response.content[:200]
    assert response["Allow"] == URLS[url]
    assert response.content == b""  # neither the CSRF page nor, for TRACE, the request
    assert "public" not in response["Cache-Control"]


@pytest.mark.parametrize("url", URLS)
def test_options_is_an_empty_answer_with_allow(reader, story, url):
    response = reader.options(url)
    assert (response.status_code, response.content) == (200, b"")
    assert (response["Allow"], response["Content-Length"]) == (URLS[url], "0")


def test_a_form_view_does_not_offer_the_put_it_would_be_refused(reader):
    """Django's form views handle PUT as POST; the site takes no PUT anywhere."""
    assert reader.options("/accounts/login/")["Allow"] == ANY
    assert reader.put("/accounts/login/").status_code == 405


@pytest.mark.parametrize("url", URLS)
def test_a_page_that_takes_no_post_refuses_it_with_or_without_a_token(reader, story, url):
    """It was 403 "Your form was not sent" without a token, on pages with no form,
    and feeds, sitemaps and search answered a POST with a token in full."""
    response = reader.post(url)
    assert (response.status_code, response["Allow"]) == (405, READ_ONLY)
    reader.get("/accounts/login/")  # a csrftoken cookie
    token = reader.cookies["csrftoken"].value
    response = reader.post(url, HTTP_X_CSRFTOKEN=token)
    assert (response.status_code, response["Allow"]) == (405, READ_ONLY)


def test_a_form_still_wants_its_token(reader, story):
    assert reader.post("/articles/harbour/comments/", {"body": "Hello"}).status_code == 403


def test_unknown_addresses_are_still_404(reader):
    assert reader.put("/no-such-page/").status_code == 404


def test_the_admin_keeps_working(reader):
    editor = staff("Editors", username="methods-editor")
    page = reader.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = reader.post("/admin/login/?next=/admin/", {
        "csrfmiddlewaretoken": token, "username": editor.username,
        "password": "a-long-test-passphrase"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert reader.get("/admin/").status_code == 200
    assert reader.delete("/admin/articles/article/").status_code == 405
    assert reader.options("/admin/articles/article/").status_code == 200
