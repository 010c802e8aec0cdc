"""An author with nothing public is listed nowhere, like an empty tag (issue 12, item 12).

Their profile keeps its address (DESIGN.md section 4) but asks not to be indexed.
"""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine

from tests.factories import ArticleFactory, AuthorFactory
from tests.markup import parse_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
NOINDEX = '<meta name="robots" content="noindex">'
FEEDS = ["/authors/{}/feed/", "/authors/{}/feed/atom/"]


def html(response):
    return response.content.decode()


def listed(client, slug):
    """Where the author shows: the index, the authors sitemap, the search filter."""
    index = html(client.get("/authors/"))
    sitemap = [loc.text for loc in parse_xml(client.get("/sitemap-authors.xml"))
               .iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    search = html(client.get("/search/"))
    return {
        "index": f'href="/authors/{slug}/"' in index,
        "sitemap": any(loc.endswith(f"/authors/{slug}/") for loc in sitemap),
        "search filter": f'<option value="{slug}"' in search,
    }


@pytest.fixture
def newsroom():
    """A public author, and two with nothing public yet: a draft, a scheduled story."""
    with time_machine.travel(NOW, tick=False):
        ArticleFactory(author=AuthorFactory(name="Margaret Okonkwo", slug="margaret"))
        persona = AuthorFactory(ai=True, name="Nova Quill", slug="nova-quill")
        ArticleFactory(author=persona, draft=True, ai_involvement="generated")
        scheduled = ArticleFactory(author=AuthorFactory(name="Ines Duarte", slug="ines"),
                                   published_at=NOW + timedelta(hours=2))
    return scheduled


@pytest.mark.parametrize("slug", ["nova-quill", "ines"])
def test_an_author_with_nothing_public_is_not_listed_and_has_no_feed(client, newsroom, slug):
    with time_machine.travel(NOW, tick=False):
        assert all(listed(client, "margaret").values())
        assert listed(client, slug) == {"index": False, "sitemap": False,
                                        "search filter": False}
        for feed in FEEDS:
            assert client.get(feed.format(slug)).status_code == 404, feed

        response = client.get(f"/authors/{slug}/")
        assert response.status_code == 200
        page = html(response)
        assert NOINDEX in page
        assert f"/authors/{slug}/feed/" not in page
        assert "No published stories yet." in page

        assert NOINDEX not in html(client.get("/authors/margaret/"))


def test_the_author_is_listed_once_their_story_is_public(client, newsroom):
    with time_machine.travel(newsroom.published_at, tick=False):
        assert listed(client, "ines") == {"index": True, "sitemap": True,
                                          "search filter": True}
        for feed in FEEDS:
            assert client.get(feed.format("ines")).status_code == 200, feed
        page = html(client.get("/authors/ines/"))
        assert NOINDEX not in page
        assert re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]*'
                         r'href="/authors/ines/feed/"', page)
