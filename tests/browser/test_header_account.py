"""Header search, the account page, sign-up, the trust pages and the 404 page in Chromium.

At 1280 px and 390 px, light and dark; screenshots go to screenshots/issue-17/
(git-ignored), to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from core import ratelimit
from pages.loader import load_pages
from pages.models import Page
from tests.browser.axe import serious
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-17"
WIDTHS = [1280, 390]
# Each page is loaded once per width and looked at in both schemes.
SCHEMES = ("light", "dark")
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def standing_pages(db):
    """About, Standards and Privacy as the migrations make them (live-server tests empty
    the database after each test)."""
    load_pages(Page, ["about", "standards", "privacy"])


@pytest.fixture
def signed_in(newsroom):
    """A reader with comments in every state, and a browser cookie for their session."""
    reader = UserFactory(username="harbourwatcher", email="watcher@example.org")
    now = timezone.now()
    lead, other = newsroom["lead"], newsroom["others"][0]
    CommentFactory(article=lead, reader=reader, created_at=now - timedelta(hours=3),
                   body="The new timetable finally matches the early shift at the fish market.")
    CommentFactory(article=other, reader=reader, created_at=now - timedelta(hours=2),
                   status=Comment.Status.PENDING,
                   body="Is there a link to the operators' full notice? I could not find it.")
    CommentFactory(article=lead, reader=reader, created_at=now - timedelta(hours=1),
                   status=Comment.Status.HIDDEN, body="A comment a moderator hid.")
    client = Client()
    client.force_login(reader)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def _open(new_page, live_server, path, width, scheme="light", cookie=None, javascript=True):
    page = new_page(width=width, color_scheme=scheme, javascript=javascript)
    if cookie:
        page.context.add_cookies([{**cookie, "url": live_server.url}])
    response = page.goto(live_server.url + path)
    return page, response


def _check(page, name, width, also=None):
    """In light and dark: no sideways scrolling, axe clean, and a screenshot to look at.

    also(scheme), when given, runs in each scheme too (e.g. a close-up screenshot).
    """
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        name, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
        assert not serious(page), f"{name} {width} {scheme}: {serious(page)}"
        if also:
            also(scheme)
        page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_header_search_is_a_box_on_wide_screens_and_a_link_on_phones(
        live_server, newsroom, new_page, width):
    page, _ = _open(new_page, live_server, "/", width, "light")
    box = page.get_by_label("Search stories")
    link = page.locator(".account-bar .header-search-link")
    if width >= 1280:
        assert box.is_visible() and not link.is_visible()
        # On the masthead's side of the bar, with the sign-in links at the other end.
        bar = page.locator(".account-bar").bounding_box()
        assert box.bounding_box()["x"] < bar["x"] + bar["width"] / 2
    else:
        assert link.is_visible() and not box.is_visible()
        assert link.inner_text() == "Search"
    _check(page, "header-front-page", width, also=lambda scheme: page.locator(
        ".site-header").screenshot(path=str(SHOTS / f"header-{width}-{scheme}.png")))


@pytest.mark.parametrize("width", [1280, 390])
def test_header_search_works_without_javascript(live_server, newsroom, new_page, width):
    page, _ = _open(new_page, live_server, "/articles/", width, "light", javascript=False)
    if width >= 1280:
        page.get_by_label("Search stories").fill("harbour")
        page.get_by_label("Search stories").press("Enter")
    else:
        page.locator(".header-search-link").click()
    page.wait_for_url("**/search/**")
    if width >= 1280:
        assert page.url.endswith("/search/?q=harbour")
        assert page.locator(".search-form input[name=q]").input_value() == "harbour"
    assert page.locator("h1").inner_text() == "Search"


@pytest.mark.parametrize("width", WIDTHS)
def test_too_many_searches_keeps_the_words_and_says_how_long(live_server, newsroom, new_page,
                                                             settings, width):
    settings.SEARCH_LIMIT_PER_MINUTE = 1
    page, response = _open(new_page, live_server, "/search/?q=harbour", width, "light")
    assert response.status == 200
    response = page.goto(live_server.url + "/search/?q=harbour+ferries")
    assert response.status == 429
    notice = page.get_by_role("alert")
    assert notice.inner_text().startswith("You have searched many times in the last minute.")
    assert page.locator(".search-form input[name=q]").input_value() == "harbour ferries"
    _check(page, "search-too-many", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_busy_search_keeps_the_words_and_asks_to_try_again(live_server, newsroom, new_page,
                                                             settings, width):
    settings.SEARCH_CONCURRENCY = 1
    with ratelimit.place("search", 1, 30):  # the one place, taken by another search
        page, response = _open(new_page, live_server, "/search/?q=harbour+ferries", width,
                               "light")
    assert response.status == 503 and response.headers["retry-after"] == "5"
    notice = page.get_by_role("alert")
    assert notice.inner_text().startswith("Search is busy right now.")
    assert page.locator(".search-form input[name=q]").input_value() == "harbour ferries"
    _check(page, "search-busy", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_account_page(live_server, newsroom, signed_in, new_page, width):
    page, response = _open(new_page, live_server, "/accounts/", width, "light",
                           cookie=signed_in)
    assert response.status == 200
    assert "private" in response.headers["cache-control"]
    header = page.locator(".site-header")
    assert header.get_by_role("link", name="Your account").is_visible()
    assert header.get_by_text("Delete account").count() == 0
    assert page.locator("h1").inner_text() == "Your account"
    assert page.locator(".account-details").get_by_text("watcher@example.org").is_visible()
    assert page.get_by_role("link", name="Change your password").is_visible()
    history = page.locator(".account-comments li")
    assert history.count() == 3
    assert history.nth(0).locator(".comment-status").inner_text() == "Hidden by a moderator"
    assert history.nth(1).locator(".comment-status").inner_text() == "Waiting for a moderator"
    story = history.nth(2).get_by_role("link", name=newsroom["lead"].headline)
    assert story.get_attribute("href") == newsroom["lead"].get_absolute_url() + "#comments"
    assert page.get_by_role("link", name="newsletter page").is_visible()
    assert page.get_by_role("link", name="Delete your account…").is_visible()
    _check(page, "account", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_deleting_the_account_ends_on_its_confirmation(live_server, newsroom, signed_in,
                                                       new_page, width):
    page, _ = _open(new_page, live_server, "/accounts/", width, "light", cookie=signed_in)
    page.get_by_role("link", name="Delete your account…").click()
    expect(page.locator("h1")).to_have_text("Delete your account")
    _check(page, "delete-account", width)
    page.get_by_label("Password").fill("a-long-test-passphrase")
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my account").click()
    assert page.url == f"{live_server.url}/accounts/deleted/"
    assert page.locator("h1").inner_text() == "Your account is deleted"
    assert page.get_by_role("status").inner_text().startswith("Your account, your email")
    assert page.locator(".site-header").get_by_role("link", name="Sign in").is_visible()
    _check(page, "account-deleted", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_signup_says_the_username_is_public(live_server, standing_pages, new_page,
                                            width):
    page, _ = _open(new_page, live_server, "/accounts/signup/", width, "light")
    assert page.get_by_text("username is shown publicly").is_visible()
    help_text = page.locator("#id_username_helptext")
    assert help_text.inner_text().startswith("Shown publicly beside your comments.")
    assert page.get_by_label("Username").get_attribute("aria-describedby") \
        == "id_username_helptext"
    assert "can’t be too similar" not in page.locator("main").inner_text()
    _check(page, "signup", width)


def _left(page, selector):
    return page.locator(selector).first.evaluate("el => el.getBoundingClientRect().left")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("slug", ["about", "standards", "privacy"])
def test_standing_pages_align_title_and_text(live_server, standing_pages, new_page,
                                             slug, width):
    page, response = _open(new_page, live_server, f"/{slug}/", width, "light")
    assert response.status == 200
    title = _left(page, ".standing-page h1")
    assert title == _left(page, ".standing-page .story-body p")
    assert title == _left(page, ".standing-page .story-body h2")
    if slug == "about":
        contact = page.locator("#contact")
        assert _left(page, "#contact h2") == title
        assert contact.get_by_role("link", name="newsroom@example.org").get_attribute(
            "href") == "mailto:newsroom@example.org"
    _check(page, f"page-{slug}", width)


@pytest.mark.parametrize("width", [1280, 390])
def test_footer_links_privacy_and_the_newsroom(live_server, standing_pages, new_page, width):
    page, _ = _open(new_page, live_server, "/authors/", width, "light")
    footer = page.locator(".site-footer")
    footer.get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/privacy/")
    assert page.locator("h1").inner_text() == "Privacy"
    page.locator(".site-footer").get_by_role("link", name="Contact the newsroom").click()
    page.wait_for_url("**/about/#contact")
    assert page.locator("#contact").is_visible()
    assert page.locator("#contact").evaluate(
        "el => el.getBoundingClientRect().top") < page.viewport_size["height"]


@pytest.mark.parametrize("width", WIDTHS)
def test_404_page_offers_search(live_server, newsroom, new_page, width):
    page, response = _open(new_page, live_server, "/articles/no-such-story/", width, "light")
    assert response.status == 404
    box = page.get_by_label("Search our stories")
    assert box.is_visible()
    _check(page, "404-search", width)
    box.fill("harbour")
    page.locator(".error-search").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=harbour")
