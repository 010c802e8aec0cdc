"""What readers see of the search round's fixes, in a real Chromium.

Screenshots go to screenshots/search2/ (git-ignored), at 1280 px and 390 px, light
and dark, to be looked at by a person: results with a right-to-left headline,
snippet and byline beside left-to-right ones, a story found by a word it holds as
a ligature (shown as written), and a query of a very common word alone.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "search2"
PERSIAN_HEADLINE = "\u06a9\u0634\u062a\u06cc \u0634\u0628 \u0628\u0647 \u0628\u0646\u062f\u0631 " \
    "\u0628\u0627\u0632\u06af\u0634\u062a"
PERSIAN_AUTHOR = "\u0633\u0627\u0631\u0627 \u0627\u062d\u0645\u062f\u06cc"


shoot = shooter(SHOTS)


@pytest.fixture
def stories(db):
    now = timezone.now()
    ArticleFactory(
        headline=PERSIAN_HEADLINE, slug="night-ferry-fa",
        author=AuthorFactory(name=PERSIAN_AUTHOR, slug="sara-ahmadi"),
        body="\u06a9\u0634\u062a\u06cc \u0634\u0628 (ferry) \u062f\u06cc\u0631\u0648\u0632 "
             "\u0628\u0647 \u0628\u0646\u062f\u0631 \u0645\u06cc\u200c\u0622\u06cc\u062f.",
        dek="", published_at=now - timedelta(hours=1))
    ArticleFactory(
        headline='Council says "no" to a second ferry', slug="second-ferry",
        author=AuthorFactory(ai=True, name="Li Wei", slug="li-wei"),
        body="The \ufb01nancial case for a second ferry did not convince the council.",
        dek="", published_at=now - timedelta(hours=2))


def test_results_show_each_story_in_its_own_direction(live_server, stories, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/search/?q=ferry+financial+or+ferry")
    for width, scheme in each_look(page):
        expect(page.locator(".search-count")).to_have_text("2 results for \u201cferry "
                                                           "financial or ferry\u201d")
        headlines = page.locator(".search-result .card-headline")
        assert headlines.nth(0).evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert headlines.nth(1).evaluate("e => getComputedStyle(e).direction") == "rtl"
        expect(headlines.nth(0)).to_have_text("Council says \u201cno\u201d to a second ferry")
        snippets = page.locator(".search-snippet")
        expect(snippets.nth(0).locator("mark").first).to_have_text("\ufb01nancial")
        assert snippets.nth(1).evaluate("e => getComputedStyle(e).direction") == "rtl"
        expect(page.locator(".card-meta bdi", has_text=PERSIAN_AUTHOR)).to_have_count(1)
        shoot(page, "results-rtl", width, scheme)


def test_a_common_word_alone_is_said_not_searched(live_server, stories, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/search/?q=the")
    for width, scheme in each_look(page):
        expect(page.get_by_role("status")).to_have_text(
            "Very common words such as \u201cthe\u201d are not searched; add a more "
            "specific word.")
        assert page.get_by_label("Words to find").input_value() == "the"
        expect(page.locator(".search-count")).to_have_count(0)
        shoot(page, "common-word", width, scheme)
