"""standards/transparency.py: quiet months folded, equal totals shown once, no figure lost."""

import copy

import pytest

from standards import figures, transparency
from standards.models import BiasReport
from tests.factories import ArticleFactory, AuthorFactory, BiasReportFactory, CorrectionFactory

from .conftest import tables, utc

URL = "/transparency/"


def _month(year, month, **blocks):
    """A month's figures as figures.compute() gives them, all zero but for `blocks`."""
    period = figures.month_period(year, month)
    block = figures._empty(period, [("factual_error", "Factual error"), ("other", "Other")])
    block["comments"] = {"received": 0, "approved": 0, "held": 0, "hidden": 0,
                         "share_approved": None, "share_held": None, "share_hidden": None}
    for name, values in blocks.items():
        block[name].update(values)
    return block


def _year(busy):
    """April 2025 to March 2026, with one story in each month of `busy` (by month number)."""
    months = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]
    return [_month(y, m, stories={"total": 1}) if m in busy else _month(y, m)
            for y, m in months]


def test_a_block_is_quiet_when_every_number_in_it_is_zero_or_missing():
    assert transparency.is_quiet(_month(2026, 1)["bias_reports"])  # medians are None
    assert transparency.is_quiet(_month(2026, 1)["comments"])  # shares are None
    assert not transparency.is_quiet(_month(2026, 1, stories={"total": 1})["stories"])
    reasons = _month(2026, 1)["bias_reports"]
    reasons["by_reason"][1]["open"] = 1  # deep in a list: still counted
    assert not transparency.is_quiet(reasons)
    assert not transparency.is_quiet({"median_days_to_decision": 0.5})
    assert transparency.is_quiet({"label": "Other", "flag": False})


def test_runs_of_quiet_months_fold_into_one_row_each():
    rows = transparency.month_rows(_year(busy={6, 1}), "stories")
    assert [(row["label"], row["months"], row["figures"] is None) for row in rows] == [
        ("April to May 2025", 2, True),
        ("June 2025", 1, False),
        ("July to December 2025", 6, True),
        ("January 2026", 1, False),
        ("February to March 2026", 2, True),
    ]
    assert rows[1]["figures"]["stories"]["total"] == 1


def test_folding_loses_no_month():
    months = _year(busy={4, 5, 9, 3})
    for name in transparency.BLOCKS:
        rows = transparency.month_rows(months, name)
        assert sum(row["months"] for row in rows) == 12
        shown = [row["figures"]["key"] for row in rows if row["figures"]]
        assert shown == [m["key"] for m in months if not transparency.is_quiet(m[name])]


def test_a_quiet_month_alone_keeps_its_name_and_a_busy_year_folds_nothing():
    rows = transparency.month_rows(_year(busy=set(range(1, 13)) - {8}), "stories")
    assert len(rows) == 12
    assert rows[4] == {"label": "August 2025", "figures": None, "months": 1}
    assert all(row["figures"] for index, row in enumerate(rows) if index != 4)
    quiet_year = transparency.month_rows(_year(busy=set()), "stories")
    assert quiet_year == [{"label": "April 2025 to March 2026", "figures": None, "months": 12}]


def test_a_run_across_new_year_names_both_years():
    months = _year(busy=set())
    assert transparency.span_label(months[8], months[10]) == "December 2025 to February 2026"
    assert transparency.span_label(months[0], months[2]) == "April to June 2025"
    assert transparency.span_label(months[5], months[5]) == "September 2025"


def _totals(before=None):
    """The last 12 months and all time; all time adds `before` (blocks counted earlier)."""
    last_12 = _month(2026, 3, stories={"total": 2}, corrections={"total": 1, "correction": 1})
    last_12.update(key="last-12-months", label="Last 12 months")
    all_time = copy.deepcopy(last_12)
    all_time.update(key="all-time", label="All time")
    for name, values in (before or {}).items():
        all_time[name].update(values)
    return [last_12, all_time]


def test_equal_totals_are_one_row_that_names_both():
    totals = _totals()
    rows = transparency.total_rows(totals, "stories")
    assert rows == [{"key": "both-totals", "label": "Last 12 months and all time",
                     "figures": totals[1]}]
    assert transparency.same_totals(totals, *transparency.BLOCKS)


