"""The public site read off the happy path: large text, narrow screens, keyboard only,
forced colours (QA round 13).

Large text is the browser's own font-size setting (Chrome's "Font size: Very large" and
beyond), set through the DevTools protocol as the setting itself is: every rem grows,
the viewport does not.

Screenshots go to screenshots/qa13/ (git-ignored), at 1280 and 390 px, light and dark,
and at 320 px for reflow.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
# The phones the large text is tried on: their screen's width, in light alone.
PHONES = ((320, "light"), (390, "light"))
shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa13")

# What sticks out past the page's right edge: [element, its text, its right edge].
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter((el) => !el.closest('.visually-hidden, .honeypot'))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.width && box.right > width + 1)
    .map(([el, box]) => [el.tagName, el.textContent.trim().slice(0, 30), Math.round(box.right)]);
}"""


def with_text_size(page, pixels):
    """The browser's default font size, as a reader sets it in the browser's settings."""
    page.context.new_cdp_session(page).send(
        "Page.setFontSizes", {"fontSizes": {"standard": pixels, "fixed": pixels}})
    return page


def sign_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url.removeprefix(live_server.url)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == next_url


# Reflow with large text ------------------------------------------------------------


def test_the_newsletters_choices_fit_the_screen_with_large_text(live_server, newsroom,
                                                               new_page):
    # 32 px is twice the default (WCAG 1.4.4): the choices' columns were at least 11rem
    # (352 px), wider than a phone's form, so every section and author stuck out.
    # The text size stays as the width changes: it is the browser's setting, not the page's.
    page = with_text_size(new_page(width=320), 32)
    page.goto(f"{live_server.url}/newsletter/")
    for width, _ in each_look(page, looks=PHONES):
        assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") \
            == "32px"
        choice = page.get_by_label("Margaret Okonkwo")
        choice.scroll_into_view_if_needed()
        assert page.evaluate(STICKING_OUT) == [], width
        assert page.evaluate("() => document.documentElement.scrollWidth") == width
        # The screen as the reader sees it (a full-page shot lays the page out again).
        shoot(page, "newsletter-large-text", width, "light", full_page=False)
    # At the usual size, sections still sit side by side where there is room.
    page = new_page()
    page.goto(f"{live_server.url}/newsletter/")
    for width, scheme in each_look(page):
        tops = page.locator(".choice-grid").first.locator("label").evaluate_all(
            "labels => labels.map((label) => Math.round(label.getBoundingClientRect().top))")
        assert len(tops) == 2
        assert (len(set(tops)) == 1) == (width == 1280), (width, tops)
        assert page.evaluate(STICKING_OUT) == []
        shoot(page, "newsletter", width, scheme)


def test_the_comment_forms_button_stays_on_the_screen_with_large_text(live_server, newsroom,
                                                                     new_page):
    UserFactory(username="ana")
    comments = f"{live_server.url}/articles/{newsroom['lead'].slug}/comments/"
    # With the text doubled, the counter (8ch, on one line) and "Post comment" sat side by
    # side whatever the width: the button was cut off at the screen's edge, half of it
    # out of reach, and the rules above it ran off the screen with it.
    large = with_text_size(new_page(width=320), 32)
    sign_in(large, live_server, "ana", comments)
    for width, _ in each_look(large, looks=PHONES):
        button = large.get_by_role("button", name="Post comment")
        button.scroll_into_view_if_needed()
        assert large.evaluate(STICKING_OUT) == [], width
        assert button.bounding_box()["x"] + button.bounding_box()["width"] <= width
        shoot(large, "comment-form-large-text", width, "light", full_page=False)
    # At the usual size: the rules above, then the count and the button on one line, and
    # the message at the limit under both.
    page = new_page()
    page.context.add_cookies(large.context.cookies())  # signed in as ana
    page.goto(comments)
    form = page.locator("form[data-comment-form]")
    rules, counter = form.locator("#comment-rules"), form.locator("#comment-counter")
    button = form.get_by_role("button", name="Post comment")
    form.get_by_label("Your comment").fill("x" * 251)
    message = form.locator(".counter-error")
    for width, scheme in each_look(page):
        expect(message).to_be_visible()
        rules_box, counter_box = rules.bounding_box(), counter.bounding_box()
        button_box, message_box = button.bounding_box(), message.bounding_box()
        if width == 390:
            assert rules_box["y"] + rules_box["height"] <= counter_box["y"]
        assert counter_box["y"] < button_box["y"] + button_box["height"]
        assert button_box["y"] < counter_box["y"] + counter_box["height"]
        assert message_box["y"] >= button_box["y"] + button_box["height"]
        assert button_box["x"] + button_box["width"] <= width
        assert page.evaluate(STICKING_OUT) == []
        shoot(page, "comment-form-over-limit", width, scheme, full_page=False)
