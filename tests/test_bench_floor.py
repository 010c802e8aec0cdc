"""make bench's floor of the cold article (bench/floor/) replays what the page does.

Its row is only honest if it sends the same SQL the article page sends and
answers the same bytes; a page that later runs another query must show up
there too.
"""

import re
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ArticleFactory, CorrectionFactory

FLOOR = str(settings.BASE_DIR / "bench" / "floor")


def without_nonces(html):
    """The page, its CSP nonces (new for every response) left out."""
    return re.sub(rb'nonce="[^"]+"', b'nonce=""', html)


@pytest.fixture
def floor_urls(settings, monkeypatch):
    monkeypatch.syspath_prepend(FLOOR)
    import floor_urls

    floor_urls._RENDERED.clear()
    settings.ROOT_URLCONF = "floor_urls"
    yield floor_urls
    sys.modules.pop("floor_urls", None)


@pytest.mark.django_db
def test_the_floor_sends_the_article_pages_sql_again_and_answers_its_bytes(client, floor_urls):
    story = ArticleFactory(tags=["harbour", "ferries"])
    ArticleFactory(tags=["harbour"])  # a related story
    CorrectionFactory(article=story)
    with CaptureQueriesContext(connection) as page:
        article = client.get(story.get_absolute_url())
    assert article.status_code == 200

    client.get(f"/bench-floor/{story.slug}/")  # the first request renders the page once
    with CaptureQueriesContext(connection) as floor:
        replayed = client.get(f"/bench-floor/{story.slug}/")
    assert without_nonces(replayed.content) == without_nonces(article.content)
    assert [query["sql"] for query in floor.captured_queries] == [
        query["sql"] for query in page.captured_queries]
    assert replayed["X-Floor-Queries"] == str(len(page.captured_queries))

    with CaptureQueriesContext(connection) as stack:
        alone = client.get(f"/bench-floor/{story.slug}/bytes/")
    assert without_nonces(alone.content) == without_nonces(article.content)
    assert not stack.captured_queries


@pytest.mark.django_db
def test_the_site_itself_serves_no_floor(client):
    assert client.get("/bench-floor/any-story/").status_code == 404
