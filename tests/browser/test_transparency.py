"""The transparency report in a real Chromium: accessible, legible at 320 px, dark and print.

With the demo newsroom (issue 17), at 1280 and 390 px, light and dark: quiet
months folded and equal totals shown once keep the page short, charts are as
wide as the text, and wide tables scroll inside a box whose edge shows a
shade while columns lie beyond it. Screenshots go to screenshots/issue-17/.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from demo import illustrations
from standards.models import Correction
from tests.browser import axe
from tests.browser.shots import each_look
from tests.factories import (ArticleFactory, BiasReportFactory, CommentFactory,
                             CorrectionFactory, UserFactory)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
SHOTS = Path(settings.BASE_DIR) / "screenshots" / "issue-17"
# The report's height (article.transparency, without the site's header and
# footer) in CSS pixels with the demo newsroom before issue 17, measured on
# that commit: every month a row in every table, both totals shown twice.
OLD_HEIGHT = {1280: 6064, 390: 6510}


@pytest.fixture
def record(newsroom):
    """Reports, corrections and comments spread over the last months, on public stories."""
    now = timezone.now()
    stories = [newsroom["lead"], *newsroom["others"]]
    reader = UserFactory(username="reader")
    for index, story in enumerate(stories):
        when = now - timedelta(days=30 * index + 1)
        status = ("upheld", "dismissed", "new")[index % 3]
        report = BiasReportFactory(
            article=story, created_at=when, status=status,
            resolved_at=when + timedelta(days=index) if status != "new" else None,
            reason=("factual_error", "political_slant", "missing_context")[index % 3])
        if status == "upheld":
            CorrectionFactory(article=story, bias_report=report, date=when + timedelta(days=2),
                              kind=Correction.Kind.CLARIFICATION)
        for comment_status in ("approved",) * (index + 2) + ("pending", "hidden"):
            CommentFactory(article=story, reader=reader, status=comment_status, created_at=when)
    return newsroom


@pytest.fixture
def demo(roles, monkeypatch):
    """The demo newsroom (seed_demo) with small pictures: a site a few weeks old."""
    monkeypatch.setattr(illustrations, "HERO_SIZE", (356, 200))
    monkeypatch.setattr(illustrations, "AVATAR_SIZE", 48)
    call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())


def test_axe_finds_no_serious_problems(live_server, record, new_page):
    page = new_page()
    assert page.goto(live_server.url + "/transparency/").status == 200
    assert page.locator("svg.chart").count() == 5
    for color_scheme in ("light", "dark"):
        page.emulate_media(color_scheme=color_scheme)
        assert not axe.serious(page), (color_scheme, "\n".join(axe.serious(page)))


def test_charts_are_legible_at_320_pixels(live_server, record, new_page):
    page = new_page(width=320)
    page.goto(live_server.url + "/transparency/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    charts = page.locator("svg.chart")
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box
        # Every label at least 9 CSS pixels tall once the chart has narrowed.
        smallest = chart.evaluate("""svg => Math.min(...[...svg.querySelectorAll('text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))""")
        assert smallest >= 9, (index, smallest)
        # Month names side by side never touch.
        edges = chart.evaluate("""svg => [...svg.querySelectorAll('.chart-label:not(.chart-year)')]
            .map(t => t.getBoundingClientRect()).map(r => [r.left, r.right])""")
        for (_, right), (left, _) in zip(edges, edges[1:]):
            assert right <= left, edges


def test_tables_scroll_inside_themselves_and_can_be_reached(live_server, record, new_page):
    page = new_page(width=320)
    page.goto(live_server.url + "/transparency/")
    regions = page.locator(".table-scroll")
    # Stories, bylines, reports, reasons (both totals in one: nothing is a year
    # old), corrections, comments.
    assert regions.count() == 6
    first = regions.first
    assert first.evaluate("el => el.scrollWidth > el.clientWidth")  # wide: scrolls itself
    assert first.get_attribute("tabindex") == "0"
    assert first.get_attribute("role") == "region"


def test_dark_mode_and_print_follow_the_palette(live_server, record, new_page):
    fill = """() => [getComputedStyle(document.querySelector('svg.chart text.chart-label')).fill,
                     getComputedStyle(document.querySelector('svg.chart rect.chart-s1')).fill]"""
    light = new_page()
    light.goto(live_server.url + "/transparency/")
    dark = new_page(color_scheme="dark")
    dark.goto(live_server.url + "/transparency/")
    light_text, light_bar = light.evaluate(fill)
    dark_text, dark_bar = dark.evaluate(fill)
    assert light_text == "rgb(23, 22, 20)" and dark_text == "rgb(236, 235, 231)"
    assert light_bar != dark_bar
    dark.emulate_media(media="print")
    assert dark.evaluate(fill) == ["rgb(0, 0, 0)", "rgb(0, 0, 0)"]


# Issue 17: the demo newsroom, compact.

def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_demo_report_is_compact_with_charts_as_wide_as_the_text(
        live_server, demo, new_page):
    page = new_page()
    assert page.goto(live_server.url + "/transparency/").status == 200
    for width, scheme in each_look(page):
        height = page.locator("article.transparency").bounding_box()["height"]
        # The old report less the rows of zeros and the second copy of each total
        # (now about 3,980 px at 1280 and 4,840 px at 390).
        assert height < OLD_HEIGHT[width] * 0.8, (width, height)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), width
        # Quiet months are folded and said to be empty; the totals are shown once.
        assert page.locator("tr.quiet").count() >= 4
        assert page.get_by_text("Nothing counted here is older than").is_visible()
        assert page.locator("tfoot th", has_text="Last 12 months and all time").count() == 5
        # Each chart is as wide as the paragraph above it (the text column).
        text = page.locator(".transparency-block > p").first.bounding_box()
        charts = page.locator("svg.chart")
        assert charts.count() == 5
        for index in range(5):
            box = charts.nth(index).bounding_box()
            assert abs(box["x"] - text["x"]) <= 1 and abs(box["width"] - text["width"]) <= 1, (
                width, index, box, text)
            assert 180 <= box["height"] <= 260, box  # pixels, not scaled with the width
        # Text in the charts is never scaled: its size is the stylesheet's.
        sizes = page.evaluate("""[...document.querySelectorAll('svg.chart text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""")
        assert min(sizes) >= 10 and max(sizes) <= 12, (width, min(sizes), max(sizes))
        # Looked at in light and dark.
        _shot(page, f"transparency-{width}-{scheme}")
        assert not axe.findings(page), (width, scheme, "\n".join(axe.described(axe.findings(page))))


def _edges(page, region):
    """The shade the box's background paints at its left and right edges.

    The same screenshot with the box's background removed leaves the table
    itself, so what differs is the cue alone: the mean difference in the
    outermost 10 pixels on each side (0 to 255).
    """
    box = region.bounding_box()
    clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}
    with_cue = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L")
    region.evaluate("el => { el.dataset.background = el.style.background; "
                    "el.style.background = getComputedStyle(el).backgroundColor; }")
    without = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L")
    region.evaluate("el => { el.style.background = el.dataset.background; }")
    difference = ImageChops.difference(with_cue, without)
    w, h = difference.size
    left = ImageStat.Stat(difference.crop((0, 0, 10, h))).mean[0]
    right = ImageStat.Stat(difference.crop((w - 10, 0, w, h))).mean[0]
    return left, right


def test_wide_tables_scroll_in_their_box_with_a_visible_shade(live_server, demo, new_page):
    page = new_page(width=390)
    page.goto(live_server.url + "/transparency/")
    region = page.locator(".table-scroll").first
    phone = ((390, "light"), (390, "dark"))
    for _, color_scheme in each_look(page, looks=phone):
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-labelledby") == "stories-table-title"
        assert region.evaluate("el => el.scrollWidth > el.clientWidth + 40")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        region.scroll_into_view_if_needed()
        left, right = _edges(page, region)
        assert right > 8 and left < 1, (color_scheme, left, right)  # more columns to the right
        page.screenshot(path=str(SHOTS / f"transparency-table-start-390-{color_scheme}.png"),
                        clip=region.bounding_box())
    # The keyboard scrolls it too, and the shade moves to the other side.
    region.focus()
    at_end = "el => el.scrollLeft >= el.scrollWidth - el.clientWidth - 1"
    for _ in range(40):
        if region.evaluate(at_end):
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
    for _, color_scheme in each_look(page, looks=phone):
        assert region.evaluate(at_end)
        left, right = _edges(page, region)
        assert left > 8 and right < 1, (color_scheme, left, right)
        page.screenshot(path=str(SHOTS / f"transparency-table-end-390-{color_scheme}.png"),
                        clip=region.bounding_box())


def test_tables_that_fit_show_no_shade(live_server, demo, new_page):
    page = new_page(width=1280)
    page.goto(live_server.url + "/transparency/")
    regions = page.locator(".table-scroll")
    for index in range(regions.count()):
        region = regions.nth(index)
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
        region.scroll_into_view_if_needed()
        assert max(_edges(page, region)) < 1, index


def test_a_site_older_than_a_year_shows_both_totals(live_server, demo, new_page):
    ArticleFactory(published_at=timezone.now() - timedelta(days=500))
    page = new_page()
    page.goto(live_server.url + "/transparency/")
    for width, _ in each_look(page, looks=((1280, "light"), (390, "light"))):
        _shot(page, f"transparency-older-{width}")
        stories = page.locator("#stories .figures").first
        assert stories.locator("tfoot th").all_inner_texts() == ["Last 12 months", "All time"]
        assert page.locator(
            "#personas-table-title + .table-scroll thead th").all_inner_texts()[1:] \
            == ["Last 12 months", "All time"]
        assert not page.get_by_text("Nothing counted here is older than").count()
        # Only stories are older than a year: the other tables still agree.
        assert page.locator("#comments tfoot th").all_inner_texts() == [
            "Last 12 months and all time"]
        assert page.evaluate(NO_HORIZONTAL_SCROLL), width
        assert not axe.findings(page), (width, "\n".join(axe.described(axe.findings(page))))
