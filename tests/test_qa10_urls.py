"""Public addresses off the happy path (QA round 10): what they answer, and in what markup."""

from html.parser import HTMLParser
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from articles.models import Article
from core.text import render_markdown
from pages.models import Page
from tests.factories import ArticleFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db


class _Anchors(HTMLParser):
    """Each <a> of a page, as a dict of its attributes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.anchors = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append(dict(attrs))


@pytest.mark.parametrize(("source", "html"), [
    ("Call [the hotline](tel:+3551234).", "<p>Call the hotline.</p>"),
    ("[a file](ftp://files.example/report.pdf)", "<p>a file</p>"),
    ("[x](javascript:alert(1))", "<p>x</p>"),
    ('<a href="sms:+3551234">text us</a>', "<p>text us</p>"),
    ("<a>no address</a>", "<p>no address</p>"),
    ('[**bold** words](tel:1 "a title with href=")', "<p><strong>bold</strong> words</p>"),
])
def test_a_link_whose_address_is_refused_is_left_as_its_text(source, html):
    """nh3 drops an address in a scheme it refuses but kept the <a> with its rel: invalid
    HTML (rel needs an href) that the W3C checker flagged on the story's page."""
    assert render_markdown(source) == html


def test_links_with_an_address_stay_links():
    html = render_markdown('[one](https://example.org "href=") and [two](/articles/x/) and '
                           "[three](tel:1) and [four](mailto:desk@example.org)")
    assert [a.get("href") for a in _Anchors(html).anchors] == [
        "https://example.org", "/articles/x/", "mailto:desk@example.org"]
    assert "three" in html


def test_the_story_page_has_no_link_without_an_address(client):
    story = ArticleFactory(body="Call [the hotline](tel:+3551234) or read [the report]"
                                "(https://example.org/report).")
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "the hotline" in body
    assert all("href" in anchor for anchor in _Anchors(body).anchors)


def test_stories_and_pages_rendered_before_lose_their_links_without_an_address():
    migration = import_module("articles.migrations.0027_links_without_an_address")
    stored = ('<p>Call <a rel="noopener noreferrer">the hotline</a> or <a title="t" '
              'rel="noopener noreferrer">us</a>; <a href="https://example.org" title="x" '
              'rel="noopener noreferrer">read</a>.</p>')
    story, other = ArticleFactory(), ArticleFactory()
    Article.objects.filter(pk=story.pk).update(body_html=stored)
    kept = Article.objects.get(pk=other.pk).body_html
    page = Page.objects.get(slug="about")
    Page.objects.filter(pk=page.pk).update(body_html=stored)
    migration.unlink(apps, SimpleNamespace(connection=connection))
    fixed = ('<p>Call the hotline or us; <a href="https://example.org" title="x" '
             'rel="noopener noreferrer">read</a>.</p>')
    assert Article.objects.get(pk=story.pk).body_html == fixed
    assert Page.objects.get(pk=page.pk).body_html == fixed
    assert Article.objects.get(pk=other.pk).body_html == kept


@pytest.mark.parametrize("address", ["BR-1", "BR-000001", "BR-999999999999"])
def test_a_bias_report_confirmation_is_kept_out_of_search_results(client, address):
    """Any BR- number answered 200 with a canonical link to itself and no noindex: a
    page for search results per number, a trillion to each story."""
    story = ArticleFactory(slug="harbour")
    response = client.get(f"/articles/harbour/report-bias/{address}/")
    assert response.status_code == 200
    assert parse_html(response).meta["robots"] == "noindex"
    assert story.headline in response.content.decode()


@pytest.mark.parametrize("url", ["/articles/harbour/report-bias/?partial=1",
                                 "/articles/harbour/report-bias/BR-1/?partial=1"])
def test_the_report_dialogs_fragments_say_noindex(client, url):
    ArticleFactory(slug="harbour")
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    # Their whole pages say it in their markup.
    whole = client.get(url.removesuffix("?partial=1"))
    assert "X-Robots-Tag" not in whole and parse_html(whole).meta["robots"] == "noindex"


@pytest.mark.parametrize("url", ["/", "/articles/harbour/", "/feeds/latest/", "/sitemap.xml",
                                 "/search/", "/healthz", "/favicon.ico"])
def test_a_form_sent_to_a_page_that_takes_none_is_answered_with_a_page(url):
    """A browser showed a blank page: the 405 had no body, though it said text/html."""
    ArticleFactory(slug="harbour")
    response = Client(enforce_csrf_checks=True).post(url, {"body": "Hello"})
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = parse_html(response)
    assert page.title == "This page takes no form · EVA DAILY"
    assert "nothing was saved" in response.content.decode()
    assert "public" not in response["Cache-Control"]


def test_other_methods_are_still_refused_without_a_body(client):
    """Only browsers' forms get the page: PUT and the rest stay bare, TRACE sends nothing."""
    for method in ("PUT", "DELETE", "TRACE"):
        response = client.generic(method, "/")
        assert (response.status_code, response.content) == (405, b"")


@pytest.mark.parametrize("url", ["/articles/harbour/report-bias/BR-1/",
                                 "/newsletter/check-your-inbox/", "/accounts/deleted/",
                                 "/accounts/email/sent/"])
def test_pages_that_only_show_something_take_no_form(url):
    """They said Allow: POST and answered a form sent with its token as a GET: the
    account-deleted page spent its one showing on it."""
    ArticleFactory(slug="harbour")
    browser = Client(enforce_csrf_checks=True)
    assert browser.options(url)["Allow"] == "GET, HEAD, OPTIONS"
    browser.get("/accounts/login/")  # a csrftoken cookie
    response = browser.post(url, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS")
