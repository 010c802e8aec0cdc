"""The transparency report in a real Chromium: accessible, legible at 320 px, dark and print."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from standards.models import Correction
from tests.factories import BiasReportFactory, CommentFactory, CorrectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


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


def _serious(page):
    violations = Axe().run(page).response["violations"]
    return [f"[{v['impact']}] {v['id']}: {v['help']} "
            f"{[node['target'] for node in v['nodes'][:5]]}"
            for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_problems(live_server, record, new_page, color_scheme):
    page = new_page(color_scheme=color_scheme)
    assert page.goto(live_server.url + "/transparency/").status == 200
    assert page.locator("svg.chart").count() == 5
    assert not _serious(page), "\n".join(_serious(page))


def test_charts_are_legible_at_320_pixels(live_server, record, new_page):
    page = new_page(width=320)
    page.goto(live_server.url + "/transparency/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    charts = page.locator("svg.chart")
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("viewBox").startswith("0 0 ")
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box
        # Every label at least 9 CSS pixels tall once the chart has shrunk.
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
    assert regions.count() == 7
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
