from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory,
                             SectionFactory)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)


def html(response):
    return response.content.decode()


@pytest.fixture
def world():
    return SectionFactory(name="World", slug="world", position=1)


@pytest.fixture
def hidden_stories(world):
    """A draft and a scheduled story sharing section, author and tags with public ones."""
    author = AuthorFactory(name="Shared Author", slug="shared-author")
    public = ArticleFactory(headline="Public harbour story", section=world, author=author,
                            tags=["harbour"])
    draft = ArticleFactory(headline="Secret draft headline", slug="secret-draft",
                           section=world, author=author, tags=["harbour"], draft=True)
    scheduled = ArticleFactory(headline="Embargoed scheduled headline", slug="embargoed",
                               section=world, author=author, tags=["harbour"],
                               scheduled=True, is_featured=True)
    return public, draft, scheduled


class TestArticlePage:
    @time_machine.travel(NOW, tick=False)
    def test_every_element_in_its_format_in_a_non_utc_zone(self, client, settings, world):
        settings.TIME_ZONE = "Asia/Tokyo"
        author = AuthorFactory(name="Li Wei", slug="li-wei", ai=True,
                               avatar=__import__("tests.factories").factories.image_file(
                                   "li.png", (200, 200), fmt="PNG"))
        article = ArticleFactory(
            headline="Harbour talks resume",
            slug="harbour-talks",
            dek="Negotiators return to the table after a week.",
            body="# A level one heading\n\n" + "word " * 700,
            section=world,
            author=author,
            is_featured=True,
            with_image=True,
            # 14:06 UTC is 23:06 in Tokyo.
            published_at=datetime(2026, 2, 4, 14, 6, tzinfo=dt_timezone.utc),
            tags=["Ports", "Trade"],
        )
        CorrectionFactory(article=article, text="The talks began on a Monday.",
                          date=datetime(2026, 2, 5, 16, 0, tzinfo=dt_timezone.utc))
        page = html(client.get("/articles/harbour-talks/"))

        # 1. Masthead: today in TIME_ZONE (20:00 UTC on the 24th is the 25th in Tokyo).
        assert "Wednesday, February 25, 2026" in page
        assert "EVA DAILY" in page
        # 2-3. Featured label, section and dateline.
        assert '<p class="label-featured">Featured</p>' in page
        assert ">World</a> <span aria-hidden=\"true\">|</span>" in page
        assert ">Wednesday, February 4, 2026 at 11:06 PM</time>" in page
        # 4. The only h1 is the headline; the body's h1 became h2.
        assert page.count("<h1") == 1
        assert '<h1 class="headline" dir="auto">Harbour talks resume</h1>' in page
        assert "<h2>A level one heading</h2>" in page
        assert "Negotiators return to the table after a week." in page
        # 5. Byline with avatar alt, author link and the AI badge.
        assert 'alt="Li Wei"' in page
        assert '<a class="byline-name" href="/authors/li-wei/"><bdi>Li Wei</bdi></a>' in page
        assert ('<a class="ai-badge" href="/authors/li-wei/#ai-disclosure" '
                'title="AI-generated author" aria-label="AI-generated author">AI</a>') in page
        # 6. Short date, middle dot, read time (701 words -> 4 minutes).
        assert ">Feb 4, 2026</time> · 4 min read" in page
        # 7. Hero figure with alt, caption, credit and responsive sources.
        assert 'alt="A harbour at dawn"' in page
        assert '<source type="image/webp"' in page and "960w" in page
        assert "The harbour before the ferries leave." in page
        assert '<span class="credit">Photo: Unsplash / Robert Bye</span>' in page
        # 8. Corrections, dated, and the updated line.
        assert "The talks began on a Monday." in page
        assert ">Feb 6, 2026</time>" in page  # 16:00 UTC on the 5th is the 6th in Tokyo
        # 11-12. Related heading only with related stories; back link.
        assert '<a href="/articles/">Back to all articles</a>' in page
        # Tags link to their pages.
        assert 'href="/tags/ports/"' in page

    def test_related_articles_section(self, client, world):
        story = ArticleFactory(section=world, tags=["ports"])
        other = ArticleFactory(headline="Ferry strike ends", tags=["ports"])
        page = html(client.get(story.get_absolute_url()))
        assert "Related Articles" in page
        assert "Ferry strike ends" in page
        assert other.get_absolute_url() in page

    def test_no_related_heading_without_related_stories(self, client):
        page = html(client.get(ArticleFactory().get_absolute_url()))
        assert "Related Articles" not in page

    def test_body_is_sanitised_on_the_page(self, client):
        article = ArticleFactory(body="Hi <script>alert('x')</script> [a](javascript:alert(1))")
        page = html(client.get(article.get_absolute_url()))
        assert "alert(" not in page

    def test_drafts_and_scheduled_stories_are_404(self, client, hidden_stories):
        _, draft, scheduled = hidden_stories
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert client.get(scheduled.get_absolute_url()).status_code == 404
        assert client.get("/articles/no-such-story/").status_code == 404

    def test_staff_with_view_permission_see_a_preview_never_cached(
            self, client, hidden_stories, django_user_model):
        from django.contrib.auth.models import Group

        _, draft, _ = hidden_stories
        editor = django_user_model.objects.create_user("ed", is_staff=True)
        editor.groups.add(Group.objects.get(name="Editors"))
        client.force_login(editor)
        response = client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "Preview — not public" in html(response)
        assert "no-cache" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_readers_get_404_for_previews(self, client, hidden_stories, django_user_model):
        _, draft, _ = hidden_stories
        client.force_login(django_user_model.objects.create_user("reader"))
        assert client.get(draft.get_absolute_url()).status_code == 404


