"""Readers' pages whose queries hold up at the archive's size.

Found by opening every public page with no page cache at 100,000 stories
and a million comments (`bench/desks.py`): the authors' list took 400 ms,
the busiest tag's page 330 ms, page 4,000 of the latest stories 380 ms,
the transparency report 1.9 s and a page of the stories' sitemap 9 s. What each did wrong shows in its SQL, which
these tests read; the timings are the bench's.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Article
from core.pagination import ArchivePaginator
from tests.factories import ArticleFactory, AuthorFactory, CommentFactory

pytestmark = pytest.mark.django_db


def _queries(client, path, needle):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries if needle in q["sql"]]


def test_counts_in_a_subquery_count_rows_not_ids(client):
    """COUNT(id) made PostgreSQL read each counted story for its id; COUNT(*) is
    answered from the index that serves the filter (the authors' list: 400 -> 34 ms)."""
    writer = AuthorFactory(name="Ines Duarte")
    ArticleFactory.create_batch(2, author=writer)
    ArticleFactory(author=writer, draft=True)
    response, sql = _queries(client, "/authors/", '"authors_author"."name"')
    assert "2 stories" in re.sub(r"\s+", " ", response.content.decode())
    assert sql and "COUNT(*)" in sql[0]
    assert 'COUNT("articles_article"."id")' not in sql[0]


def test_a_tags_page_looks_its_stories_up_by_their_ids(client):
    """taggit's join compares ids through a cast that no index serves: for each story,
    newest first, PostgreSQL read the tag's 28,000 taggings again (170-290 ms)."""
    now = timezone.now()
    shown = [ArticleFactory(headline=f"Harbour {n}", tags=["harbour"],
                            published_at=now - timedelta(hours=n)) for n in range(1, 4)]
    ArticleFactory(headline="Harbour draft", tags=["harbour"], draft=True)
    ArticleFactory(headline="Harbour tomorrow", tags=["harbour"], scheduled=True)
    ArticleFactory(headline="Bank rates", tags=["markets"])
    for path in ("/tags/harbour/", "/tags/harbour/feed/"):
        response, sql = _queries(client, path, '"articles_article"."headline"')
        page = response.content.decode()
        assert [story.headline for story in shown] == re.findall(r"Harbour \d", page)
        assert "draft" not in page and "tomorrow" not in page and "Bank rates" not in page
        listing = [s for s in sql if "taggit_taggeditem" in s and "ORDER BY" in s]
        assert len(listing) == 1, path
        assert "JOIN \"taggit_taggeditem\"" not in listing[0]
        assert re.search(r'"articles_article"\."id" IN \(SELECT .*"taggit_taggeditem"',
                         listing[0])


def _stories(count, ties=True):
    """count public stories, several published at the very same moment when ties."""
    now = timezone.now().replace(microsecond=0)
    return [ArticleFactory(published_at=now - timedelta(minutes=n // 3 if ties else n))
            for n in range(count)]


def test_later_pages_hold_the_same_stories_in_the_same_order():
    stories = _stories(11)
    ordered = list(Article.objects.published().for_listing())
    assert {story.pk for story in ordered} == {story.pk for story in stories}
    for orphans in (0, 2):
        paginator = ArchivePaginator(Article.objects.published().for_listing(), 3,
                                     orphans=orphans)
        pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
        assert [story for page in pages for story in page] == ordered
        assert [len(page) for page in pages] == ([3, 3, 3, 2] if not orphans else [3, 3, 5])


def test_a_later_page_takes_its_ids_from_the_index_before_reading_its_stories(client):
    """An OFFSET reads every row it skips: page 4,000 of the latest stories read 80,000
    whole stories for twenty (335 ms); their ids alone come from the index (23 ms)."""
    stories = _stories(23, ties=False)
    response, sql = _queries(client, "/articles/?page=2", '"articles_article"."headline"')
    page = response.content.decode()
    assert all(story.headline in page for story in stories[20:])
    assert not any(story.headline in page for story in stories[:20])
    assert len(sql) == 1
    ids = re.search(r'"articles_article"\."id" IN \(SELECT "U0"\."id" AS "pk" '
                    r'FROM "articles_article" "U0" (.*) LIMIT 3 OFFSET 20\)', sql[0])
    assert ids and "JOIN" not in ids.group(1)  # the ids alone: no section, no author
    # The first page is read as it always was.
    _, first = _queries(client, "/articles/", '"articles_article"."headline"')
    assert " OFFSET " not in first[0] and " IN (SELECT " not in first[0]


def test_the_report_counts_comments_on_public_stories_from_a_list_of_them(client):
    """Joined to the stories, each of a million comments' story was looked up in turn
    (1.5 s); against the list of public stories, hashed once (1.0 s)."""
    public, draft = ArticleFactory(), ArticleFactory(draft=True)
    CommentFactory.create_batch(2, article=public)
    CommentFactory(article=draft)
    response, sql = _queries(client, "/transparency/", 'FROM "comments_comment"')
    assert len(sql) == 1
    assert "JOIN" not in sql[0]
    assert re.search(r'"comments_comment"\."article_id" IN \(SELECT', sql[0])
    comments = re.search(r'id="comments-heading".*?</section>', response.content.decode(),
                         re.S)
    assert comments and "<td>2</td>" in comments.group(0)
    assert "<td>3</td>" not in comments.group(0)


def test_a_sitemap_page_reads_only_what_its_urls_show(client):
    """A page lists 50,000 stories: whole stories and Django's template took 9 s for one
    at 100,000 stories; their slugs and dates written out in Python, about 1 s."""
    now = timezone.now()
    older = ArticleFactory(slug="older", published_at=now - timedelta(days=3))
    newer = ArticleFactory(slug="newer", published_at=now - timedelta(days=2))
    response, sql = _queries(client, "/sitemap-articles.xml", '"articles_article"."slug"')
    assert len(sql) == 1 and '"articles_article"."body' not in sql[0]
    page = response.content.decode()
    assert page.index("/articles/newer/") < page.index("/articles/older/")
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    # As Django's view says it: the newest of the page's last changes.
    latest = max(newer.published_at, newer.updated_at, older.updated_at)
    assert response["Last-Modified"] == http_date(latest.timestamp())


def test_a_tags_sitemap_groups_the_public_stories_taggings_once(client):
    """Through taggit's join, the tags' sitemap took 2.5 s at 100,000 stories; tag by
    tag, each walking the newest stories for one it was on, 0.77 s; grouped, 0.09 s."""
    now = timezone.now()
    ArticleFactory(tags=["harbour"], published_at=now - timedelta(days=3))
    ArticleFactory(tags=["harbour", "ferries"], published_at=now - timedelta(days=1))
    ArticleFactory(tags=["harbour", "secret"], scheduled=True)
    ArticleFactory(tags=["draft-only"], draft=True)
    response, sql = _queries(client, "/sitemap-tags.xml", '"taggit_taggeditem"')
    assert len(sql) == 1 and " LIMIT " not in sql[0]
    assert sql[0].startswith('SELECT "taggit_taggeditem"."tag_id"') and "GROUP BY" in sql[0]
    day = timezone.localdate(now - timedelta(days=1)).isoformat()
    page = response.content.decode()
    assert f"/tags/harbour/</loc><lastmod>{day}</lastmod>" in page
    assert page.index("/tags/ferries/") < page.index("/tags/harbour/")
    assert "secret" not in page and "draft-only" not in page  # only public stories' tags
