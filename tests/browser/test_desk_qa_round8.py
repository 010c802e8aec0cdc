"""The bias-report triage in a real Chromium, QA of 2026-12-06: a note written for a report
another moderator decided meanwhile is not lost with the refusal; it is shown to copy.

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/desk-notes/
(git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from standards.models import BiasReport
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, BiasReportFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "desk-notes")
NOTE = ("Thank you: we checked the ferry figures with the harbour office, and the story "
        "gives the timetable the operator published on Monday.")


def test_a_note_for_a_report_decided_meanwhile_is_kept_to_copy(live_server, new_page, roles):
    staff("Moderators", "moderator")
    other = Client()
    other.force_login(staff("Moderators", "mod2"))
    report = BiasReportFactory(article=ArticleFactory(headline="Night ferry trial approved"),
                               contact_email="reporter@example.org")
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/bias-reports/")
    page.get_by_label("Note to the reporter").fill(NOTE)
    # Meanwhile, from another desk:
    assert other.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                      {"decision": "uphold", "note": "Upheld."}).status_code == 303
    page.get_by_role("button", name="Dismiss").click()
    kept = page.get_by_label("Your note, not saved: copy it before you go back")
    for width, scheme in each_look(page):
        expect(page.locator(".desk-notice")).to_contain_text(
            f"{report.reference} was already upheld by mod2")
        expect(kept).to_have_value(NOTE)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "decided-meanwhile", width, scheme)
    report.refresh_from_db()
    assert report.status == BiasReport.Status.UPHELD and report.resolution_note == "Upheld."


def test_a_moderator_whose_permissions_went_keeps_the_note(live_server, new_page, roles):
    """Taken out of Moderators with the queue open: the script's decision is refused, sent
    again plainly, and the desk's own page says why, with the note (it was the public site's
    "not open to your account")."""
    from django.contrib.auth.models import Group

    from comments.models import Comment
    from tests.factories import CommentFactory

    moderator = staff("Moderators", "mod3")
    comment = CommentFactory(status=Comment.Status.PENDING, body="Buy cheap ferry tickets here")
    page = new_page()
    sign_in(page, live_server, "mod3")
    page.goto(f"{live_server.url}/admin/moderation/comments/")
    page.get_by_label("Note for the log").fill("Advertising, third time today.")
    moderator.groups.remove(Group.objects.get(name="Moderators"))
    page.get_by_role("button", name="Hide", exact=True).click()
    # The refusal's page loaded before the looks are turned: turned while it loaded, the
    # page's script context went with the navigation.
    expect(page.locator(".desk-notice")).to_contain_text("Nothing was decided")
    for width, scheme in each_look(page):
        expect(page.locator(".desk-notice")).to_contain_text(
            "Nothing was decided: your account may no longer decide comments.")
        expect(page.get_by_label("Your note, not saved: copy it before you go back")
               ).to_have_value("Advertising, third time today.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "permissions-went", width, scheme)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
