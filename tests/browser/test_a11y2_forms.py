"""Form pages in Chromium, a11y2 round: a refused form opens on what to correct, its title
begins "Error: "; each Report control names its comment and shows whether it is open; a
story's table is a Tab stop only while it scrolls. Screenshots of the sign-in and sign-up
errors and of a comment with its Report form open, at 1280 and 390 px, light and dark, go
to screenshots/a11y2/ (git-ignored)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import session
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "a11y2"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")


def _focused(page):
    return page.evaluate("() => { const el = document.activeElement;"
                         " return `${el.tagName.toLowerCase()}#${el.id}`; }")


def _sign_in(page, live_server, username):
    """Signed in as username (tests/browser/session.py)."""
    session.sign_in(page.context, live_server.url, get_user_model().objects.get(username=username))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("javascript", [True, False])
def test_a_refused_sign_in_and_sign_up_open_on_the_problem(live_server, new_page, width,
                                                         javascript):
    SHOTS.mkdir(parents=True, exist_ok=True)
    UserFactory(username="ana")
    for scheme in SCHEMES:
        page = new_page(width=width, color_scheme=scheme, javascript=javascript)
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_label("Username")).to_be_focused()
        page.get_by_label("Username").fill("ana")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        message = page.get_by_role("alert")
        expect(message).to_have_text("Your username and password didn’t match. Please try again.")
        expect(message).to_be_focused()
        expect(page).to_have_title(re.compile(r"^Error: Sign in · "))
        for box in (page.get_by_label("Username"), page.get_by_label("Password")):
            expect(box).to_have_attribute("aria-invalid", "true")
            expect(box).to_have_accessible_description(
                "Your username and password didn’t match. Please try again.")
        if javascript:
            page.screenshot(path=str(SHOTS / f"sign-in-error-{width}-{scheme}.png"))

        page.goto(f"{live_server.url}/accounts/signup/")
        page.get_by_label("Username").fill(f"new_reader_{scheme}")
        page.get_by_label("Email").fill("not-an-address")
        page.get_by_label("Password", exact=True).fill("harbour-lantern-pebble-91")
        page.get_by_label("The same password again").fill("harbour-lantern-pebble-91")
        page.get_by_role("button", name="Create account").click()
        email = page.get_by_label("Email")
        expect(email).to_be_focused()
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(email).to_have_accessible_description(
            re.compile("Enter an email address such as name@example.org"))
        expect(page).to_have_title(re.compile(r"^Error: Create an account · "))
        if javascript:
            page.screenshot(path=str(SHOTS / f"sign-up-error-{width}-{scheme}.png"),
                            full_page=True)


def test_the_other_form_pages_open_on_the_first_wrong_field(live_server, new_page):
    """Without the script: the pages' own autofocus is all there is."""
    UserFactory(username="ana", email="ana@example.org")
    story = ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    page = new_page(width=390, javascript=False)

    page.goto(f"{live_server.url}/newsletter/")
    page.get_by_label("Your email address").fill("bad")
    page.get_by_label("The daily edition").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_label("Your email address")).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))

    page.goto(f"{live_server.url}/newsletter/")
    page.get_by_label("Your email address").fill("new@example.org")
    page.get_by_label("The daily edition").uncheck()
    page.get_by_role("button", name="Subscribe").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("nothing was sent yet")
    expect(summary).to_be_focused()

    page.goto(f"{live_server.url}/articles/{story.slug}/report-bias/")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#id_reason_0")).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: Report bias: "))

    _sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/articles/{story.slug}/comments/")
    page.get_by_role("button", name="Post comment").click()
    box = page.get_by_label("Your comment")
    expect(box).to_be_focused()
    expect(box).to_have_accessible_description(re.compile("^Write something before posting"))
    expect(page).to_have_title(re.compile("^Error: Comments: "))

    for url, fill, button in (
            ("/accounts/password_change/", {"Your current password": "wrong-password-1"},
             "Change password"),
            ("/accounts/email/", {"New email address": "new@example.org",
                                  "Your current password": "wrong-password-1"},
             "Send the link"),
            ("/accounts/delete/", {"Your password": "wrong-password-1"}, "Delete my account")):
        page.goto(live_server.url + url)
        for label, value in fill.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name=button).click()
        expect(page).to_have_title(re.compile("^Error: "))
        focused = page.locator(":focus")
        expect(focused).to_have_attribute("aria-invalid", "true")
        assert page.locator("[autofocus]").count() == 1, (url, _focused(page))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_control_names_its_comment_and_shows_it_is_open(live_server, new_page,
                                                                   width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    story = ArticleFactory(headline="Ferries resume",
                           published_at=timezone.now() - timedelta(hours=2))
    CommentFactory(article=story, reader=UserFactory(username="island_ann"),
                   body="Will the island stop get the later boat too?")
    UserFactory(username="ana")
    for scheme in SCHEMES:
        page = new_page(width=width, color_scheme=scheme)
        _sign_in(page, live_server, "ana")
        page.goto(f"{live_server.url}/articles/{story.slug}/comments/")
        report = page.locator(".comment-report summary")
        expect(report).to_have_accessible_name("Report the comment by island_ann")
        expect(report).to_have_text("Report the comment by island_ann")
        chevron = "s => getComputedStyle(s, '::before').transform"
        closed = report.evaluate(chevron)
        assert closed not in ("none", ""), closed
        page.locator(".comment").screenshot(
            path=str(SHOTS / f"comment-report-closed-{width}-{scheme}.png"))
        report.click()
        expect(page.get_by_role("group", name="What is wrong with this comment?")).to_be_visible()
        opened = report.evaluate(chevron)
        assert opened not in ("none", "", closed), (closed, opened)
        page.locator(".comment").screenshot(
            path=str(SHOTS / f"comment-report-open-{width}-{scheme}.png"))


def test_a_table_is_a_tab_stop_only_while_it_scrolls(live_server, newsroom, new_page):
    url = live_server.url + newsroom["lead"].get_absolute_url()
    name = "Table: What changes"
    wide = new_page(width=1280)
    wide.goto(url)
    table = wide.get_by_role("region", name=name)
    expect(table).to_be_visible()
    expect(table).not_to_have_attribute("tabindex", re.compile(".*"))
    narrow = new_page(width=390)
    narrow.goto(url)
    table = narrow.get_by_role("region", name=name)
    assert table.evaluate("b => b.scrollWidth > b.clientWidth")
    expect(table).to_have_attribute("tabindex", "0")
    # Narrowed: it scrolls now, and is a stop again.
    wide.set_viewport_size({"width": 390, "height": 900})
    expect(wide.get_by_role("region", name=name)).to_have_attribute("tabindex", "0")
    # Without the script it is always one, for the keyboard to scroll it when it needs to.
    plain = new_page(width=1280, javascript=False)
    plain.goto(url)
    expect(plain.get_by_role("region", name=name)).to_have_attribute("tabindex", "0")
