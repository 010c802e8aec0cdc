"""The pages this round of fixes added or changed, in a real Chromium.

Sign-out from a bookmark, an email change confirmed in another browser, a
subscriber whose choices went away, and the story form asking for its image
again. At 1280 px and 390 px, light and dark; screenshots go to
screenshots/qa-round/ (git-ignored), to be looked at by a person.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from newsletter import tokens
from newsletter.models import Subscriber
from tests.browser import axe
from tests.browser.session import session_cookie
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa-round"
WIDTHS = [1280, 390]
PASSWORD = "a-long-test-passphrase"  # UserFactory's
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def look(page, name, width):
    """Each scheme: no sideways scroll, no serious axe finding, and a screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (name, width, scheme)
        assert not axe.serious(page), (name, scheme, axe.serious(page))
        page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_out_from_a_bookmark_offers_the_button(live_server, new_page, width):
    page = new_page(width=width)
    page.context.add_cookies([{**session_cookie(UserFactory(username="ana")),
                               "url": live_server.url}])
    assert page.goto(live_server.url + "/accounts/logout/").status == 200
    look(page, "sign-out", width)
    page.locator("#main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("Signed in as")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_email_change_confirmed_elsewhere_says_it_is_done(live_server, new_page, width):
    owner = Client()
    owner.force_login(UserFactory(username="ana", email="ana@example.org"))
    owner.post("/accounts/email/", {"email": "new@example.org", "password": PASSWORD})
    (message,) = mail.outbox
    path = re.search(r"http://\S+(/accounts/email/confirm/\S+/)", message.body)[1]
    page = new_page(width=width)
    page.goto(live_server.url + path)
    page.get_by_role("button", name=re.compile("Use this address")).click()
    expect(page.get_by_text("The account “ana” now uses new@example.org.")).to_be_visible()
    look(page, "email-change-done", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_subscriber_whose_choices_went_is_told(live_server, new_page, width):
    quiet = AuthorFactory(name="Zed Writer", slug="zed")
    ArticleFactory(author=quiet, status="draft", published_at=None)
    ArticleFactory(author=AuthorFactory(name="Li Wei", slug="li-wei"))
    gone = Subscriber.objects.create(email="hank@example.org", confirmed_at=timezone.now())
    follows_quiet = Subscriber.objects.create(email="ivy@example.org",
                                                confirmed_at=timezone.now())
    follows_quiet.authors.add(quiet)
    for name, subscriber, notice in (
            ("preferences-follows-nothing", gone, "You follow nothing at the moment"),
            ("preferences-quiet-author", follows_quiet,
             "No public stories at the moment; you still follow them.")):
        page = new_page(width=width)
        url = f"{live_server.url}/newsletter/preferences/{tokens.make(subscriber, tokens.MANAGE)}/"
        assert page.goto(url).status == 200
        assert page.get_by_text(notice).is_visible()
        look(page, name, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_story_form_asks_for_its_image_again(live_server, new_page, roles, width):
    editor = UserFactory(username="ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page = new_page(width=width)
    page.context.add_cookies([{**session_cookie(editor), "url": live_server.url}])
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.get_by_label("Headline").fill("Harbour reopens")
    page.set_input_files("input[name=image]", str(
        Path(__file__).resolve().parents[2] / "static" / "img" / "og-default.png"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).first.click()
    message = page.get_by_text("Choose the image again")
    assert message.is_visible()
    message.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(SHOTS / f"story-form-image-again-{width}-{scheme}.png"))
