from datetime import datetime, timedelta, timezone as dt_timezone
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def newsroom():
    """A public story with everything a feed item carries, and hidden ones beside it."""
    with time_machine.travel(NOW, tick=False):
        world = SectionFactory(name="World", slug="world")
        author = AuthorFactory(name="Li Wei", slug="li-wei", ai=True)
        story = ArticleFactory(
            headline="Harbour talks resume", slug="harbour-talks",
            dek="Rates < 5% & rising: <b>negotiators</b> return.",
            section=world, author=author, with_image=True, tags=["Trade", "Ports"],
            published_at=NOW - timedelta(hours=3),
        )
        older = ArticleFactory(headline="Ferry strike ends", slug="ferry-strike",
                               section=world, author=author, tags=["Ports"],
                               published_at=NOW - timedelta(days=2))
        elsewhere = ArticleFactory(headline="Budget passes", slug="budget",
                                   published_at=NOW - timedelta(hours=5))
        ArticleFactory(headline="Secret draft", slug="secret-draft", section=world,
                       author=author, tags=["Ports", "hidden-only"], draft=True)
        ArticleFactory(headline="Embargoed story", slug="embargoed", section=world,
                       author=author, tags=["Ports"], published_at=NOW + timedelta(hours=1))
    return story, older, elsewhere


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return response


def _rss_items(client, url):
    response = _get(client, url)
    assert response["Content-Type"].startswith("application/rss+xml")
    root = parse_xml(response)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel"), root.findall("channel/item")


def _atom_entries(client, url):
    response = _get(client, url)
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


class TestSiteFeed:
    def test_rss_channel_and_items(self, client, newsroom):
        channel, items = _rss_items(client, "/feeds/latest/")
        assert channel.findtext("title") == "EVA DAILY"
        assert channel.findtext("link") == f"{SITE}/"
        assert channel.find(f"{ATOM}link").get("href") == f"{SITE}/feeds/latest/"
        assert channel.findtext("language") == "en"
        assert [i.findtext("title") for i in items] == [
            "Harbour talks resume", "Budget passes", "Ferry strike ends"]

        item = items[0]
        assert item.findtext("link") == f"{SITE}/articles/harbour-talks/"
        story = newsroom[0]
        assert item.findtext("guid") == f"tag:news.example,2026-02-24:article-{story.pk}"
        assert item.find("guid").get("isPermaLink") == "false"
        # The dek is text: escaped once more so that readers show it, not render it. A
        # story written with AI says so after it, as its page does (test_feeds2_ai_disclosure).
        assert item.findtext("description") == (
            "<p>Rates &lt; 5% &amp; rising: &lt;b&gt;negotiators&lt;/b&gt; return.</p>"
            "<p>AI involvement: generated. An AI system wrote this story, writing as the "
            "persona Li Wei.</p>")
        assert item.findtext(f"{DC}creator") == "Li Wei (AI persona)"  # an AI byline, said plainly
        assert [c.text for c in item.findall("category")] == [
            "World", "Ports", "Trade", "AI-generated"]
        assert parsedate_to_datetime(item.findtext("pubDate")) == NOW - timedelta(hours=3)

        media = item.find(f"{MEDIA}content")
        assert media.get("medium") == "image" and media.get("type") == "image/jpeg"
        assert media.get("url").startswith(f"{SITE}/media/articles/")
        assert media.get("url").endswith("-1200w.jpeg")  # the largest rendition
        assert (media.get("width"), media.get("height")) == ("1200", "800")
        assert media.findtext(f"{MEDIA}description") == "A harbour at dawn"
        assert media.findtext(f"{MEDIA}credit") == "Photo: Unsplash / Robert Bye"
        # A story without an image has no media element.
        assert items[1].find(f"{MEDIA}content") is None

    def test_atom_feed(self, client, newsroom):
        root, entries = _atom_entries(client, "/feeds/latest/atom/")
        assert root.findtext(f"{ATOM}title") == "EVA DAILY"
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links == {"alternate": f"{SITE}/", "self": f"{SITE}/feeds/latest/atom/"}
        assert root.findtext(f"{ATOM}subtitle")
        entry = entries[0]
        assert entry.findtext(f"{ATOM}title") == "Harbour talks resume"
        assert entry.find(f"{ATOM}link").get("href") == f"{SITE}/articles/harbour-talks/"
        assert entry.findtext(f"{ATOM}id") == (
            f"tag:news.example,2026-02-24:article-{newsroom[0].pk}")
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        assert summary.text.startswith("<p>Rates &lt; 5% &amp; rising")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Li Wei (AI persona)"
        assert entry.findtext(f"{ATOM}author/{ATOM}uri") == f"{SITE}/authors/li-wei/"
        assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == [
            "World", "Ports", "Trade", "AI-generated"]
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == (
            NOW - timedelta(hours=3))
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) >= (
            NOW - timedelta(hours=3))
        assert entry.find(f"{MEDIA}content").get("url").startswith(f"{SITE}/media/")

    def test_hidden_stories_never_appear(self, client, newsroom):
        for url in ("/feeds/latest/", "/feeds/latest/atom/"):
            text = _get(client, url).content.decode()
            for trace in ("Secret draft", "secret-draft", "Embargoed", "embargoed",
                          "hidden-only"):
                assert trace not in text, (url, trace)

    def test_a_scheduled_story_joins_the_feed_at_its_time(self, client, newsroom):
        with time_machine.travel(NOW + timedelta(hours=2), tick=False):
            text = client.get("/feeds/latest/").content.decode()
        assert "Embargoed story" in text


