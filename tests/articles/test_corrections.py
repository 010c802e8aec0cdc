"""Corrections: at the end of the story, and the public log at /corrections/."""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from standards.models import Correction
from standards.templatetags.standards_tags import story_corrections
from tests.factories import ArticleFactory, AuthorFactory, BiasReportFactory, CorrectionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)


def html(response):
    return response.content.decode()


def test_corrections_end_the_story_dated_with_their_kind_and_update_it(client):
    article = ArticleFactory(published_at=datetime(2026, 2, 1, tzinfo=dt_timezone.utc))
    first = CorrectionFactory(article=article, text="The bridge opened in 1931.",
                              date=datetime(2026, 2, 3, 9, 0, tzinfo=dt_timezone.utc))
    CorrectionFactory(article=article, kind=Correction.Kind.EDITORS_NOTE,
                      text="Updated with the mayor's response.",
                      date=datetime(2026, 2, 5, 9, 0, tzinfo=dt_timezone.utc))

    page = html(client.get(article.get_absolute_url()))

    body_end = page.index('<div class="story-body">')
    corrections = page.index('id="corrections-heading"')
    assert body_end < corrections
    assert page.index("The bridge opened in 1931.") < page.index("mayor&#x27;s response")
    assert (f'<li id="correction-{first.pk}"><strong class="correction-kind">Correction</strong>, '
            '<time datetime="2026-02-03T09:00:00+00:00">Feb 3, 2026</time>: '
            "The bridge opened in 1931.</li>") in page
    assert "<strong class=\"correction-kind\">Editor&#x27;s note</strong>" in page
    assert ('<p class="updated">Updated <time datetime="2026-02-05T09:00:00+00:00">'
            "Feb 5, 2026</time></p>") in page


def test_story_without_corrections_is_not_marked_updated(client):
    page = html(client.get(ArticleFactory().get_absolute_url()))
    assert "Updated" not in page and "corrections-heading" not in page


def test_a_storys_corrections_are_read_in_date_order_with_their_reports_outcome(
        django_assert_num_queries):
    story = ArticleFactory()
    upheld = BiasReportFactory(article=story, status="upheld")
    dismissed = BiasReportFactory(article=story, status="dismissed")
    later = CorrectionFactory(article=story, date=datetime(2026, 2, 5, tzinfo=dt_timezone.utc))
    earlier = CorrectionFactory(article=story, bias_report=upheld,
                                date=datetime(2026, 2, 3, tzinfo=dt_timezone.utc))
    other = CorrectionFactory(article=story, bias_report=dismissed, date=later.date)
    CorrectionFactory(article=ArticleFactory())
    story = Article.objects.get(pk=story.pk)
    with django_assert_num_queries(1):
        corrections = story_corrections(story)
        assert story_corrections(story) is corrections  # read once
    assert corrections == [earlier, later, other]
    assert [c.follows_upheld_report for c in corrections] == [True, False, False]
    assert corrections[0].date == earlier.date and corrections[0].text == earlier.text
    with django_assert_num_queries(0):
        assert all(correction.article is story for correction in corrections)


class TestCorrectionLog:
    def test_newest_first_each_linking_to_its_story(self, client):
        older = CorrectionFactory(text="Older correction.",
                                  date=datetime(2026, 1, 2, tzinfo=dt_timezone.utc))
        newer = CorrectionFactory(kind=Correction.Kind.CLARIFICATION, text="Newer clarification.",
                                  date=datetime(2026, 2, 2, tzinfo=dt_timezone.utc))

        response = client.get("/corrections/")

        assert response.status_code == 200
        page = html(response)
        assert page.count("<h1") == 1 and "<h1>Corrections</h1>" in page
        assert page.index("Newer clarification.") < page.index("Older correction.")
        assert (f'<a href="{newer.article.get_absolute_url()}#correction-{newer.pk}">'
                f"{newer.article.headline}</a>") in page
        assert f'href="{older.article.get_absolute_url()}#correction-{older.pk}"' in page
        assert '<strong class="correction-kind">Clarification</strong>' in page
        assert '<time datetime="2026-02-02T00:00:00+00:00">Feb 2, 2026</time>' in page

    def test_corrections_of_stories_that_are_not_public_never_show(self, client):
        draft = ArticleFactory(draft=True, headline="Secret draft", slug="secret-draft")
        with time_machine.travel(NOW, tick=False):
            CorrectionFactory(text="Public fix.")
            scheduled = ArticleFactory(published_at=NOW + timedelta(hours=1),
                                       headline="Embargoed", slug="embargoed")
            CorrectionFactory(article=draft, text="Draft fix.")
            CorrectionFactory(article=scheduled, text="Scheduled fix.")

            page = html(client.get("/corrections/"))

        assert "Public fix." in page
        for hidden in ("Draft fix.", "Scheduled fix.", "Secret draft", "secret-draft",
                       "Embargoed", "embargoed"):
            assert hidden not in page

    def test_paginated_by_20(self, client):
        article = ArticleFactory()
        for day in range(25):
            CorrectionFactory(article=article, text=f"Fix number {day:02d}.",
                              date=datetime(2026, 1, 1, tzinfo=dt_timezone.utc)
                              + timedelta(days=day))
        first = html(client.get("/corrections/"))
        second = html(client.get("/corrections/?page=2"))
        assert "Fix number 24." in first and "Fix number 05." in first
        assert "Fix number 04." not in first
        assert "Fix number 04." in second and "Fix number 00." in second
        assert "Page 2 of 2" in second
        assert 'href="?page=2"' in first

    @pytest.mark.parametrize("page", ["0", "3", "-1", "abc", "1.5", "", "last", "9" * 5000])
    def test_bad_page_numbers_are_404(self, client, page):
        CorrectionFactory()
        assert client.get("/corrections/", {"page": page}).status_code == 404

    def test_empty_log(self, client):
        response = client.get("/corrections/")
        assert response.status_code == 200
        assert "No corrections have been published." in html(response)

    def test_query_count_does_not_grow_with_the_log(self, client):
        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/corrections/").status_code == 200
            return len(queries)

        for _ in range(3):
            CorrectionFactory()
        small = count()
        for _ in range(30):
            CorrectionFactory()
        # The count, the page of corrections with their stories, the sections for the nav.
        assert small == count() == 3

    def test_footer_links_to_the_log(self, client):
        page = html(client.get("/"))
        assert '<a href="/corrections/">Corrections</a>' in page


def test_ai_persona_page_counts_corrections_on_its_public_stories(client):
    persona = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    public = ArticleFactory(author=persona)
    CorrectionFactory(article=public)
    CorrectionFactory(article=public)
    CorrectionFactory(article=ArticleFactory(author=persona, draft=True))
    CorrectionFactory(article=ArticleFactory(author=persona, scheduled=True))
    CorrectionFactory()  # another author's

    page = html(client.get("/authors/li-wei/"))

    disclosure = re.search(r'<section id="ai-disclosure".*?</section>', page, re.S).group(0)
    assert "Corrections on this persona’s stories: 2." in disclosure
    assert 'href="/corrections/"' in disclosure


def test_author_page_query_count_is_unchanged_by_the_correction_count(
        client, django_assert_num_queries):
    persona = AuthorFactory(ai=True, slug="li-wei")
    CorrectionFactory(article=ArticleFactory(author=persona))
    # The author (with the count), the page count, the stories, the sections for the nav.
    with django_assert_num_queries(4):
        client.get("/authors/li-wei/")
