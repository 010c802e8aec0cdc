"""Changes to a newsroom form that were not saved are kept in the browser and offered back
(static/js/unsaved_changes.js).

An editor signed out in another tab presses Save, and is sent to the sign-in page: once
signed in again, the story's form offers the changes back, naming the fields, to restore
or to discard. Screenshots at 1280 px and 390 px, light and dark, go to
screenshots/unsaved/ (git-ignored), to be looked at.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.browser.axe import serious
from tests.browser.shots import LOOKS, each_look
from tests.browser.test_desk import PASSWORD, sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "unsaved"


@pytest.fixture
def story(roles):
    staff("Editors", "jeditor")
    return ArticleFactory(headline="Harbour ferries", slug="harbour-ferries", dek="")


def change_url(live_server, story):
    return f"{live_server.url}/admin/articles/article/{story.pk}/change/"


def sign_out_elsewhere(page, live_server):
    """Sign out in another tab of the same browser."""
    other = page.context.new_page()
    other.goto(f"{live_server.url}/admin/")
    other.locator("#logout-form button").click()
    expect(other.get_by_role("link", name="Sign in")).to_be_visible()  # on the front page
    other.close()


def sign_in_again(page, username="jeditor"):
    """On the sign-in page the refused save led to; it leads back to the form."""
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_changes_refused_for_a_sign_out_elsewhere_are_offered_back(live_server, new_page,
                                                                    story):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(change_url(live_server, story))
    # Refused twice, the changes offered back each time: restored and saved the first time,
    # discarded the second. The same pages are shown both times: the first time's are checked
    # and photographed on a desktop, the second time's on a phone.
    for number, looks in enumerate((LOOKS[:2], LOOKS[2:])):
        headline = f"Harbour ferries will run an hour later from the first of the month ({number})"
        page.fill("#id_headline", headline)
        dek = f"The operators answer the islanders' petition ({number})."
        page.fill("#id_dek", dek)
        sign_out_elsewhere(page, live_server)
        page.locator("input[name=_save]").first.click()
        expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
        for width, scheme in each_look(page, looks=looks):
            # The sign-in page says the save did not go through (QA, 2026-12-06: it said
            # nothing).
            expect(page.locator(".messagelist")).to_contain_text(
                "You were signed out, so what you sent was not saved.")
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            page.screenshot(path=SHOTS / f"signed-out-{width}-{scheme}.png")
        sign_in_again(page)
        expect(page).to_have_url(change_url(live_server, story))
        offer = page.locator("[data-unsaved-changes]")
        story.refresh_from_db()
        for width, scheme in each_look(page, looks=looks):
            expect(offer).to_contain_text("Changes not saved. This browser kept changes to this "
                                          "form that were not saved, made at")
            expect(offer).to_contain_text(": Headline, Dek (standfirst).")
            expect(page.locator("#id_headline")).to_have_value(story.headline)  # as stored
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            assert serious(page) == []
            page.screenshot(path=SHOTS / f"offered-{width}-{scheme}.png")
        if number == 0:
            offer.get_by_role("button", name="Restore them").click()
            expect(offer).to_have_text("Your changes are back in the form. They are saved "
                                       "when you press Save.")
            expect(page.locator("#id_headline")).to_have_value(headline)
            expect(page.locator("#id_headline")).to_be_focused()
            page.locator("input[name=_continue]").first.click()
            expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
            story.refresh_from_db()
            assert (story.headline, story.dek) == (headline, dek)
        else:
            offer.get_by_role("button", name="Discard them").click()
            expect(offer).to_be_hidden()
            page.reload()
        # Saved, or discarded: nothing is offered any more.
        expect(page.locator("#id_headline")).to_have_value(story.headline)
        expect(offer).to_be_hidden()


def test_a_saved_form_leaves_nothing_and_another_account_sees_nothing(live_server, new_page,
                                                                      story):
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(change_url(live_server, story))
    page.fill("#id_headline", "Harbour ferries run later")
    page.locator("input[name=_save]").first.click()  # to the story list, which says so
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    # Changed since by someone else: what this browser sent was saved, so nothing is offered.
    Article.objects.filter(pk=story.pk).update(headline="Harbour ferries: the new timetable")
    page.goto(change_url(live_server, story))
    expect(page.locator("#id_headline")).to_have_value("Harbour ferries: the new timetable")
    expect(page.locator("[data-unsaved-changes]")).to_be_hidden()
    # Typed and left unsaved: kept for this account only.
    page.fill("#id_headline", "Harbour ferries, typed and left")
    page.goto(change_url(live_server, story))  # the copy is written as it is typed
    expect(page.locator("[data-unsaved-changes]")).to_contain_text("Headline")
    page.context.clear_cookies()
    staff("Editors", "another")
    sign_in(page, live_server, "another")
    page.goto(change_url(live_server, story))
    expect(page.locator("#id_headline")).to_have_value("Harbour ferries: the new timetable")
    expect(page.locator("[data-unsaved-changes]")).to_be_hidden()


def test_changes_restored_over_a_newer_save_are_refused_with_both_versions(live_server,
                                                                          new_page, story):
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(change_url(live_server, story))
    page.fill("#id_headline", "Harbour ferries run later")
    sign_out_elsewhere(page, live_server)
    page.locator("input[name=_save]").first.click()
    # Meanwhile someone else saves the story.
    Article.objects.filter(pk=story.pk).update(headline="Harbour ferries: the new timetable")
    sign_in_again(page)
    page.locator("[data-unsaved-changes]").get_by_role("button", name="Restore them").click()
    page.locator("input[name=_continue]").first.click()
    conflict = page.locator(".edit-conflict")
    expect(conflict).to_contain_text("Their version and yours")
    expect(conflict).to_contain_text("Harbour ferries: the new timetable")
    expect(page.locator("#id_headline")).to_have_value("Harbour ferries run later")
    story.refresh_from_db()
    assert story.headline == "Harbour ferries: the new timetable"


# Where an editor signs out: the newsroom's header, a public page's header, the public
# sign-out page (a bookmark, a typed address).
SIGN_OUTS = {
    "newsroom header": ("/admin/", "#logout-form button"),
    "public header": ("/", ".site-header form[action='/accounts/logout/'] button"),
    "sign-out page": ("/accounts/logout/", "main form[action='/accounts/logout/'] button"),
}


@pytest.mark.parametrize("where", SIGN_OUTS)
def test_signing_out_leaves_no_copy_behind(live_server, new_page, story, where):
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(change_url(live_server, story))
    page.fill("#id_headline", "Harbour ferries, typed and left")
    page.goto(change_url(live_server, story))  # the copy is written as it is typed
    expect(page.locator("[data-unsaved-changes]")).to_contain_text("Headline")
    path, button = SIGN_OUTS[where]
    page.goto(live_server.url + path)  # a shared computer, say
    page.locator(button).click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()  # on the front page
    sign_in(page, live_server, "jeditor")
    page.goto(change_url(live_server, story))
    expect(page.locator("#id_headline")).to_have_value("Harbour ferries")
    expect(page.locator("[data-unsaved-changes]")).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith("
                         "'evadaily:unsaved:'))") == []
