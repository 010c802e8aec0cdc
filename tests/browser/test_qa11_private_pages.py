"""QA round 11: after signing out, Back does not bring the signed-in page back.

Chromium as readers run it, with its back/forward cache on (Playwright turns it off by
default). Signed-in pages were sent `private, no-cache`, which that cache keeps: Back
after "Sign out" showed the story, the comments or a search still "Signed in as ...",
with the reader's forms, to whoever used the computer next. They are `no-store` now
(tests/test_qa11_private_pages.py). Screenshots of the page Back shows go to
screenshots/qa11/ (git-ignored) at 1280 and 390 px, light and dark.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import session
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.shots import shooter
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")
PAGES = ["/articles/harbour-ferries/", "/articles/harbour-ferries/comments/",
         "/search/?q=harbour", "/articles/"]


@pytest.fixture(scope="module")
def chromium_with_back_forward_cache(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"])
    yield browser
    browser.close()


@pytest.fixture
def sign_in(newsroom):
    """sign_in(context, url): a new session for the reader (signing out ends the last one)."""
    reader = UserFactory(username="harbourwatcher")

    def sign_in(context, url):
        session.sign_in(context, url, reader)

    return sign_in


def _back(page):
    # A page restored from the back/forward cache fires no load event.
    page.go_back(wait_until="commit")
    page.wait_for_timeout(500)
    page.wait_for_function("document.readyState === 'complete'")


def test_back_after_signing_out_shows_no_signed_in_page(
        live_server, sign_in, chromium_with_back_forward_cache):
    context = chromium_with_back_forward_cache.new_context(viewport={"width": 1280,
                                                                     "height": 900})
    page = context.new_page()
    try:
        # The cache is on: a public page comes back as it was left.
        page.goto(live_server.url + "/articles/")
        page.evaluate("window.leftHere = true")
        page.goto(live_server.url + "/articles/harbour-ferries/")
        _back(page)
        assert page.evaluate("window.leftHere === true"), "the back/forward cache is off"

        for path in PAGES:
            sign_in(context, live_server.url)
            page.goto(live_server.url + path)
            assert "Signed in as" in page.locator(".site-header").inner_text()
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_load_state()
            assert settings.SESSION_COOKIE_NAME not in {c["name"] for c in context.cookies()}
            _back(page)
            assert page.url == live_server.url + path
            header = page.locator(".site-header").inner_text()
            assert "Signed in as" not in header and "harbourwatcher" not in header, path
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                shoot(page, "back-after-sign-out", width, scheme, full_page=False)
    finally:
        context.route("**/*", lambda route: route.abort())  # as conftest's new_page does
        context.close()
