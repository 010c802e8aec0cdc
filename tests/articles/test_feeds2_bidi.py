"""Newsroom text is stored without stray direction controls, whoever saves it.

An override (U+202E, U+202D) or an embedding or isolate left open in a headline,
a dek or a tag's name reordered what followed it: " · EVA DAILY" in <title>,
the share titles, feed and news sitemap titles. Readers' comments lost them
already; the story form, the tag admin, the import and the shell now do too.
Paired embeddings and isolates stay: right-to-left writing uses them.
"""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Section
from authors.models import Author
from core.text import strip_stray_bidi
from tests.articles.newsroom import ADD_URL, article_form, form_errors, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

RLO, LRO, PDF = "\u202e", "\u202d", "\u202c"
RLE, RLI, PDI = "\u202b", "\u2067", "\u2069"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize("given, stored", [
    (f"Harbour {RLO}nepoer{PDF} talks", "Harbour nepoer talks"),
    (f"Harbour talks{RLO}", "Harbour talks"),
    (f"{LRO}Harbour talks", "Harbour talks"),
    (f"Harbour talks {RLE}left open", "Harbour talks left open"),
    (f"Harbour talks {RLI}left open", "Harbour talks left open"),
    (f"closed too soon{PDI} and {PDF}", "closed too soon and "),
    # Paired ones stay: they order a run of right-to-left text inside the headline.
    (f"Talks in {RLI}القاهرة{PDI} resume", f"Talks in {RLI}القاهرة{PDI} resume"),
    (f"Talks in {RLE}القاهرة{PDF} resume", f"Talks in {RLE}القاهرة{PDF} resume"),
    ("No controls at all", "No controls at all"),
])
def test_strip_stray_bidi(given, stored):
    assert strip_stray_bidi(given) == stored


def test_a_story_saved_in_the_shell_keeps_no_stray_direction_control():
    author = AuthorFactory(name=f"Li Wei{RLO}", slug="li-wei")
    section = SectionFactory(name=f"World{RLO}", slug="world")
    story = ArticleFactory(headline=f"Harbour talks{RLO}", dek=f"{RLE}Negotiators return",
                           body=f"Words{RLO}.\n\nMore {RLI}words.", section=section,
                           author=author, image_alt=f"The quay{LRO}")

    story.refresh_from_db()
    assert (story.headline, story.dek, story.body, story.image_alt) == (
        "Harbour talks", "Negotiators return", "Words.\n\nMore words.", "The quay")
    assert (Author.objects.get().name, Section.objects.get().name) == ("Li Wei", "World")


@pytest.fixture
def newsroom_client(client):
    client.force_login(staff("Editors", username="editor"))
    return client


def test_the_story_form_stores_no_stray_direction_control(newsroom_client, settings):
    settings.SITE_URL = "https://news.example"
    data = article_form(headline=f"Harbour talks{RLO}", slug="harbour",
                        dek=f"Negotiators return{RLO}", body="Words.",
                        section=SectionFactory(name="World", slug="world"),
                        author=AuthorFactory(name="Ada Reyes"), status="published",
                        published_at=timezone.now() - timedelta(hours=1),
                        tags=f"Ports{RLO}, {RLE}Trade")

    response = newsroom_client.post(ADD_URL, data)

    assert response.status_code == 302, form_errors(response)
    story = Article.objects.get()
    assert (story.headline, story.dek) == ("Harbour talks", "Negotiators return")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Ports", "Trade"]
    # And so nothing readers or machines are given carries one.
    newsroom_client.logout()
    _assert_shown_without_controls(newsroom_client, story)


def _assert_shown_without_controls(client, story):
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    parsed = parse_html(page)
    assert parsed.title == "Harbour talks · EVA DAILY"
    assert parsed.meta["og:title"] == parsed.meta["twitter:title"] == "Harbour talks"
    assert parsed.meta["description"] == "Negotiators return"
    for url in ("/feeds/latest/", "/feeds/latest/atom/", "/sitemap-news.xml", "/tags/ports/",
                "/tags/trade/feed/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not BIDI & set(response.content.decode()), url
    assert [e.text for e in parse_xml(client.get("/feeds/latest/")).iter("title")][1] == (
        "Harbour talks")


def test_the_tag_admin_stores_no_stray_direction_control(newsroom_client):
    response = newsroom_client.post("/admin/taggit/tag/add/",
                                    {"name": f"Ports{RLO}", "slug": "ports"})
    assert response.status_code == 302
    ports = Tag.objects.get()
    assert ports.name == "Ports"

    # Renamed with one to a tag on the site in another case: the same name, refused
    # as such (not a second tag the database refuses).
    Tag.objects.create(name="Trade", slug="trade")
    response = newsroom_client.post(f"/admin/taggit/tag/{ports.pk}/change/",
                                    {"name": f"trade{RLO}", "slug": "ports"})
    assert response.status_code == 200
    assert "There is already a tag “Trade”" in response.content.decode()

    # Merged into a name with one: the tag made has none.
    newsroom_client.post("/admin/taggit/tag/",
                         {"action": "render_tag_form", "_selected_action": [ports.pk]})
    response = newsroom_client.post("/admin/taggit/tag/merge-tags/",
                                    {"into": f"Harbours{LRO}", "tags": [ports.pk]})
    assert response.status_code == 302
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Harbours", "Trade"]


def test_the_import_stores_no_stray_direction_control(tmp_path, settings):
    settings.SITE_URL = "https://news.example"
    Tag.objects.create(name="Trade", slug="trade")
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [{
        "slug": "harbour", "headline": f"Harbour talks{RLO}", "dek": f"{RLI}Negotiators return",
        "body": f"Words{RLO}.", "section": f"World{RLO}",
        "author": {"name": f"Ada Reyes{LRO}", "title": f"Reporter{RLO}"},
        "published_at": "2026-02-04T23:06:00Z", "tags": [f"Ports{RLO}", f"Trade{RLO}"],
    }]}), encoding="utf-8")

    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    story = Article.objects.get()
    assert (story.headline, story.dek, story.body) == (
        "Harbour talks", "Negotiators return", "Words.")
    assert (story.section.name, story.author.name, story.author.title) == (
        "World", "Ada Reyes", "Reporter")
    # "Trade" with an override is the site's Trade, not a second tag.
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Ports", "Trade"]
    assert sorted(story.tags.names()) == ["Ports", "Trade"]
