"""/transparency/: every figure against a known newsroom, month boundaries, query count."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.periods import Period
from standards import figures
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory,
                             CommentFactory, CorrectionFactory, UserFactory)
from tests.markup import parse_html

from .conftest import NOW, tables, utc

pytestmark = pytest.mark.django_db

URL = "/transparency/"
# Nothing public happened from April to December 2025: one folded row.
QUIET = "April to December 2025"
QUIET_ROW = ["None in any of these 9 months"]


def test_stories_by_ai_involvement_and_byline(client, newsroom):
    found, headers = tables(client.get(URL))
    stories = found["stories-table-title"]
    assert headers["stories-table-title"] == [
        "Month", "Written by people", "AI-assisted", "AI-generated", "By AI personas",
        "By human authors", "Total"]
    assert list(stories) == [QUIET, "January 2026", "February 2026", "March 2026",
                             "Last 12 months", "All time"]
    assert stories["March 2026"] == ["1", "1", "1", "2", "1", "3"]
    assert stories["February 2026"] == ["1", "1", "0", "0", "2", "2"]  # with the 22:00 story
    assert stories["January 2026"] == ["0", "0", "1", "1", "0", "1"]  # persona's "none"
    assert stories[QUIET] == QUIET_ROW
    assert stories["Last 12 months"] == ["2", "2", "2", "3", "3", "6"]
    assert stories["All time"] == ["3", "2", "2", "3", "4", "7"]


def test_stories_by_persona_leave_out_what_is_not_public(client, newsroom):
    response = client.get(URL)
    found, headers = tables(response)
    bylines = found["personas-table-title"]
    assert headers["personas-table-title"] == ["Byline", "Last 12 months", "All time"]
    assert bylines == {
        "Ada Persona (AI persona)": ["2", "2"],
        "Zed Persona (AI persona)": ["1", "1"],
        "All AI personas": ["3", "3"],
        "All human authors": ["3", "4"],
    }
    page = response.content.decode()
    assert 'href="/authors/ada/"' in page
    # Only a scheduled story: the persona is not named.
    assert "Ghost Persona" not in page and "Embargoed" not in page
    assert "Secret draft" not in page


def test_bias_reports_by_month_with_outcomes_and_median_days(client, newsroom):
    found, headers = tables(client.get(URL))
    reports = found["reports-table-title"]
    assert headers["reports-table-title"] == [
        "Month", "Received", "Upheld", "Dismissed", "Still open", "Median days to decision"]
    # Medians: March 2 and 1 days; February 4; January 1 (23:30 on the 31st).
    assert reports["March 2026"] == ["4", "1", "1", "2", "1.5"]
    assert reports["February 2026"] == ["1", "1", "0", "0", "4.0"]
    assert reports["January 2026"] == ["1", "0", "1", "0", "1.0"]
    assert list(reports) == [QUIET, "January 2026", "February 2026", "March 2026",
                             "Last 12 months", "All time"]
    assert reports[QUIET] == QUIET_ROW
    assert reports["Last 12 months"] == ["6", "2", "2", "2", "1.5"]
    assert reports["All time"] == ["7", "2", "3", "2", "2.0"]  # with the 10-day one


def test_bias_reports_by_reason(client, newsroom):
    found, _ = tables(client.get(URL))
    recent = found["reasons-last-12-months-title"]
    assert recent == {
        "Political slant": ["2", "0", "0", "2", "—"],
        "One-sided sourcing": ["0", "0", "0", "0", "—"],
        "Loaded language": ["1", "0", "1", "0", "1.0"],
        "Factual error": ["2", "2", "0", "0", "3.0"],
        "Missing context": ["1", "0", "1", "0", "1.0"],
        "Other": ["0", "0", "0", "0", "—"],
        "Last 12 months": ["6", "2", "2", "2", "1.5"],
    }
    ever = found["reasons-all-time-title"]
    assert ever["Other"] == ["1", "0", "1", "0", "10.0"]
    assert ever["Factual error"] == ["2", "2", "0", "0", "3.0"]
    assert ever["All time"] == ["7", "2", "3", "2", "2.0"]


def test_corrections_and_those_after_an_upheld_report(client, newsroom):
    found, headers = tables(client.get(URL))
    corrections = found["corrections-table-title"]
    assert headers["corrections-table-title"] == [
        "Month", "Corrections", "Clarifications", "Editor’s notes",
        "After an upheld bias report"]
    # The second March correction cites a dismissed report.
    assert corrections["March 2026"] == ["2", "0", "1", "1"]
    assert corrections["February 2026"] == ["0", "1", "0", "1"]
    # January had stories and reports but no correction: it folds in with 2025.
    assert list(corrections) == ["April 2025 to January 2026", "February 2026", "March 2026",
                                 "Last 12 months", "All time"]
    assert corrections["April 2025 to January 2026"] == ["None in any of these 10 months"]
    assert corrections["Last 12 months"] == ["2", "1", "1", "2"]
    assert corrections["All time"] == ["3", "1", "1", "2"]


def test_comments_received_and_shares(client, newsroom):
    found, headers = tables(client.get(URL))
    comments = found["comments-table-title"]
    assert headers["comments-table-title"] == [
        "Month", "Received", "Approved", "Held for review", "Hidden"]
    assert comments["March 2026"] == ["5", "3 (60.0%)", "1 (20.0%)", "1 (20.0%)"]
    # With the comment made at 23:59 on February 28 in New York.
    assert comments["February 2026"] == ["4", "3 (75.0%)", "0 (0.0%)", "1 (25.0%)"]
    assert list(comments) == ["April 2025 to January 2026", "February 2026", "March 2026",
                              "Last 12 months", "All time"]
    assert comments["Last 12 months"] == ["9", "6 (66.7%)", "1 (11.1%)", "2 (22.2%)"]
    assert comments["All time"] == ["10", "7 (70.0%)", "1 (10.0%)", "2 (20.0%)"]


def test_charts_are_svg_drawn_from_the_same_figures(client, newsroom):
    page = client.get(URL).content.decode()
    for chart in ("chart-stories", "chart-reports", "chart-reasons", "chart-corrections",
                  "chart-comments"):
        assert f'role="img" aria-labelledby="{chart}-title"' in page
        assert f'<title id="{chart}-title">' in page
    assert page.count("<svg") >= 5
    # March's column: 3 stories, its hover title listing each series.
    assert "March 2026: 1 written by people, 1 AI-assisted, 1 AI-generated" in page
    assert "Factual error: 2 upheld, 0 dismissed, 0 still open" in page


def test_no_script_no_inline_style_and_its_stylesheet(client, newsroom):
    response = client.get(URL)
    page = parse_html(response)
    assert page.inline_handlers == [] and page.styles == 0
    assert [a for a, _ in page.scripts if a.get("type") != "application/ld+json"] == []
    assert any(href.endswith("css/transparency.css") for _, href, _ in page.links)
    assert "<title>Transparency report · EVA DAILY</title>" in response.content.decode()


def test_nothing_identifies_a_reader(client, newsroom):
    page = client.get(URL).content.decode()
    assert "someone" not in page and "@example.org" not in page


def test_figures_match_the_page_for_the_export(newsroom):
    """The JSON export reads the same figures: one month, as plain data."""
    march = figures.compute([figures.month_period(2026, 3)])[0]
    assert march["stories"] == {"total": 3,
                                "by_ai_involvement": {"none": 1, "assisted": 1, "generated": 1},
                                "by_byline": {"ai_persona": 2, "human": 1}}
    assert march["ai_personas"] == [{"name": "Ada Persona", "slug": "ada", "stories": 1},
                                    {"name": "Zed Persona", "slug": "zed", "stories": 1}]
    assert march["bias_reports"]["median_days_to_decision"] == 1.5
    assert march["corrections"]["after_upheld_bias_report"] == 1
    assert march["comments"]["share_held"] == 20.0


def test_a_decision_counts_in_the_month_it_was_reported_to_the_second(clock):
    """A month starts at its first instant and ends just before the next month's."""
    story = ArticleFactory(published_at=utc(2026, 1, 5))
    march_starts = utc(2026, 3, 1, 5)  # midnight in New York
    for created, days in ((march_starts, 3), (march_starts - timedelta(seconds=1), 7),
                          (march_starts + timedelta(seconds=1), 5)):
        BiasReportFactory(article=story, status="dismissed", created_at=created,
                          resolved_at=created + timedelta(days=days))
    february, march, both = figures.compute([
        figures.month_period(2026, 2), figures.month_period(2026, 3),
        Period("both", "Both", utc(2026, 2, 1, 5), utc(2026, 4, 1, 4))])
    assert february["bias_reports"]["median_days_to_decision"] == 7.0
    assert march["bias_reports"]["median_days_to_decision"] == 4.0
    assert both["bias_reports"]["median_days_to_decision"] == 5.0


