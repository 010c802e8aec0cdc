"""What machines read, QA round: feed ids that stay, corrections in feeds' and sitemaps'
dates, in-document dates after a takedown, and an AI persona's page description.
"""

import re
from datetime import datetime, timedelta, timezone as dt_timezone
from email.utils import parsedate_to_datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
OLDER_AT, NEWER_AT = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
CHANGED = NOW + timedelta(minutes=1)
LATER = NOW + timedelta(minutes=2)

RSS_FEEDS = ["/feeds/latest/", "/sections/world/feed/", "/authors/ines/feed/",
             "/tags/ports/feed/"]
FEEDS = [url for rss in RSS_FEEDS for url in (rss, rss + "atom/")]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def stories():
    """Two public stories in one section, by one author, under one tag: each is in every
    feed. Each saved at its own time, as the newsroom would."""
    with time_machine.travel(OLDER_AT, tick=False):
        world = SectionFactory(name="World", slug="world")
        ines = AuthorFactory(name="Ines Duarte", slug="ines")
    made = {}
    for name, at in (("older", OLDER_AT), ("newer", NEWER_AT)):
        with time_machine.travel(at, tick=False):
            made[name] = ArticleFactory(slug=f"{name}-story", section=world, author=ines,
                                        tags=["ports"], published_at=at)
    return made


def _get(client, url, at=NOW):
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return response


def _ids(client, url, at=NOW):
    """{link: (id, isPermaLink)} of the feed's items (isPermaLink None in Atom)."""
    root = parse_xml(_get(client, url, at))
    if root.tag == "rss":
        return {item.findtext("link"): (item.findtext("guid"),
                                        item.find("guid").get("isPermaLink"))
                for item in root.findall("channel/item")}
    return {entry.find(f"{ATOM}link").get("href"): (entry.findtext(f"{ATOM}id"), None)
            for entry in root.findall(f"{ATOM}entry")}


def _feed_date(response):
    """The date written in the feed itself: Atom's <updated>, RSS's lastBuildDate."""
    root = parse_xml(response)
    if root.tag == "rss":
        return parsedate_to_datetime(root.findtext("channel/lastBuildDate"))
    return datetime.fromisoformat(root.findtext(f"{ATOM}updated"))


def _unpublish(story):
    story.status = Article.Status.DRAFT
    story.save()


# Finding 1: a story's id in feeds never changes -------------------------------------------------


@pytest.mark.parametrize("url", FEEDS)
def test_a_storys_feed_id_is_a_tag_uri_that_outlives_its_slug(client, stories, url):
    older = stories["older"]
    before = _ids(client, url)
    expected = f"tag:news.example,{older.created_at.date().isoformat()}:article-{older.pk}"
    assert before[f"{SITE}/articles/older-story/"][0] == expected
    assert all(re.fullmatch(r"tag:news\.example,\d{4}-\d\d-\d\d:article-\d+", story_id)
               for story_id, _ in before.values())
    if url in RSS_FEEDS:  # an id, not an address: readers must not open it
        assert {permalink for _, permalink in before.values()} == {"false"}

    with time_machine.travel(CHANGED, tick=False):
        older.slug = "older-story-renamed"
        older.save()
        # A new story takes the freed slug: it is another story, with its own id.
        ArticleFactory(slug="older-story", section=older.section, author=older.author,
                       tags=["ports"], published_at=CHANGED)
    after = _ids(client, url, LATER)
    assert after[f"{SITE}/articles/older-story-renamed/"][0] == expected
    assert after[f"{SITE}/articles/older-story/"][0] != expected
    assert len({story_id for story_id, _ in after.values()}) == 3


def test_a_storys_feed_id_ignores_the_scheme_port_and_case_of_site_url(client, stories,
                                                                         settings):
    ids = set()
    for site in ("https://news.example", "http://News.Example:8000", "HTTPS://NEWS.EXAMPLE"):
        settings.SITE_URL = site
        ids.add(tuple(sorted(story_id for story_id, _ in _ids(client, "/feeds/latest/").values())))
    assert len(ids) == 1


# Finding 2: a correction is a story's last change, in feeds and sitemaps -----------------------


@pytest.fixture
def corrected(stories):
    """A correction to the older story, saved on its own two days later: the story's row,
    and its updated_at, stay as they were."""
    at = NOW + timedelta(days=2)
    with time_machine.travel(at, tick=False):
        CorrectionFactory(article=stories["older"], text="The harbour reopened on Tuesday.")
    stories["older"].refresh_from_db()
    assert stories["older"].updated_at == OLDER_AT
    return at


@pytest.mark.parametrize("url", FEEDS)
def test_a_correction_dates_the_feed_and_its_item(client, stories, corrected, url):
    response = _get(client, url, corrected + timedelta(hours=1))
    assert _feed_date(response) == corrected
    assert response["Last-Modified"] == http_date(corrected.timestamp())
    root = parse_xml(response)
    if root.tag != "rss":  # RSS 2.0 items carry no date of change
        updated = {entry.find(f"{ATOM}link").get("href"): entry.findtext(f"{ATOM}updated")
                   for entry in root.findall(f"{ATOM}entry")}
        assert datetime.fromisoformat(updated[f"{SITE}/articles/older-story/"]) == corrected
        assert datetime.fromisoformat(updated[f"{SITE}/articles/newer-story/"]) == NEWER_AT


