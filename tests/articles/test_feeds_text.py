"""Feeds and the news sitemap are well-formed XML whatever a story holds, and say AI bylines.

An escape or a form feed pasted from Word or a PDF into a headline, a dek or a
tag made every feed carrying the story answer 500 (XML 1.0 cannot carry it),
and the news sitemap answer XML no reader could parse.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from taggit.models import Tag

from articles.models import Article
from authors.models import Author
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"

CHARACTERS = {"escape": "\x1b", "delete": "\x7f", "start of heading": "\x01",
              "form feed": "\x0c", "vertical tab": "\x0b", "C1 control": "\x85",
              "U+FFFE": "\ufffe", "U+FFFF": "\uffff", "U+FDD0": "\ufdd0",
              "U+10FFFF": "\U0010ffff"}
FEEDS = ["/feeds/latest/", "/feeds/latest/atom/", "/sections/world/feed/",
         "/sections/world/feed/atom/", "/authors/li-wei/feed/", "/authors/li-wei/feed/atom/",
         "/tags/ports/feed/", "/tags/ports/feed/atom/"]


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return parse_xml(response)


def _story(**kwargs):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        return ArticleFactory(
            slug="harbour-talks", section=SectionFactory(name="World", slug="world"),
            author=AuthorFactory(name="Li Wei", slug="li-wei"), tags=["Ports"],
            with_image=True, published_at=NOW - timedelta(hours=2), **kwargs)


@pytest.mark.parametrize("char", CHARACTERS.values(), ids=CHARACTERS.keys())
def test_a_story_stored_with_a_control_character_leaves_every_feed_well_formed(client, char):
    story = _story(headline="Harbour talks", dek="Negotiators return.")
    # As a story saved before text was cleaned on save: straight into the table.
    Article.objects.filter(pk=story.pk).update(
        headline=f"Harbour{char} talks", dek=f"Negotiators{char} return.",
        image_alt=f"The quay{char}", image_credit_source=f"Agency{char}")
    Tag.objects.filter(name="Ports").update(name=f"Ports{char}")
    Author.objects.filter(pk=story.author_id).update(name=f"Li{char} Wei")

    for url in FEEDS:
        root = _get(client, url)
        text = "".join(root.itertext())
        assert "Harbour talks" in text and "Negotiators return." in text, url
        assert char not in text, url

    root = _get(client, "/sitemap-news.xml")
    assert [title.text for title in root.iter(f"{NEWS}title")] == ["Harbour talks"]


@pytest.mark.parametrize("char", CHARACTERS.values(), ids=CHARACTERS.keys())
def test_control_characters_are_not_stored(char):
    story = _story(headline=f"Harbour{char} talks", dek=f"Negotiators{char} return.",
                   body=f"Words{char}.\r\nMore.", image_alt=f"The quay{char}")
    story.author.name = f"Li{char} Wei"
    story.author.save()

    story.refresh_from_db()
    assert (story.headline, story.dek, story.body, story.image_alt) == (
        "Harbour talks", "Negotiators return.", "Words.\nMore.", "The quay")
    assert Author.objects.get().name == "Li Wei"


# ---------------------------------------------------------------------------
# AI bylines


@pytest.fixture
def bylines():
    world = SectionFactory(name="World", slug="world")
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        ArticleFactory(headline="By a persona", section=world, tags=["Ports"],
                       author=AuthorFactory(name="EVA Ledger", slug="eva-ledger", ai=True),
                       published_at=NOW - timedelta(hours=2))
        ArticleFactory(headline="By a person", section=world, tags=["Ports"],
                       author=AuthorFactory(name="Ada Reyes", slug="ada-reyes"),
                       published_at=NOW - timedelta(hours=3))


@pytest.mark.parametrize("url", ["/feeds/latest/", "/sections/world/feed/", "/tags/ports/feed/"])
def test_an_rss_item_says_its_author_is_an_ai_persona(client, bylines, url):
    items = _get(client, url).findall("channel/item")

    assert [item.findtext(f"{DC}creator") for item in items] == [
        "EVA Ledger (AI persona)", "Ada Reyes"]


@pytest.mark.parametrize("url", ["/feeds/latest/atom/", "/sections/world/feed/atom/",
                                 "/tags/ports/feed/atom/"])
def test_an_atom_entry_says_its_author_is_an_ai_persona(client, bylines, url):
    entries = _get(client, url).findall(f"{ATOM}entry")

    assert [entry.findtext(f"{ATOM}author/{ATOM}name") for entry in entries] == [
        "EVA Ledger (AI persona)", "Ada Reyes"]


def test_an_ai_personas_own_feed_says_so_on_each_item(client, bylines):
    items = _get(client, "/authors/eva-ledger/feed/").findall("channel/item")

    assert [item.findtext(f"{DC}creator") for item in items] == ["EVA Ledger (AI persona)"]