@pytest.mark.parametrize(("published_at", "rows"), [
    # 23:59 on February 28 in Auckland
    (utc(2026, 2, 28, 10, 59), ["April 2025 to January 2026", "February 2026", "March 2026"]),
    # midnight, March 1, in Auckland
    (utc(2026, 2, 28, 11, 0), ["April 2025 to February 2026", "March 2026"]),
])
def test_month_boundaries_east_of_utc(client, settings, published_at, rows):
    settings.TIME_ZONE = "Pacific/Auckland"
    with time_machine.travel(utc(2026, 3, 15, 0), tick=False):
        ArticleFactory(published_at=published_at)
        found, _ = tables(client.get(URL))
    stories = found["stories-table-title"]
    month = "February 2026" if "February 2026" in rows else "March 2026"
    assert list(stories) == [*rows, "Last 12 months and all time"]
    assert stories[month][-1] == "1"
    # The month without the story is folded: alone, or with the months before it.
    assert [stories[row] for row in rows if row != month] == (
        [["None in any of these 10 months"], ["None"]] if month == "February 2026"
        else [["None in any of these 11 months"]])


def test_the_current_month_is_the_local_one(client, settings):
    """At 23:30 on March 31 in New York it is already April in UTC."""
    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(utc(2026, 4, 1, 3, 30), tick=False):
        ArticleFactory(published_at=utc(2026, 4, 1, 3, 0))  # 23:00 on March 31
        found, _ = tables(client.get(URL))
    stories = found["stories-table-title"]
    assert list(stories) == ["April 2025 to February 2026", "March 2026",
                             "Last 12 months and all time"]
    assert stories["March 2026"][-1] == "1"


