"""A sitemap's ?p= is a page number in plain digits, as a list's ?page= is.

Django's paginator read "+1", " 1", "1 ", "١" (Arabic-Indic) and "１" (full-width)
as page 1: each answered 200, and the page cache kept each as one more copy.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine

from core import pagecache
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
SITEMAPS = ["/sitemap-articles.xml", "/sitemap-news.xml", "/sitemap-tags.xml"]
# As a query string carries them: "+01", " 1", "1 ", "+1", Arabic-Indic and full-width 1,
# an empty value and a word.
ODD_PAGES = ["%2B01", "%201", "1%20", "%2B1", "%D9%A1", "%EF%BC%91", "", "last"]


def _pages_kept():
    """The keys of the whole pages this process keeps (the 404 page may keep fragments)."""
    return {key for key in pagecache._local if key.startswith("pagecache:")}


@pytest.fixture
def story():
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        return ArticleFactory(slug="harbour", tags=["Ports"],
                              published_at=NOW - timedelta(hours=1))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", SITEMAPS)
@pytest.mark.parametrize("odd", ODD_PAGES)
def test_a_page_number_not_in_plain_digits_is_a_404_and_no_second_copy(client, story, url,
                                                                         odd):
    first = client.get(url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    kept = _pages_kept()

    response = client.get(f"{url}?p={odd}")

    assert response.status_code == 404
    assert _pages_kept() == kept
    assert client.get(f"{url}?p={odd}").status_code == 404  # not kept as a 200 either


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", SITEMAPS)
def test_page_one_in_digits_is_still_the_first_page(client, story, url):
    first = client.get(f"{url}?p=1")
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    again = client.get(f"{url}?p=001")  # the same page by its value (core.pagecache._number)
    assert again.status_code == 200 and again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert b"/articles/harbour/" in first.content or url == "/sitemap-tags.xml"
    assert client.get(f"{url}?p=2").status_code == 404
    assert client.get(f"{url}?p=0").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_lists_answer_the_same_values_alike(client, story):
    """The sitemaps now behave as the lists did already."""
    for odd in ODD_PAGES:
        assert client.get(f"/articles/?page={odd}").status_code == 404, odd
