"""Pages that are no page of their own are kept out of search results.

The bias-report form (a bare form) was indexable with a self-canonical and no
robots meta; the comments block the story page's script fetches (?partial=1,
an HTML fragment) was publicly cacheable with no X-Robots-Tag.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine

from core import pagecache
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
BLOCK = "/articles/harbour/comments/?partial=1"


@pytest.fixture
def story():
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        return ArticleFactory(headline="Harbour talks", slug="harbour",
                              section=SectionFactory(name="World", slug="world"),
                              author=AuthorFactory(name="Ines Duarte", slug="ines"),
                              published_at=NOW - timedelta(hours=1))


@time_machine.travel(NOW, tick=False)
def test_the_bias_report_form_is_not_indexed(client, story):
    for url in ("/articles/harbour/report-bias/", "/articles/harbour/report-bias/?partial=1"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = parse_html(client.get("/articles/harbour/report-bias/"))
    assert page.meta["robots"] == "noindex"
    # The story it is about stays indexed.
    assert "robots" not in parse_html(client.get("/articles/harbour/")).meta


@time_machine.travel(NOW, tick=False)
@pytest.mark.usefixtures("page_cache_on")
def test_the_comments_block_says_noindex_when_kept_and_served_from_the_cache(client, story):
    first = client.get(BLOCK)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    assert "public" in first["Cache-Control"]
    assert first["X-Robots-Tag"] == "noindex"

    hit = client.get(BLOCK)
    assert hit["X-Page-Cache"] == "hit" and hit["X-Robots-Tag"] == "noindex"
    pagecache._local.clear()  # from the shared cache, not the process's own copy
    shared = client.get(BLOCK)
    assert shared["X-Page-Cache"] == "hit" and shared["X-Robots-Tag"] == "noindex"


@time_machine.travel(NOW, tick=False)
def test_the_comments_page_itself_stays_indexable(client, story):
    whole = client.get("/articles/harbour/comments/")
    assert whole.status_code == 200 and "X-Robots-Tag" not in whole
    # A value other than 1 is the whole page (core.pagecache._flag), and indexable as it.
    assert "X-Robots-Tag" not in client.get("/articles/harbour/comments/?partial=yes")


@time_machine.travel(NOW, tick=False)
def test_a_signed_in_readers_block_says_noindex_too(client, story):
    client.force_login(UserFactory(username="reader1"))
    response = client.get(BLOCK)
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