def test_months_across_a_year_and_a_daylight_saving_change(settings):
    settings.TIME_ZONE = "Europe/Paris"
    periods = figures.recent_periods(utc(2026, 1, 20, 12))
    assert [p.key for p in periods[:2]] == ["2025-02", "2025-03"]
    assert [p.key for p in periods[-4:]] == ["2025-12", "2026-01", "last-12-months",
                                               "all-time"]
    march = periods[1]
    assert march.start == utc(2025, 2, 28, 23)  # midnight in Paris, winter time
    assert march.end == utc(2025, 3, 31, 22)  # midnight in Paris, summer time
    assert periods[-2].start == periods[0].start and periods[-1].start is None
    assert periods[-1].end == periods[-2].end == periods[-3].end


def _grow(step):
    """A month's worth of everything, `step` months ago, on one new story each time."""
    when = NOW - timedelta(days=31 * step)
    author = AuthorFactory(ai=step % 2 == 0)
    story = ArticleFactory(author=author, published_at=when,
                           ai_involvement=("none", "assisted", "generated")[step % 3])
    report = BiasReportFactory(article=story, created_at=when,
                               status=("new", "upheld", "dismissed")[step % 3],
                               resolved_at=when + timedelta(days=step) if step % 3 else None,
                               reason=("factual_error", "other")[step % 2])
    CorrectionFactory(article=story, bias_report=report, date=when + timedelta(days=1))
    reader = UserFactory()
    for status in ("approved", "pending", "hidden"):
        CommentFactory(article=story, reader=reader, status=status, created_at=when)


def _queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_stays_the_same_as_the_data_grows(client, clock):
    empty = _queries(client)
    for step in range(3):
        _grow(step)
    small = _queries(client)
    for step in range(3, 30):
        _grow(step)
    large = _queries(client)
    # Six figure queries and the navigation's sections.
    assert empty == small == large == 7