class TestFilteredFeeds:
    @pytest.mark.parametrize("url, expected", [
        ("/sections/world/feed/", ["Harbour talks resume", "Ferry strike ends"]),
        ("/authors/li-wei/feed/", ["Harbour talks resume", "Ferry strike ends"]),
        ("/tags/ports/feed/", ["Harbour talks resume", "Ferry strike ends"]),
        ("/tags/trade/feed/", ["Harbour talks resume"]),
    ])
    def test_rss_items_are_the_pages_public_stories(self, client, newsroom, url, expected):
        channel, items = _rss_items(client, url)
        assert [i.findtext("title") for i in items] == expected
        assert channel.findtext("link") == SITE + url.removesuffix("feed/")
        assert channel.find(f"{ATOM}link").get("href") == SITE + url

    @pytest.mark.parametrize("url, expected", [
        ("/sections/world/feed/atom/", ["Harbour talks resume", "Ferry strike ends"]),
        ("/authors/li-wei/feed/atom/", ["Harbour talks resume", "Ferry strike ends"]),
        ("/tags/trade/feed/atom/", ["Harbour talks resume"]),
    ])
    def test_atom_variants(self, client, newsroom, url, expected):
        root, entries = _atom_entries(client, url)
        assert [e.findtext(f"{ATOM}title") for e in entries] == expected
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links["self"] == SITE + url

    def test_titles_name_what_they_follow(self, client, newsroom):
        assert _rss_items(client, "/sections/world/feed/")[0].findtext("title") == (
            "World · EVA DAILY")
        author_channel = _rss_items(client, "/authors/li-wei/feed/")[0]
        assert author_channel.findtext("title") == "Li Wei · EVA DAILY"
        assert "AI persona" in author_channel.findtext("description")
        assert _rss_items(client, "/tags/ports/feed/")[0].findtext("title") == (
            "Ports · EVA DAILY")

    @pytest.mark.parametrize("url", [
        "/sections/nowhere/feed/", "/authors/nobody/feed/atom/", "/tags/unknown/feed/",
        # A tag only hidden stories carry: its name alone would leak them.
        "/tags/hidden-only/feed/", "/tags/hidden-only/feed/atom/",
    ])
    def test_unknown_or_hidden_is_404(self, client, newsroom, url):
        with time_machine.travel(NOW, tick=False):
            assert client.get(url).status_code == 404


class TestFeedLinks:
    def test_every_page_head_links_the_site_feeds(self, client, newsroom):
        story = newsroom[0]
        for url in ("/", "/articles/", story.get_absolute_url(), "/authors/", "/about/",
                    "/search/?q=harbour"):
            page = parse_html(_get(client, url))
            assert page.link("alternate", "application/rss+xml") == "/feeds/latest/", url
            assert page.link("alternate", "application/atom+xml") == "/feeds/latest/atom/"

    @pytest.mark.parametrize("url, feed", [
        ("/sections/world/", "/sections/world/feed/"),
        ("/authors/li-wei/", "/authors/li-wei/feed/"),
        ("/tags/ports/", "/tags/ports/feed/"),
        ("/articles/", "/feeds/latest/"),
    ])
    def test_lists_link_their_own_feed_in_head_and_page(self, client, newsroom, url, feed):
        page = parse_html(_get(client, url))
        feeds = [href for rel, href, kind in page.links
                 if rel == "alternate" and kind == "application/rss+xml"]
        atoms = [href for rel, href, kind in page.links
                 if rel == "alternate" and kind == "application/atom+xml"]
        assert feed in feeds and f"{feed}atom/" in atoms
        # ...and a visible link a reader can follow.
        text = _get(client, url).content.decode()
        assert f'<a href="{feed}" type="application/rss+xml">RSS feed</a>' in text


# Exact query budgets: the same whatever the number of stories.
FEED_BUDGETS = {
    "/feeds/latest/": 2,  # stories, their tags
    "/feeds/latest/atom/": 2,
    "/sections/s0/feed/": 3,  # + the section
    "/authors/a0/feed/": 3,  # + the author
    "/tags/common/feed/atom/": 3,  # + the tag (if a public story carries it)
}


def _stories(count, section, author):
    for i in range(count):
        # Renditions cost no query: one story with an image shows that.
        ArticleFactory(section=section, author=author, with_image=(i == count - 1),
                       tags=["common", f"tag{i % 4}"])


@pytest.mark.parametrize("url", FEED_BUDGETS)
def test_feed_queries_stay_constant_as_stories_grow(client, django_assert_num_queries, url):
    section = SectionFactory(name="S0", slug="s0")
    author = AuthorFactory(name="A0", slug="a0")
    _stories(3, section, author)
    client.get(url)  # warm caches that are not per-request (content types)
    with django_assert_num_queries(FEED_BUDGETS[url]):
        assert client.get(url).status_code == 200
    _stories(40, section, author)
    with django_assert_num_queries(FEED_BUDGETS[url]):
        response = client.get(url)
    assert len(parse_xml(response).findall(".//item") or
               parse_xml(response).findall(f".//{ATOM}entry")) == 20


@pytest.mark.django_db
def test_a_png_waiting_for_its_renditions_is_labelled_as_a_png(client):
    """Before the worker has made JPEG renditions, the feed points at the original."""
    from tests.factories import image_file

    ArticleFactory(image=image_file("chart.png", fmt="PNG"), image_alt="A chart",
                   renditions=False)
    media = parse_xml(client.get("/feeds/latest/")).find(f".//{MEDIA}content")
    assert media.get("url").endswith(".png")
    assert media.get("type") == "image/png"
