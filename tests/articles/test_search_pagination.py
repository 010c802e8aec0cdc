"""Search results come best match first: their page links do not say "Newer" or "Older"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, CorrectionFactory

pytestmark = pytest.mark.django_db


def pagination(page):
    start = page.index('<nav class="pagination"')
    return page[start:page.index("</nav>", start)]


def test_search_pages_are_next_and_previous_results(client):
    for i in range(23):
        ArticleFactory(headline=f"Harbour story {i:02d}",
                       published_at=timezone.now() - timedelta(hours=i + 1))
    first = pagination(client.get("/search/", {"q": "harbour"}).content.decode())
    second = pagination(client.get("/search/", {"q": "harbour", "page": 2}).content.decode())
    assert 'rel="next" href="?q=harbour&amp;page=2">Next results &rarr;</a>' in first
    assert 'rel="prev" href="?q=harbour&amp;page=1">&larr; Previous results</a>' in second
    assert "Page 2 of 2" in second
    assert not any(word in first + second for word in ("Newer", "Older"))


def test_lists_by_date_still_go_newer_and_older(client):
    story = ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    CorrectionFactory.create_batch(21, article=story)
    page = pagination(client.get("/corrections/").content.decode())
    assert "Older &rarr;</a>" in page and "results" not in page