class TestLists:
    def test_front_page_has_lead_sections_and_links(self, client, world):
        lead = ArticleFactory(headline="The lead story", section=world, is_featured=True,
                              published_at=NOW - timedelta(days=3))
        newer = ArticleFactory(headline="A newer story", section=world)
        politics = SectionFactory(name="Politics", slug="politics", position=2)
        ArticleFactory(headline="Budget passes", section=politics)
        page = html(client.get("/"))
        assert page.count("<h1") == 1
        assert '<p class="label-featured">Featured</p>' in page
        assert page.index("The lead story") < page.index("A newer story")
        assert 'href="/sections/world/"' in page and 'href="/sections/politics/"' in page
        assert "Budget passes" in page and "A newer story" in page
        assert lead.get_absolute_url() in page and newer.get_absolute_url() in page

    def test_article_list_is_newest_first_and_paginated_by_20(self, client, world):
        for hours in range(25):
            ArticleFactory(headline=f"Story number {hours:02d}", section=world,
                           published_at=NOW - timedelta(hours=hours))
        with time_machine.travel(NOW, tick=False):
            first = html(client.get("/articles/"))
            second = html(client.get("/articles/?page=2"))
        assert first.index("Story number 00") < first.index("Story number 01")
        assert "Story number 19" in first and "Story number 20" not in first
        assert "Story number 20" in second and "Story number 24" in second
        assert "Page 2 of 2" in second

    @pytest.mark.parametrize("page", ["0", "3", "-1", "abc", "1.5", "9" * 5000, "", "last%00"])
    def test_bad_page_numbers_are_404_never_500(self, client, world, page):
        article = ArticleFactory(section=world, tags=["ports"])
        for url in ("/articles/", "/sections/world/", "/tags/ports/",
                    f"/authors/{article.author.slug}/"):
            assert client.get(url, {"page": page}).status_code == 404, (url, page)

    def test_section_page_lists_only_its_stories(self, client, world):
        ArticleFactory(headline="In world", section=world)
        ArticleFactory(headline="Elsewhere")
        page = html(client.get("/sections/world/"))
        assert "In world" in page and "Elsewhere" not in page
        assert '<p class="list-kind">Section</p>\n  <h1>World</h1>' in page
        # The section's own page does not label every card with it; other lists do.
        assert 'class="kicker"' not in page
        assert '<p class="kicker"><a href="/sections/world/">World</a></p>' in html(
            client.get("/articles/"))

    def test_empty_section_keeps_its_page(self, client, world):
        response = client.get("/sections/world/")
        assert response.status_code == 200
        assert "No World stories have been published yet." in html(response)

    def test_unknown_section_is_404(self, client):
        assert client.get("/sections/nowhere/").status_code == 404

    def test_tag_page_and_tag_without_public_story_is_404(self, client, hidden_stories):
        ArticleFactory(tags=["secret-tag"], draft=True)
        page = html(client.get("/tags/harbour/"))
        assert "Public harbour story" in page
        assert client.get("/tags/secret-tag/").status_code == 404
        assert client.get("/tags/unknown/").status_code == 404

    def test_hidden_stories_are_absent_from_every_list(self, client, hidden_stories):
        public, draft, scheduled = hidden_stories
        for url in ("/", "/articles/", "/sections/world/", "/tags/harbour/",
                    "/authors/", "/authors/shared-author/", public.get_absolute_url()):
            page = html(client.get(url))
            for story in (draft, scheduled):
                assert story.headline not in page, (url, story)
                assert story.slug not in page, (url, story)
        # The author index counts public stories only.
        assert "1 story" in html(client.get("/authors/"))


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _newsroom(n, sections, authors):
    """n public stories with tags, related picks and corrections, spread over sections."""
    stories = []
    for i in range(n):
        story = ArticleFactory(section=sections[i % len(sections)],
                               author=authors[i % len(authors)], with_image=(i % 50 == 0),
                               tags=[f"tag{i % 7}", f"tag{i % 3}", "common"])
        stories.append(story)
        if i:
            story.related_links.create(to_article=stories[i - 1], position=0)
        if i % 4 == 0:
            CorrectionFactory(article=story)
    return stories


