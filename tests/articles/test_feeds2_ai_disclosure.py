"""A story written with AI says so outside its page: in feed items and in its JSON-LD.

Under a human byline, a story an AI system wrote (or helped write) said so on
its page alone: feed readers showed the human's name, and the JSON-LD a plain
Person. The items now carry the involvement as a category and in the page's
own words; the JSON-LD says it as the story's backstory and names the human
editor who reviewed it.
"""

import html
import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.auth.models import Permission

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

GENERATED = "AI involvement: generated. An AI system wrote this story."
ASSISTED = "AI involvement: assisted. People wrote this story with the help of AI tools."
BY_PERSONA = ("AI involvement: generated. An AI system wrote this story, writing as the "
              "persona EVA Ledger.")


@pytest.fixture(autouse=True)
def _site_and_clock(settings):
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stories():
    """Four public stories in one section under one tag, newest first: generated under a
    human byline, assisted, by an AI persona, and written by people alone."""
    world = SectionFactory(name="World", slug="world")
    ada = AuthorFactory(name="Ada Reyes", slug="ada-reyes")
    reviewer = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                           is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(
        content_type__app_label="articles", codename="change_article"))
    made = {}
    for hours, name, author, involvement, dek in (
            (1, "generated", ada, "generated", "Ferries run again."),
            (2, "assisted", ada, "assisted", ""),
            (3, "persona", AuthorFactory(name="EVA Ledger", slug="eva-ledger", ai=True),
             "generated", "Markets calm."),
            (4, "people", ada, "none", "Talks resume.")):
        with time_machine.travel(NOW - timedelta(hours=hours, minutes=5), tick=False):
            made[name] = ArticleFactory(
                headline=f"The {name} story", slug=name, section=world, author=author,
                dek=dek, tags=["Ports"], ai_involvement=involvement,
                ai_reviewed_by=reviewer if involvement != "none" else None,
                published_at=NOW - timedelta(hours=hours))
    return made


def _xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_xml(response)


def _article_ld(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    [data] = [data for data in parse_html(response).json_ld() if data["@type"] == "NewsArticle"]
    return data


@pytest.mark.parametrize("url", ["/feeds/latest/", "/sections/world/feed/",
                                 "/tags/ports/feed/", "/authors/ada-reyes/feed/"])
def test_an_rss_item_says_how_ai_was_involved(client, stories, url):
    items = {item.findtext("link").rsplit("/", 2)[-2]: item
             for item in _xml(client, url).findall("channel/item")}

    generated = items["generated"]
    assert generated.findtext(f"{DC}creator") == "Ada Reyes"  # the accountable human
    assert [c.text for c in generated.findall("category")] == ["World", "Ports", "AI-generated"]
    assert generated.findtext("description") == f"<p>Ferries run again.</p><p>{GENERATED}</p>"
    assistant = items["assisted"]
    assert [c.text for c in assistant.findall("category")] == ["World", "Ports", "AI-assisted"]
    assert assistant.findtext("description") == f"<p>{ASSISTED}</p>"  # no dek: the note alone
    # Written by people: as before, the dek alone and no AI category.
    people = items["people"]
    assert [c.text for c in people.findall("category")] == ["World", "Ports"]
    assert people.findtext("description") == "Talks resume."


def test_an_atom_entry_says_how_ai_was_involved(client, stories):
    entries = {entry.find(f"{ATOM}link").get("href").rsplit("/", 2)[-2]: entry
               for entry in _xml(client, "/feeds/latest/atom/").findall(f"{ATOM}entry")}

    generated = entries["generated"]
    assert [c.get("term") for c in generated.findall(f"{ATOM}category")] == [
        "World", "Ports", "AI-generated"]
    assert generated.findtext(f"{ATOM}summary") == (
        f"<p>Ferries run again.</p><p>{GENERATED}</p>")
    persona = entries["persona"]
    assert persona.findtext(f"{ATOM}author/{ATOM}name") == "EVA Ledger (AI persona)"
    assert persona.findtext(f"{ATOM}summary") == f"<p>Markets calm.</p><p>{BY_PERSONA}</p>"
    assert [c.get("term") for c in persona.findall(f"{ATOM}category")] == [
        "World", "Ports", "AI-generated"]


def test_a_tag_named_as_the_category_is_not_repeated(client, stories):
    stories["generated"].tags.add("AI-generated")
    items = _xml(client, "/feeds/latest/").findall("channel/item")
    assert [c.text for c in items[0].findall("category")] == ["World", "AI-generated", "Ports"]


def test_a_personas_story_in_json_ld_discloses_the_persona_and_its_human_editor(
        client, stories):
    data = _article_ld(client, stories["persona"])

    [author] = data["author"]
    # schema.org's author is a Person or an Organization, and its Person may be
    # fictional: the persona stays a Person by name, described as an AI persona.
    assert (author["@type"], author["name"]) == ("Person", "EVA Ledger")
    assert author["description"].startswith("AI persona: an AI system writes")
    assert data["backstory"] == BY_PERSONA
    assert data["editor"] == {"@type": "Person", "name": "Jane Editor",
                              "description": "The human editor who reviewed this story."}


@pytest.mark.parametrize("name, backstory", [("generated", GENERATED), ("assisted", ASSISTED)])
def test_a_human_bylines_story_written_with_ai_says_so_in_json_ld(client, stories, name,
                                                                   backstory):
    data = _article_ld(client, stories[name])

    [author] = data["author"]
    assert author == {"@type": "Person", "name": "Ada Reyes", "jobTitle": "Staff writer",
                      "url": f"{SITE}/authors/ada-reyes/"}
    assert data["backstory"] == backstory
    assert data["editor"]["name"] == "Jane Editor"


def test_a_story_written_by_people_says_so_and_names_no_ai_editor(client, stories):
    data = _article_ld(client, stories["people"])

    assert data["backstory"] == (
        "AI involvement: none. People reported and wrote this story without AI tools.")
    assert "editor" not in data


def test_the_json_ld_says_what_the_page_says(client, stories):
    """The backstory is the page's "How this story was made", word for word."""
    for story in stories.values():
        text = client.get(story.get_absolute_url()).content.decode()
        aside = re.search(r'<aside id="how-this-story-was-made".*?</aside>', text, re.S).group()
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", aside)).split())
        shown = shown.replace(" .", ".").replace(" ,", ",")  # where a tag closed
        data = _article_ld(client, story)
        assert data["backstory"] in shown, (shown, data["backstory"])


def test_a_story_with_no_review_on_record_names_no_editor(client, stories):
    """As its page says "No editor's review is on record", the JSON-LD names no editor."""
    story = stories["assisted"]
    Article.objects.filter(pk=story.pk).update(ai_reviewed_by=None, ai_reviewed_at=None)

    data = _article_ld(client, story)

    assert data["backstory"] == ASSISTED
    assert "editor" not in data
