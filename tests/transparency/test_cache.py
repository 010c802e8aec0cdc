"""The report is cached like every public page, and right after any decision."""

from datetime import timedelta

import pytest
import time_machine

from comments.models import Comment
from comments.moderation import decide_comments
from core import pagecache
from standards.models import BiasReport
from standards.workflow import decide_bias_report
from tests.factories import (ArticleFactory, BiasReportFactory, CommentFactory,
                             CorrectionFactory, UserFactory)

from .conftest import NOW, tables

pytestmark = pytest.mark.django_db

URL = "/transparency/"


@pytest.fixture(autouse=True)
def page_cache_on(settings, clock):
    settings.PAGE_CACHE_ENABLED = True
    pagecache._local.clear()


def _row(client, table):
    response = client.get(URL)
    found, _ = tables(response)
    # March's own row, or the folded row that ends with it when nothing was counted.
    return response["X-Page-Cache"], next(
        cells for name, cells in found[table].items() if name.endswith("March 2026"))


def test_a_second_request_is_a_hit_without_queries(client, django_assert_num_queries):
    ArticleFactory()
    assert client.get(URL)["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert client.get(URL)["X-Page-Cache"] == "hit"


def test_a_bias_report_decision_shows_at_once(client, django_capture_on_commit_callbacks):
    report = BiasReportFactory(article=ArticleFactory())
    assert _row(client, "reports-table-title") == ("miss", ["1", "0", "0", "1", "—"])
    assert _row(client, "reports-table-title")[0] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, UserFactory(is_staff=True))
    assert _row(client, "reports-table-title") == ("miss", ["1", "1", "0", "0", "0.0"])


def test_a_comment_decision_shows_at_once(client, django_capture_on_commit_callbacks):
    comment = CommentFactory(article=ArticleFactory(), status=Comment.Status.PENDING)
    assert _row(client, "comments-table-title")[1][2] == "1 (100.0%)"
    assert _row(client, "comments-table-title")[0] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        decide_comments([comment], Comment.Status.HIDDEN, UserFactory(is_staff=True))
    cache, row = _row(client, "comments-table-title")
    assert cache == "miss" and row == ["1", "0 (0.0%)", "0 (0.0%)", "1 (100.0%)"]


def test_a_new_comment_alone_does_not_empty_the_cache(client):
    """Chosen: "comments received" may lag by one page lifetime (standards/urls.py)."""
    story = ArticleFactory()
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False):  # rendered after the story
        client.get(URL)
        CommentFactory(article=story)
        assert _row(client, "comments-table-title")[0] == "hit"


def test_a_correction_citing_a_report_shows_at_once(client):
    story = ArticleFactory()
    report = BiasReportFactory(article=story, status="upheld")
    assert _row(client, "corrections-table-title") == (
        "miss", ["None in any of these 12 months"])
    CorrectionFactory(article=story, bias_report=report)
    assert _row(client, "corrections-table-title") == ("miss", ["1", "0", "0", "1"])
