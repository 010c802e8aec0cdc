"""A story's review record, an AI persona's beside the newsroom's, and the links to the report."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from standards.models import Correction
from tests.articles.test_views import PAGE_BUDGETS
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory,
                             CorrectionFactory)

pytestmark = pytest.mark.django_db

LINE = re.compile(r"Bias reports: \d+ reviewed, \d+ upheld")


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_no_record_while_every_report_is_open(client):
    story = ArticleFactory()
    BiasReportFactory(article=story)
    BiasReportFactory(article=story, status="in_review")
    html = page(client, story.get_absolute_url())
    assert not LINE.search(html) and "review-record" not in html


def test_record_once_a_report_is_decided_counting_decided_reports_only(client):
    story = ArticleFactory()
    BiasReportFactory(article=story, status="dismissed")
    BiasReportFactory(article=story)  # still open: not shown
    BiasReportFactory(article=ArticleFactory(), status="upheld")  # another story
    html = page(client, story.get_absolute_url())
    assert LINE.findall(html) == ["Bias reports: 1 reviewed, 0 upheld"]
    assert "What followed" not in html


def test_record_after_the_corrections_linking_to_those_that_followed(client):
    story = ArticleFactory()
    upheld = BiasReportFactory(article=story, status="upheld")
    BiasReportFactory(article=story, status="upheld")
    BiasReportFactory(article=story, status="dismissed")
    earlier = CorrectionFactory(article=story, text="An unrelated fix.")
    followed = CorrectionFactory(article=story, bias_report=upheld,
                                 kind=Correction.Kind.CLARIFICATION, text="We reworded it.")
    html = page(client, story.get_absolute_url())
    assert "Bias reports: 3 reviewed, 2 upheld" in html
    record = html[html.index('id="review-record"'):]
    assert html.index("We reworded it.") < html.index('id="review-record"')
    assert f'href="#correction-{followed.pk}"' in record
    assert f'href="#correction-{earlier.pk}"' not in record
    assert 'href="/transparency/#bias-reports"' in record


def test_the_article_page_keeps_its_query_budget(client, django_assert_num_queries):
    story = ArticleFactory(tags=["ports"])
    ArticleFactory(tags=["ports"])
    report = BiasReportFactory(article=story, status="upheld")
    CorrectionFactory(article=story, bias_report=report)
    with django_assert_num_queries(PAGE_BUDGETS["ARTICLE"]):
        html = page(client, story.get_absolute_url())
    assert "Bias reports: 1 reviewed, 1 upheld" in html


def test_ai_persona_page_beside_the_newsroom_average(client):
    persona = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    human = AuthorFactory(name="Ines", slug="ines")
    mine = [ArticleFactory(author=persona) for _ in range(4)]
    theirs = [ArticleFactory(author=human) for _ in range(6)]
    BiasReportFactory(article=mine[0], status="upheld")
    BiasReportFactory(article=mine[1], status="dismissed")
    BiasReportFactory(article=mine[1])  # open: not counted
    BiasReportFactory(article=theirs[0], status="dismissed")
    # Not public: neither the story nor its report counts anywhere.
    hidden = ArticleFactory(author=persona, draft=True)
    BiasReportFactory(article=hidden, status="upheld")
    html = page(client, "/authors/li-wei/")
    assert "Bias reports: 2 reviewed, 1 upheld, on this persona’s 4 public stories." in html
    # Per 10 stories: 2 and 1 of 4 stories; newsroom 3 and 1 of 10.
    assert ("Per 10 stories: 5.0 reviewed and 2.5 upheld; newsroom average: 3.0 reviewed "
            "and 1.0 upheld, across all 10 public stories.") in html
    assert 'href="/transparency/"' in html
    assert not LINE.search(page(client, "/authors/ines/"))  # people's pages do not


def test_author_page_keeps_its_query_budget(client):
    persona = AuthorFactory(ai=True, slug="a0")
    for _ in range(3):
        BiasReportFactory(article=ArticleFactory(author=persona), status="upheld")
    with CaptureQueriesContext(connection) as ctx:
        page(client, "/authors/a0/")
    assert len(ctx.captured_queries) == PAGE_BUDGETS["/authors/a0/"]


def test_footer_and_standards_link_to_the_report(client):
    for url in ("/", "/articles/", "/standards/", "/transparency/"):
        assert '<a href="/transparency/">Transparency report</a>' in page(client, url), url
    standards = " ".join(page(client, "/standards/").split())
    assert "<strong>Counted in public.</strong> Our <a href=\"/transparency/\"" in standards
    assert "the story shows how many reports on it were reviewed and how many upheld" in standards
    assert standards.count('href="/transparency/"') == 3  # AI policy, bias reports, footer
