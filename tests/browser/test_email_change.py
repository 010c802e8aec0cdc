"""Changing the account's email address in Chromium, from the account page to the link and back.

At 1280 px and 390 px, light and dark; screenshots go to screenshots/email-change/
(git-ignored), to be looked at by a person.
"""

from pathlib import Path

import pytest
from django.core import mail

from tests.browser import session
from tests.browser.axe import serious
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "email-change"
PASSWORD = "a-long-test-passphrase"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _check(page, name, width):
    """In light and dark: no sideways scrolling, axe clean, and a screenshot to look at."""
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        name, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert not serious(page), f"{name} {width} {scheme}: {serious(page)}"
        page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_reader_changes_their_email(live_server, new_page, settings, width):
    settings.SITE_URL = live_server.url
    reader = UserFactory(username="harbourwatcher",
                         email="watcher.of.the.harbour.at.dawn@example.org")
    page = new_page(width=width)
    session.sign_in(page.context, live_server.url, reader)

    page.goto(live_server.url + "/accounts/")
    details = page.locator(".account-details")
    assert details.get_by_text("watcher.of.the.harbour.at.dawn@example.org").is_visible()
    _check(page, "1-account", width)
    details.get_by_role("link", name="Change email").click()
    page.wait_for_url("**/accounts/email/")
    assert page.locator("h1").inner_text() == "Change your email address"

    new_address = "a.much.longer.address.for.the.harbour.watcher@mail.example.org"
    page.get_by_label("New email address").fill(new_address)
    page.get_by_label("Your current password").fill("not-the-password")
    page.get_by_role("button", name="Send the link").click()
    error = page.locator("#id_password_error")
    assert error.inner_text() == "That is not your password."
    assert page.get_by_label("New email address").input_value() == new_address
    assert page.get_by_label("Your current password").input_value() == ""
    assert page.get_by_label("Your current password").get_attribute("aria-invalid") == "true"
    _check(page, "2-form-error", width)

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/accounts/email/sent/")
    assert page.locator("h1").inner_text() == "Check your inbox"
    assert page.locator("main strong").first.inner_text() == new_address
    _check(page, "3-check-inbox", width)

    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/email/confirm/" in line)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Confirm your new email address"
    reader.refresh_from_db()
    assert reader.email == "watcher.of.the.harbour.at.dawn@example.org"
    _check(page, "4-confirm", width)

    page.get_by_role("button", name="Use this address").click()
    page.wait_for_url("**/accounts/")
    notice = page.locator(".notices li")
    assert notice.inner_text().startswith(f"Your account’s email address is now {new_address}.")
    assert details.get_by_text(new_address).is_visible()
    _check(page, "5-done", width)
    reader.refresh_from_db()
    assert reader.email == new_address
