"""QA round 10 in a real Chromium: after a decision sent plainly (the triage's, always), the
page opens on what it did, so that a screen reader reads it, and j still goes on to the next
report from there.

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/qa10/ (git-ignored), to
be looked at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from standards.models import BiasReport
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, BiasReportFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa10")


def test_the_triage_opens_on_what_the_decision_did_and_j_goes_on(live_server, new_page, roles):
    staff("Moderators", "moderator")
    first, second = (
        BiasReportFactory(article=ArticleFactory(headline=headline),
                          contact_email="reporter@example.org")
        for headline in ("Night ferry trial approved", "Harbour fees rise in spring"))
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/bias-reports/")
    card = page.locator(f"#report-{first.pk}")
    card.get_by_label("Note to the reporter").fill("Both sides are quoted at length.")
    card.get_by_role("button", name="Dismiss").click()

    said = page.locator(".messagelist")
    for width, scheme in each_look(page):
        expect(said).to_contain_text(f"{first.reference} dismissed. The reporter is emailed "
                                     f"your note.")
        # It had the focus on the page's body: a screen reader said nothing of the decision.
        expect(said).to_be_focused()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "triage-after-a-decision", width, scheme, full_page=False)

    page.keyboard.press("j")
    expect(page.locator(f"#report-{second.pk}")).to_be_focused()
    first.refresh_from_db()
    assert first.status == BiasReport.Status.DISMISSED


def test_the_triage_opened_without_a_decision_keeps_the_focus_where_it_was(
        live_server, new_page, roles):
    staff("Moderators", "moderator")
    BiasReportFactory()
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/bias-reports/")
    assert page.locator(".messagelist").count() == 0
    assert page.evaluate("document.activeElement === document.body")