def test_totals_that_differ_are_both_shown():
    totals = _totals(before={"stories": {"total": 5}})
    assert [row["label"] for row in transparency.total_rows(totals, "stories")] == [
        "Last 12 months", "All time"]
    assert [row["figures"] for row in transparency.total_rows(totals, "stories")] == totals
    # Only the stories differ: the other tables still show one row.
    layout = transparency.tables(_year(busy={3}), totals)
    assert [len(layout[name]["totals"]) for name in transparency.BLOCKS] == [2, 1, 1, 1]
    assert not transparency.same_totals(totals, *transparency.BLOCKS)


def test_the_layout_leaves_the_figures_as_they_were():
    """The JSON export and the charts read the same dicts: folding must not touch them."""
    months, totals = _year(busy={6, 2}), _totals(before={"comments": {"received": 3}})
    before = copy.deepcopy((months, totals))
    transparency.tables(months, totals)
    transparency.total_rows(totals, "stories", "ai_personas")
    assert (months, totals) == before


# The page, for a site younger than a year (the demo) and one older (conftest's newsroom).

@pytest.fixture
def young_site(clock):
    """Stories, a report and a correction in February and March 2026 only."""
    author = AuthorFactory(ai=True, name="Ada Persona", slug="ada")
    story = ArticleFactory(author=author, ai_involvement="generated",
                           published_at=utc(2026, 3, 2, 15))
    ArticleFactory(published_at=utc(2026, 2, 2, 15))
    report = BiasReportFactory(article=story, reason="factual_error", status="upheld",
                               created_at=utc(2026, 3, 3, 12), resolved_at=utc(2026, 3, 5, 12))
    CorrectionFactory(article=story, bias_report=report, date=utc(2026, 3, 5, 13))


@pytest.mark.django_db
def test_a_young_site_shows_each_total_once_and_says_why(client, young_site):
    response = client.get(URL)
    found, headers = tables(response)
    page = response.content.decode()
    assert ("Nothing counted here is older than April 2025, so the last 12 months and all "
            "time are the same: each table shows them once, as “Last 12 months and all "
            "time”.") in page
    assert list(found["stories-table-title"]) == [
        "April 2025 to January 2026", "February 2026", "March 2026",
        "Last 12 months and all time"]
    assert found["stories-table-title"]["Last 12 months and all time"] == [
        "1", "0", "1", "1", "1", "2"]
    assert list(found["reports-table-title"]) == [
        "April 2025 to February 2026", "March 2026", "Last 12 months and all time"]
    assert found["reports-table-title"]["April 2025 to February 2026"] == [
        "None in any of these 11 months"]
    assert found["comments-table-title"] == {
        "April 2025 to March 2026": ["None in any of these 12 months"],
        "Last 12 months and all time": ["0", "0 (—)", "0 (—)", "0 (—)"]}
    # The byline table has one column, and the reasons one table.
    assert headers["personas-table-title"] == ["Byline", "Last 12 months and all time"]
    assert found["personas-table-title"]["Ada Persona (AI persona)"] == ["1"]
    assert [name for name in found if name.startswith("reasons-")] == [
        "reasons-both-totals-title"]
    assert found["reasons-both-totals-title"]["Factual error"] == ["1", "1", "0", "0", "2.0"]
    assert "Bias reports by reason: last 12 months and all time" in page
    # Still every chart, each month a column.
    assert page.count('class="chart-bar"') == 4 * 12 + len(BiasReport.Reason.choices)


@pytest.mark.django_db
def test_an_older_site_shows_both_totals_and_no_young_site_note(client, newsroom):
    response = client.get(URL)
    found, headers = tables(response)
    page = response.content.decode()
    assert "Nothing counted here is older than" not in page
    assert "Last 12 months and all time" not in page
    assert headers["personas-table-title"] == ["Byline", "Last 12 months", "All time"]
    assert {"reasons-last-12-months-title", "reasons-all-time-title"} <= set(found)
    for table in ("stories", "reports", "corrections", "comments"):
        assert list(found[f"{table}-table-title"])[-2:] == ["Last 12 months", "All time"]


@pytest.mark.django_db
def test_only_the_tables_that_agree_are_merged(client, young_site):
    """A story from 2024 makes the stories' totals differ; the others still agree."""
    ArticleFactory(published_at=utc(2024, 5, 1, 12))
    found, headers = tables(client.get(URL))
    page = client.get(URL).content.decode()
    assert list(found["stories-table-title"])[-2:] == ["Last 12 months", "All time"]
    assert headers["personas-table-title"] == ["Byline", "Last 12 months", "All time"]
    assert list(found["reports-table-title"])[-1] == "Last 12 months and all time"
    assert "Nothing counted here is older than" not in page
    assert ("Where a table counted nothing before April 2025, its last 12 months and all "
            "time are the same and are shown once") in page
