"""Layout, accessibility and no-JavaScript checks in a real Chromium."""

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import axe
from tests.browser.shots import each_look
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _page_urls(newsroom):
    return {
        "front page": "/",
        "article list": "/articles/",
        "article": newsroom["lead"].get_absolute_url(),
        "section": newsroom["world"].get_absolute_url(),
        "tag": "/tags/shipping/",
        "author list": "/authors/",
        "AI author": newsroom["ai"].get_absolute_url(),
        "human author": newsroom["human"].get_absolute_url(),
        "corrections": "/corrections/",
        "404": "/articles/no-such-story/",
    }


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_article_page_layout(live_server, newsroom, new_page, width):
    page = new_page(width=width)
    response = page.goto(live_server.url + newsroom["lead"].get_absolute_url())
    assert response.status == 200

    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    )
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == newsroom["lead"].headline

    hero = page.locator("figure.hero img")
    assert hero.get_attribute("alt") == "A harbour at dawn"
    assert hero.evaluate("img => img.complete && img.naturalWidth > 0"), "hero did not load"
    assert page.locator("figure.hero figcaption").inner_text().endswith(
        "Photo: Unsplash / Robert Bye"
    )

    date = page.locator(".masthead-date")
    assert date.evaluate("el => getComputedStyle(el).textTransform") == "uppercase"
    shown = date.inner_text()
    assert shown == shown.upper() and any(c.isalpha() for c in shown)
    source = date.text_content().strip()
    assert source != source.upper(), "the HTML text should stay in normal case"

    section = page.locator(".dateline .section-name")
    assert section.inner_text() == "WORLD"

    badge = page.locator(".byline").get_by_role("link", name="AI-generated author")
    assert badge.count() == 1
    assert badge.inner_text() == "AI"
    assert badge.get_attribute("title") == "AI-generated author"
    assert badge.get_attribute("href").endswith(
        newsroom["ai"].get_absolute_url() + "#ai-disclosure"
    )
    assert page.locator(".byline img.avatar").get_attribute("alt") == "Li Wei"


@pytest.mark.parametrize("name", ["front page", "article list", "author list", "AI author"])
def test_narrow_pages_do_not_scroll_sideways(live_server, newsroom, new_page, name):
    page = new_page(width=320)
    page.goto(live_server.url + _page_urls(newsroom)[name])
    for width, _ in each_look(page, looks=((320, "light"), (375, "light"))):
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (
            width, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        )


def test_skip_link_shows_on_focus(live_server, newsroom, new_page):
    page = new_page(width=375)
    page.goto(live_server.url + newsroom["lead"].get_absolute_url())
    skip = page.locator(".skip-link")
    assert not skip.evaluate("el => el.getBoundingClientRect().bottom > 0")
    page.keyboard.press("Tab")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.evaluate("el => el.getBoundingClientRect().top >= 0")
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"


@pytest.mark.parametrize(
    "name",
    ["front page", "article list", "article", "section", "tag", "author list",
     "AI author", "human author", "corrections", "404"],
)
def test_axe_finds_no_serious_problems(live_server, newsroom, new_page, name):
    page = new_page()
    response = page.goto(live_server.url + _page_urls(newsroom)[name])
    assert response.status == (404 if name == "404" else 200)

    for _, color_scheme in each_look(page, looks=((1280, "light"), (1280, "dark"))):
        problems = axe.serious(page)
        assert not problems, f"{name} ({color_scheme}):\n" + "\n".join(problems)


def test_article_page_works_without_javascript(live_server, newsroom, new_page):
    page = new_page(width=375, javascript=False)
    response = page.goto(live_server.url + newsroom["lead"].get_absolute_url())
    assert response.status == 200

    assert page.locator("h1.headline").inner_text() == newsroom["lead"].headline
    body = page.locator(".story-body")
    assert body.is_visible()
    assert "The harbour authority said on Tuesday" in body.inner_text()
    assert page.locator(".story-body h2", has_text="What changes").is_visible()
    assert page.locator("figure.hero img").is_visible()
    assert page.get_by_role("link", name="Back to all articles").is_visible()


def test_preview_banner_is_clearly_visible_to_staff(live_server, newsroom, new_page):
    client = Client()
    client.force_login(UserFactory(username="desk", is_staff=True, is_superuser=True))
    page = new_page(width=375)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    page.goto(live_server.url + "/articles/not-yet/")

    banner = page.locator(".preview-banner")
    assert banner.inner_text() == "Preview — not public"
    assert banner.is_visible()
    assert banner.evaluate("el => el.getBoundingClientRect().top") < 900
    assert banner.evaluate("el => getComputedStyle(el).backgroundColor") not in (
        "rgba(0, 0, 0, 0)", "transparent",
    )
    problems = axe.serious(page)
    assert not problems, "\n".join(problems)


def test_color_scheme_follows_the_reader(live_server, newsroom, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    for _, color_scheme in each_look(page, looks=((1280, "light"), (1280, "dark"))):
        background = page.evaluate(
            "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3)"
            ".map(Number)"
        )
        assert (sum(background) / 3 < 80) is (color_scheme == "dark"), (color_scheme, background)


def test_print_stylesheet(live_server, newsroom, new_page):
    page = new_page(color_scheme="dark")
    page.goto(live_server.url + newsroom["lead"].get_absolute_url())
    page.emulate_media(media="print")

    def display(selector):
        return page.locator(selector).first.evaluate("el => getComputedStyle(el).display")

    for hidden in (".skip-link", ".site-nav", ".site-footer nav"):
        assert display(hidden) == "none", hidden
    assert display(".story-body") != "none"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    link_after = page.locator(".story-body a[href^='http']").first.evaluate(
        "el => getComputedStyle(el, '::after').content"
    )
    assert "https://example.org/summary" in link_after
    assert page.locator("figure.hero").evaluate(
        "el => getComputedStyle(el).breakInside"
    ) == "avoid"