def test_a_correction_dates_the_storys_sitemap_entry_and_the_index(client, stories, corrected):
    at = corrected + timedelta(hours=1)
    articles = _get(client, "/sitemap-articles.xml", at)
    day = timezone.localdate(corrected).isoformat()
    assert f"/articles/older-story/</loc><lastmod>{day}</lastmod>" in articles.content.decode()
    assert articles["Last-Modified"] == http_date(corrected.timestamp())
    index = parse_xml(_get(client, "/sitemap.xml", at))
    dates = {entry.findtext(f"{SITEMAP}loc"): entry.findtext(f"{SITEMAP}lastmod")
             for entry in index.findall(f"{SITEMAP}sitemap")}
    assert datetime.fromisoformat(dates[f"{SITE}/sitemap-articles.xml"]) == corrected


def test_a_correction_on_a_story_taken_down_dates_nothing(client, stories):
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        _unpublish(stories["newer"])
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        CorrectionFactory(article=stories["newer"])
    at = NOW + timedelta(days=3)
    assert _feed_date(_get(client, "/feeds/latest/atom/", at)) == OLDER_AT
    index = parse_xml(_get(client, "/sitemap.xml", at))
    assert datetime.fromisoformat(index.findtext(f"{SITEMAP}sitemap/{SITEMAP}lastmod")) == (
        OLDER_AT)


@pytest.mark.parametrize("url", [*FEEDS, "/sitemap-articles.xml", "/sitemap.xml",
                                 "/sitemap-news.xml"])
def test_corrections_cost_no_query_per_story(client, stories, url):
    def count():
        with CaptureQueriesContext(connection) as captured:
            _get(client, url)
        return len(captured)

    without = count()
    with time_machine.travel(NOW, tick=False):
        for story in stories.values():
            CorrectionFactory.create_batch(2, article=story)
    assert count() == without


def test_a_correction_stales_feeds_and_sitemaps_only_on_a_public_story(stories):
    with time_machine.travel(NOW, tick=False):
        draft = ArticleFactory(draft=True)
        for story, stales in ((stories["older"], True), (draft, False)):
            with mock.patch("core.pagecache.changed") as changed:
                CorrectionFactory(article=story)
            (tags,), _ = changed.call_args
            assert {f"story-{story.pk}", "corrections", "review-record"} <= tags
            assert ("syndication" in tags) is stales


# Finding 3: dates inside feeds and the sitemap index move forward after a takedown ------------


@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize("url", FEEDS)
def test_a_takedown_moves_the_feeds_own_date_on_as_its_header(client, stories, url):
    first = _get(client, url)
    assert _feed_date(first) == NEWER_AT
    assert first["Last-Modified"] == http_date(NEWER_AT.timestamp())
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["newer"])
    after = _get(client, url, LATER)
    assert b"newer-story" not in after.content
    assert _feed_date(after) == CHANGED  # not back to the older story's time
    assert after["Last-Modified"] == http_date(CHANGED.timestamp())


@pytest.mark.usefixtures("page_cache_on")
def test_a_takedown_moves_the_sitemap_indexs_dates_on(client, stories):
    def dates(at):
        index = parse_xml(_get(client, "/sitemap.xml", at))
        return {entry.findtext(f"{SITEMAP}loc"): datetime.fromisoformat(
            entry.findtext(f"{SITEMAP}lastmod")) for entry in index.findall(f"{SITEMAP}sitemap")}

    assert set(dates(NOW).values()) == {NEWER_AT}
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["newer"])
    after = dates(LATER)
    assert len(after) == 4 and set(after.values()) == {CHANGED}


def test_without_the_page_cache_a_feed_is_dated_by_its_items(client, stories, settings):
    settings.PAGE_CACHE_ENABLED = False
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(stories["newer"])
    assert _feed_date(_get(client, "/feeds/latest/atom/", LATER)) == OLDER_AT


# Finding 5: an AI persona is said to be one once ------------------------------------------------


def _description(client, author):
    return parse_html(_get(client, f"/authors/{author.slug}/")).meta["description"]


@pytest.mark.parametrize("title", ["Markets and data (AI persona)",
                                   "Markets and data (ai Persona)", "AI persona for markets"])
def test_a_personas_description_says_ai_persona_once(client, title):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        eva = AuthorFactory(name="EVA Ledger", slug="eva-ledger", ai=True, title=title)
        story = ArticleFactory(author=eva, slug="ledger", published_at=NOW - timedelta(hours=1))
    description = _description(client, eva)
    assert description.lower().count("ai persona") == 1, description
    assert description.startswith(f"EVA Ledger, {title}: ")
    # The story's JSON-LD still describes the byline as an AI persona.
    (article,) = [data for data in parse_html(_get(client, story.get_absolute_url())).json_ld()
                  if data["@type"] == "NewsArticle"]
    assert article["author"][0]["description"].startswith("AI persona: an AI system writes")


@pytest.mark.parametrize("title", ["Markets and data", ""])
def test_a_personas_description_says_ai_persona_when_its_title_does_not(client, title):
    eva = AuthorFactory(name="EVA Ledger", slug="eva-ledger", ai=True, title=title)
    human = AuthorFactory(name="Ines Duarte", slug="ines", title="AI persona editor")
    assert _description(client, eva) == (
        f"EVA Ledger{', ' + title if title else ''} (AI persona): stories for EVA DAILY.")
    assert _description(client, human) == "Ines Duarte, AI persona editor: stories for EVA DAILY."
