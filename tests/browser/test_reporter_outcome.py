"""A reporter's page after the decision: the moderator's note to them and what was published,
read in a real Chromium at 1280 px and 390 px, light and dark (screenshots/reporter-outcome/,
git-ignored, to be looked at)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.ratelimit import fingerprint
from standards.models import BiasReport
from standards.views import REPORTER_COOKIE
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, BiasReportFactory, CorrectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "reporter-outcome")
NOTE = ("We checked the harbour authority's own figures, which the story links to: the fee "
        "rose by 4 per cent, as the story says.\nThank you for reading so closely.")


@pytest.mark.parametrize("status", [BiasReport.Status.DISMISSED, BiasReport.Status.UPHELD])
def test_the_reporter_reads_the_note_and_what_followed(live_server, new_page, status):
    story = ArticleFactory(headline="Harbour fees rise in spring", slug="harbour-fees",
                           published_at=datetime(2026, 11, 1, tzinfo=UTC))
    report = BiasReportFactory(article=story, reporter_key=fingerprint("reporter-browser-key"),
                               status=status, resolution_note=NOTE,
                               resolved_at=datetime(2026, 11, 30, 12, tzinfo=UTC))
    if status == BiasReport.Status.UPHELD:
        CorrectionFactory(article=story, bias_report=report,
                          date=datetime(2026, 12, 1, 9, tzinfo=UTC))
    page = new_page()
    page.context.add_cookies([{"name": REPORTER_COOKIE, "value": "reporter-browser-key",
                               "url": live_server.url + report.get_confirmation_url()}])
    page.goto(live_server.url + report.get_confirmation_url())
    for width, scheme in each_look(page):
        expect(page.get_by_role("heading", name="The moderator’s note to you")).to_be_visible()
        expect(page.locator(".bias-report-note")).to_contain_text(
            "Thank you for reading so closely.")
        if status == BiasReport.Status.UPHELD:
            expect(page.get_by_role("link", name="Correction of Dec 1, 2026")).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        assert serious(page) == [], (width, scheme)
        shoot(page, f"{status}", width, scheme)
