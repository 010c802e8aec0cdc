"""/transparency/: a row's comment shares add up to 100.0%, and large counts stay legible."""

import json
import re
from datetime import datetime, timedelta, timezone as dt_timezone
from itertools import product

import pytest
import time_machine
from django.core.management import call_command

from comments import transparency as comment_transparency
from core.periods import shares
from standards.charts import compact
from tests.factories import ArticleFactory, CommentFactory
from tests.transparency.conftest import tables

URL = "/transparency/"
NOW = datetime(2026, 3, 10, 16, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def clock(settings):
    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(NOW, tick=False):
        yield


# Shares -------------------------------------------------------------------------------

@pytest.mark.parametrize(("parts", "expected"), [
    ([1, 1, 4], [16.7, 16.7, 66.6]),  # each rounded alone: 16.7 + 16.7 + 66.7 = 100.1
    ([1, 1, 1], [33.4, 33.3, 33.3]),  # each rounded alone: 99.9
    ([4, 1, 1], [66.6, 16.7, 16.7]),  # equal parts keep equal shares
    ([3, 1, 1], [60.0, 20.0, 20.0]),
    ([6, 1, 2], [66.7, 11.1, 22.2]),
    ([1, 0, 0], [100.0, 0.0, 0.0]),
    ([1_000_000, 33, 0], [100.0, 0.0, 0.0]),
    ([0, 0, 0], [None, None, None]),
])
def test_shares_of_one_row_add_up_to_exactly_100(parts, expected):
    assert shares(parts) == expected


def test_every_row_of_small_counts_adds_up_and_each_share_is_within_a_tenth():
    for parts in product(range(13), repeat=3):
        found = shares(list(parts))
        if not sum(parts):
            continue
        assert sum(round(share * 10) for share in found) == 1000, parts
        for part, share in zip(parts, found):
            assert abs(share - 100 * part / sum(parts)) < 0.1, parts


@pytest.mark.django_db
def test_the_report_shows_comment_shares_that_add_up_to_100(client, clock):
    story = ArticleFactory(published_at=NOW - timedelta(days=60))
    march = NOW - timedelta(days=2)
    for status in ["approved", "pending", "hidden", "hidden", "hidden", "hidden"]:
        CommentFactory(article=story, status=status, created_at=march)
    february = datetime(2026, 2, 10, 15, tzinfo=dt_timezone.utc)
    for status in ["approved", "pending", "hidden"]:
        CommentFactory(article=story, status=status, created_at=february)

    comments = tables(client.get(URL))[0]["comments-table-title"]
    assert comments["March 2026"] == ["6", "1 (16.7%)", "1 (16.7%)", "4 (66.6%)"]
    assert comments["February 2026"] == ["3", "1 (33.4%)", "1 (33.3%)", "1 (33.3%)"]
    assert comments["Last 12 months and all time"] == [
        "9", "2 (22.2%)", "2 (22.2%)", "5 (55.6%)"]


# Large counts --------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "label"), [
    (0, "0"), (950, "950"), (1_000, "1k"), (1_200, "1.2k"), (9_949, "9.9k"), (12_000, "12k"),
    (999_499, "999k"),
    (999_500, "1M"),  # was "1000k"
    (1_000_033, "1M"), (1_049_999, "1M"), (1_050_000, "1.1M"), (1_500_000, "1.5M"),
    (9_949_999, "9.9M"), (9_950_000, "10M"), (12_345_678, "12M"), (250_000_000, "250M"),
])
def test_compact_labels_have_a_millions_step(n, label):
    assert compact(n) == label


def _counted_a_million(queryset, field, periods, group_by, **extra):
    """comment_figures' query, answered with a million comments and more in every period."""
    return [{"status": status, **{f"p{i}": n for i in range(len(periods))}}
            for status, n in (("approved", 1_000_000), ("pending", 33), ("hidden", 0))]


@pytest.mark.django_db
def test_large_counts_have_thousands_separators_in_tables_and_millions_in_charts(
        client, clock, monkeypatch):
    monkeypatch.setattr(comment_transparency, "counted", _counted_a_million)
    response = client.get(URL)
    comments = tables(response)[0]["comments-table-title"]
    assert comments["March 2026"] == [
        "1,000,033", "1,000,000 (100.0%)", "33 (0.0%)", "0 (0.0%)"]
    page = response.content.decode()
    assert "1000033" not in page and "1000000" not in page and "1000k" not in page
    # The comments chart: each column's total, its axis, and the column's title.
    chart = page[page.index('id="chart-comments-title"'):]
    chart = chart[:chart.index("</svg>")]
    assert re.findall(r'class="chart-value"[^>]*>([^<]*)<', chart) == ["1M"] * 12
    assert re.findall(r'class="chart-axis-label"[^>]*>([^<]*)<', chart) == [
        "0", "500k", "1M", "1.5M"]
    assert "<title>March 2026: 1,000,000 approved, 33 held for review, 0 hidden</title>" in chart


@pytest.mark.django_db
def test_the_json_export_keeps_raw_numbers(clock, monkeypatch, capsys):
    monkeypatch.setattr(comment_transparency, "counted", _counted_a_million)
    call_command("export_transparency", "--month", "2026-03")
    assert json.loads(capsys.readouterr().out)["comments"] == {
        "received": 1_000_033, "approved": 1_000_000, "held": 33, "hidden": 0,
        "share_approved": 100.0, "share_held": 0.0, "share_hidden": 0.0}