# Exact query budgets per page; the same with 10x the data.
PAGE_BUDGETS = {
    "/": 4,
    "/articles/": 3,
    "/articles/?page=2": 3,
    "/sections/s0/": 4,
    "/tags/common/": 5,
    "/authors/": 2,
    "/authors/a0/": 4,
    # A story with corrections (every fourth of _newsroom()): the story with its
    # tags and the navigation's sections, its related stories, its corrections.
    "ARTICLE": 3,
}


def test_query_counts_stay_the_same_when_the_data_grows_tenfold(client):
    sections = [SectionFactory(name=f"S{i}", slug=f"s{i}") for i in range(3)]
    authors = [AuthorFactory(name=f"A{i}", slug=f"a{i}", is_ai=i == 0) for i in range(3)]
    stories = _newsroom(45, sections, authors)
    urls = {url: url for url in PAGE_BUDGETS}
    urls["ARTICLE"] = stories[-1].get_absolute_url()

    small = {key: _count_queries(client, url) for key, url in urls.items()}
    _newsroom(405, sections, authors)
    large = {key: _count_queries(client, url) for key, url in urls.items()}

    assert small == large
    assert large == PAGE_BUDGETS


def test_article_page_query_budget_is_exact(client, django_assert_num_queries):
    *_, without, with_corrections = _newsroom(5, [SectionFactory()], [AuthorFactory()])
    with django_assert_num_queries(PAGE_BUDGETS["ARTICLE"]):
        client.get(with_corrections.get_absolute_url())
    # The story's own query counts its corrections: with none, the list is not read.
    with django_assert_num_queries(PAGE_BUDGETS["ARTICLE"] - 1):
        client.get(without.get_absolute_url())


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise Exception("database down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_styled_404_page(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert "We can’t find that page" in html(response)
    assert Article.objects.count() == 0
