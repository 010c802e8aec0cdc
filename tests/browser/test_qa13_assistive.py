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

from tests.browser.shots import shooter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWS = [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
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


# Reflow with large text ------------------------------------------------------------


def test_the_newsletters_choices_fit_the_screen_with_large_text(live_server, newsroom,
                                                               new_page):
    # 32 px is twice the default (WCAG 1.4.4): the choices' columns were at least 11rem
    # (352 px), wider than a phone's form, so every section and author stuck out.
    for width in (320, 390):
        page = with_text_size(new_page(width=width), 32)
        page.goto(f"{live_server.url}/newsletter/")
        assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") \
            == "32px"
        choice = page.get_by_label("Margaret Okonkwo")
        choice.scroll_into_view_if_needed()
        assert page.evaluate(STICKING_OUT) == [], width
        assert page.evaluate("() => document.documentElement.scrollWidth") == width
        # The screen as the reader sees it (a full-page shot lays the page out again).
        shoot(page, "newsletter-large-text", width, "light", full_page=False)
    # At the usual size, sections still sit side by side where there is room.
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        page.goto(f"{live_server.url}/newsletter/")
        tops = page.locator(".choice-grid").first.locator("label").evaluate_all(
            "labels => labels.map((label) => Math.round(label.getBoundingClientRect().top))")
        assert len(tops) == 2
        assert (len(set(tops)) == 1) == (width == 1280), (width, tops)
        assert page.evaluate(STICKING_OUT) == []
        shoot(page, "newsletter", width, scheme)
