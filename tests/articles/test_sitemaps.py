from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine

from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def newsroom():
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        world = SectionFactory(name="World", slug="world", position=1)
        SectionFactory(name="Empty", slug="empty", position=2)
        author = AuthorFactory(name="Li Wei", slug="li-wei")
        ArticleFactory(headline="Old story", slug="old-story", section=world, author=author,
                       tags=["Ports"], published_at=NOW - timedelta(days=4))
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        ArticleFactory(headline="Fish & ships: the harbour <reopens>", slug="fresh",
                       section=world, author=author, tags=["Ports", "Trade"],
                       published_at=NOW - timedelta(hours=2))
        ArticleFactory(headline="Secret draft", slug="secret-draft", section=world,
                       author=author, tags=["hidden-only"], draft=True)
        ArticleFactory(headline="Embargoed", slug="embargoed", section=world, author=author,
                       tags=["hidden-only"], published_at=NOW + timedelta(hours=3))


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    return parse_xml(response)


def _locations(root):
    return [loc.text for loc in root.iter(f"{SM}loc")]


def test_index_lists_each_sitemap_on_site_url(client, newsroom):
    root = _get(client, "/sitemap.xml")
    assert root.tag == f"{SM}sitemapindex"
    assert _locations(root) == [f"{SITE}/sitemap-{name}.xml"
                                for name in ("articles", "sections", "tags", "authors")]
    lastmods = [datetime.fromisoformat(e.text) for e in root.iter(f"{SM}lastmod")]
    assert len(lastmods) == 4 and max(lastmods) <= NOW


def test_articles_sitemap_has_public_stories_with_lastmod(client, newsroom):
    root = _get(client, "/sitemap-articles.xml")
    assert root.tag == f"{SM}urlset"
    urls = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.iter(f"{SM}url")}
    assert urls == {
        f"{SITE}/articles/fresh/": "2026-02-24",
        f"{SITE}/articles/old-story/": "2026-02-20",
    }


def test_sections_tags_and_authors_sitemaps(client, newsroom):
    assert _locations(_get(client, "/sitemap-sections.xml")) == [
        f"{SITE}/sections/world/", f"{SITE}/sections/empty/"]
    # Only tags that public stories carry: a hidden story's tag would reveal it.
    assert _locations(_get(client, "/sitemap-tags.xml")) == [
        f"{SITE}/tags/ports/", f"{SITE}/tags/trade/"]
    assert _locations(_get(client, "/sitemap-authors.xml")) == [f"{SITE}/authors/li-wei/"]
    # lastmod is the newest public story's day, never a scheduled one's.
    root = _get(client, "/sitemap-sections.xml")
    lastmods = [u.findtext(f"{SM}lastmod") for u in root.iter(f"{SM}url")]
    assert lastmods == ["2026-02-24", None]


@pytest.mark.parametrize("url", ["/sitemap-nothing.xml", "/sitemap-articles.xml?p=abc",
                                 "/sitemap-articles.xml?p=9"])
def test_unknown_sitemaps_and_pages_are_404(client, newsroom, url):
    assert client.get(url).status_code == 404


class TestNewsSitemap:
    def _news(self, client, at=NOW):
        with time_machine.travel(at, tick=False):
            response = client.get("/sitemap-news.xml")
        assert response.status_code == 200
        return parse_xml(response)

    def test_format(self, client, newsroom):
        root = self._news(client)
        assert root.tag == f"{SM}urlset"
        [url] = root.findall(f"{SM}url")
        assert url.findtext(f"{SM}loc") == f"{SITE}/articles/fresh/"
        news = url.find(f"{NEWS}news")
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == "EVA DAILY"
        assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
        assert datetime.fromisoformat(news.findtext(f"{NEWS}publication_date")) == (
            NOW - timedelta(hours=2))
        assert news.findtext(f"{NEWS}title") == "Fish & ships: the harbour <reopens>"

    def test_only_the_last_two_days(self, client):
        section, author = SectionFactory(), AuthorFactory()
        for slug, age in [("just-in", timedelta(minutes=1)), ("day-old", timedelta(days=1)),
                          ("almost-two", timedelta(days=2) - timedelta(minutes=1)),
                          ("over-two", timedelta(days=2, minutes=1)),
                          ("last-week", timedelta(days=7))]:
            ArticleFactory(slug=slug, section=section, author=author, published_at=NOW - age)
        ArticleFactory(slug="tomorrow", section=section, author=author,
                       published_at=NOW + timedelta(days=1))
        ArticleFactory(slug="a-draft", section=section, author=author, draft=True)

        assert _locations(self._news(client)) == [
            f"{SITE}/articles/{slug}/" for slug in ("just-in", "day-old", "almost-two")]
        # The window moves with the clock: a day later, two have aged out and the
        # scheduled story is in.
        assert _locations(self._news(client, NOW + timedelta(days=1, hours=1))) == [
            f"{SITE}/articles/{slug}/" for slug in ("tomorrow", "just-in")]


def test_robots_txt_points_at_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert f"Sitemap: {SITE}/sitemap-news.xml" in lines
    assert "User-agent: *" in lines and "Disallow: /admin/" in lines


# Exact query budgets, the same whatever the number of stories.
SITEMAP_BUDGETS = {
    "/sitemap.xml": 9,  # latest change and page count of each of the four (tags: two)
    "/sitemap-articles.xml": 2,  # count, page
    "/sitemap-sections.xml": 2,
    "/sitemap-tags.xml": 2,  # the tags' newest stories, grouped; the tags
    "/sitemap-authors.xml": 2,
    "/sitemap-news.xml": 2,
}


def _stories(count, sections, authors):
    for i in range(count):
        ArticleFactory(section=sections[i % 3], author=authors[i % 3],
                       tags=[f"tag{i % 5}", "common"])


@pytest.mark.parametrize("url", SITEMAP_BUDGETS)
def test_sitemap_queries_stay_constant(client, django_assert_num_queries, url):
    sections = [SectionFactory() for _ in range(3)]
    authors = [AuthorFactory() for _ in range(3)]
    _stories(4, sections, authors)
    client.get(url)  # warm caches that are not per-request (content types)
    with django_assert_num_queries(SITEMAP_BUDGETS[url]):
        assert client.get(url).status_code == 200
    _stories(40, sections, authors)
    with django_assert_num_queries(SITEMAP_BUDGETS[url]):
        response = client.get(url)
    if url in ("/sitemap-articles.xml", "/sitemap-news.xml"):
        assert len(parse_xml(response)) == 44
