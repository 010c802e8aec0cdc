"""A story's change form whose session was signed out, or signed in again, in another tab
(QA round 11): its background questions (static/js/editing_now.js, the live preview in
static/js/story_admin.js) stop at the first refusal instead of writing a CSRF warning to the
security log every turn, the form says once that the page must be reloaded, and what was
typed is offered back after the reload. Screenshots in screenshots/qa11/."""

import logging
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import editing_now
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.browser.test_unsaved_changes import sign_in_again, sign_out_elsewhere
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")
OUT_OF_DATE = ("This page is out of date, so it can no longer be saved: you were signed out, "
               "or signed in again in another window. Reload the page to go on; the changes "
               "you made here are kept in this browser and offered back.")


@pytest.fixture
def story(roles, monkeypatch):
    # The form asks every second rather than every PING_SECONDS: the test waits less.
    monkeypatch.setattr(editing_now, "PING_SECONDS", 1)
    staff("Editors", "jeditor")
    return ArticleFactory(draft=True, headline="Harbour ferries", slug="harbour-ferries")


@pytest.mark.parametrize("elsewhere", ["signed out", "signed in again"])
def test_a_refused_form_stops_asking_and_says_to_reload(live_server, new_page, story, caplog,
                                                        elsewhere):
    caplog.set_level(logging.WARNING, logger="django.security.csrf")
    page = new_page()
    sign_in(page, live_server, "jeditor")
    change = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
    page.goto(change)
    asked = []
    page.on("request", lambda request: asked.append(request.url)
            if request.method == "POST" else None)
    dek = "The operators answer the islanders' petition."
    page.fill("#id_dek", dek)
    page.wait_for_timeout(1500)  # a question answered as usual
    assert any("editing-now" in url or "editing_now" in url for url in asked), asked
    sign_out_elsewhere(page, live_server)
    if elsewhere == "signed in again":  # through the form, which gives a new CSRF token
        other = page.context.new_page()
        other.goto(f"{live_server.url}/admin/login/")
        with other.expect_navigation():
            sign_in_again(other)
        expect(other.locator("#site-name")).to_have_text("EVA DAILY newsroom")
        other.close()
    notice = page.locator("[data-editing-now]")
    expect(notice).to_have_text(OUT_OF_DATE)
    # No question after the refused one, nor any preview as the body is typed in.
    sent = len(asked)
    page.fill("#id_body", "More to say about the ferries.")
    page.wait_for_timeout(3500)
    assert len(asked) == sent, asked[sent:]
    for width, scheme in each_look(page):
        expect(notice).to_have_text(OUT_OF_DATE)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        notice.scroll_into_view_if_needed()
        shoot(page, f"out-of-date-form-{elsewhere.replace(' ', '-')}", width, scheme,
              full_page=False)
    assert len(asked) == sent, asked[sent:]  # nor while the looks were checked
    notice.get_by_role("link", name="Reload the page").click()
    if elsewhere == "signed out":
        sign_in_again(page)
    offer = page.locator("[data-unsaved-changes]")
    expect(offer).to_contain_text("that were not saved, made at")
    offer.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_dek")).to_have_value(dek)
    # At most one warning for the form's one refused question (none if it asked while
    # signed out, between the two), not one every turn.
    warnings = [r for r in caplog.records if r.name == "django.security.csrf"]
    assert len(warnings) <= (1 if elsewhere == "signed in again" else 0), warnings
