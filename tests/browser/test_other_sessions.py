"""A reader signed in on a library computer signs out of it from home: the account page
counts the other browsers and signs out of them (accounts.views.end_other_sessions).

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/sessions/
(git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.test_participation import sign_in
from tests.browser.shots import each_look, first_look
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "sessions"


def test_a_reader_signs_out_of_the_other_browsers(live_server, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    reader = UserFactory(username="ana")
    library, phone = Client(), Client()
    for client in (library, phone):
        client.force_login(reader)
    page = new_page()
    sign_in(page, live_server, reader, next_url="/accounts/")
    sessions = page.locator("section[aria-labelledby=account-sessions]")
    for width, scheme in each_look(page):
        expect(sessions).to_contain_text("Here, and in 2 other browsers.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        sessions.screenshot(path=SHOTS / f"others-{width}-{scheme}.png")
    first_look(page)
    sessions.get_by_role("button", name="Sign out of the other browsers").click()
    for width, scheme in each_look(page):
        expect(page.locator(".notices")).to_have_text("Signed out of 2 other browsers.")
        expect(sessions).to_contain_text("Here only: in no other browser.")
        assert serious(page) == []
        page.screenshot(path=SHOTS / f"done-{width}-{scheme}.png")
        expect(page.get_by_role("link", name="Your account", exact=True)).to_be_visible()
    for client in (library, phone):
        assert client.get("/accounts/").status_code == 302  # to the sign-in page
