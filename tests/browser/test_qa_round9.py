"""QA round 9 in a real Chromium: an add form opens on its first field, not on the Save button
above it, and a refused one on its first invalid field; a note pasted into the triage is not
cut by the browser but refused whole and shown to copy.

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/qa-round9/ (git-ignored),
to be looked at.
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

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa-round9")
FOCUSED_ID = "document.activeElement && document.activeElement.id"


def test_the_story_add_form_opens_on_the_headline_and_a_refused_one_on_its_error(
        live_server, new_page, roles):
    staff("Editors", "editor")
    page = new_page()
    sign_in(page, live_server, "editor")
    # The form opens on the headline in each look: loaded again in each (a GET, nothing sent).
    for _width, _scheme in each_look(page):
        page.goto(f"{live_server.url}/admin/articles/article/add/")
        expect(page.locator("#id_headline")).to_be_focused()
    # Enter straight away no longer sends the empty form with the top Save button.
    page.keyboard.type("Harbour reopens after the storm")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_ID) != "id_headline"
    page.locator("input[name=_continue]").last.click()
    # Refused (no section, no author, no body): the first invalid field has the focus.
    expect(page.locator(".errornote")).to_be_visible()
    for width, scheme in each_look(page):
        expect(page.locator(".errornote")).to_be_visible()
        focused = page.evaluate(FOCUSED_ID)
        assert focused and focused != "id_headline" and focused.startswith("id_")
        assert page.locator(f"#{focused}").get_attribute("aria-invalid") == "true" or \
            page.locator(f"#{focused}").evaluate("e => !!e.closest('.errors')")
        assert page.locator("#id_headline").input_value() == "Harbour reopens after the storm"
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "story-add-refused", width, scheme)


def test_a_pasted_note_over_the_limit_is_refused_whole_not_cut(live_server, new_page, roles):
    staff("Moderators", "moderator")
    report = BiasReportFactory(article=ArticleFactory(headline="Night ferry trial approved"),
                               contact_email="reporter@example.org")
    note = ("We checked the ferry figures with the harbour office and the operator. " * 40)
    note = note.strip()
    assert len(note) > 2000
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/bias-reports/")
    box = page.get_by_label("Note to the reporter")
    box.focus()
    page.keyboard.insert_text(note)  # as a paste: maxlength cut it to 2,000, unsaid
    assert box.input_value() == note
    page.get_by_role("button", name="Dismiss").click()
    kept = page.get_by_label("Your note, not saved: copy it before you go back")
    for width, scheme in each_look(page):
        expect(page.locator(".desk-notice")).to_contain_text(
            f"a note can be at most 2,000 characters, and this one has {len(note):,}")
        expect(kept).to_have_value(note)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        assert serious(page) == [], (width, scheme)
        shoot(page, "triage-note-too-long", width, scheme)
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and report.resolution_note == ""


def test_an_add_form_whose_first_field_is_an_autocomplete_opens_on_its_box(
        live_server, new_page, roles):
    staff("Editors", "editor")
    page = new_page()
    sign_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/standards/correction/add/")
    # The Article drop-down (select2's box), not the second field, Bias report.
    box = page.locator("#id_article + .select2 .select2-selection")
    expect(box).to_be_focused()
