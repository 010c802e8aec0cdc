"""The newsletter in a real Chromium: the edition email at 600 and 375 px, and the pages.

Screenshots go to screenshots/issue-16/ (git-ignored): the email at 600 and
375 px and the /newsletter/ and preferences pages at 1280 and 390 px, light
and dark, to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from newsletter.edition import due_moment
from newsletter.models import Subscriber
from tests.browser.axe import serious
from tests.browser.shots import each_look
from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory

from tests.newsletter.test_edition import send_edition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-16"


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def edition(live_server, settings):
    """A morning's edition for a daily subscriber, with a photo, an AI byline, a correction."""
    settings.SITE_URL = live_server.url
    moment = due_moment()
    world = SectionFactory(name="World", slug="world", position=0)
    business = SectionFactory(name="Business", slug="business", position=1)
    human = AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
    ai = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    lead = ArticleFactory(
        with_image=True, section=world, author=human, slug="harbour-ferries",
        headline="Harbour authority shortens ferry crossings after a year of consultation",
        dek="Crossings between the island and the mainland will be twelve minutes shorter "
            "from March, the authority said.",
        published_at=moment - timedelta(hours=1))
    ArticleFactory(section=world, author=human, slug="bridge", published_at=moment
                   - timedelta(hours=2), headline="Old swing bridge to reopen for cyclists")
    ArticleFactory(section=business, author=ai, slug="port-profits", ai_involvement="generated",
                   headline="Port operator reports record profits as container traffic grows",
                   published_at=moment - timedelta(hours=3))
    CorrectionFactory(article=lead, date=moment - timedelta(minutes=20),
                      text="An earlier version gave the wrong length for the new crossing.")
    Subscriber.objects.create(email="ana@example.org", is_daily=True,
                              confirmed_at=timezone.now())
    send_edition()
    (message,) = mail.outbox
    return message


def test_the_edition_renders_in_a_mail_sized_window(new_page, edition):
    html = edition.alternatives[0].content
    # Mail clients run no scripts.
    page = new_page(width=600, height=900, javascript=False)
    page.set_content(html, wait_until="load")
    looks = [(width, scheme) for width in (600, 375) for scheme in ("light", "dark")]
    for width, scheme in each_look(page, looks):
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        image = page.locator("img")
        assert image.count() == 1
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
        assert image.evaluate("i => i.getBoundingClientRect().right") <= width
        body = page.locator("body")
        background = body.evaluate("b => getComputedStyle(b).backgroundColor")
        name = page.get_by_role("link", name="EVA DAILY", exact=True)
        colour = name.evaluate("a => getComputedStyle(a).color")
        if scheme == "dark":
            assert (background, colour) == ("rgb(13, 14, 16)", "rgb(236, 235, 231)")
        else:
            assert (background, colour) == ("rgb(241, 238, 231)", "rgb(23, 22, 20)")
        assert page.get_by_role("link", name="AI-generated author").count() == 1
        shoot(page, f"edition-{width}-{scheme}")


def test_the_subscription_pages_in_light_and_dark(live_server, new_page, edition):
    preferences = next(line for line in edition.body.splitlines()
                       if "/newsletter/preferences/" in line).split()[-1]
    # axe runs as a script; the pages themselves have none.
    page = new_page()
    page.goto(f"{live_server.url}/newsletter/")
    for width, scheme in each_look(page):
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious(page) == []
        shoot(page, f"subscribe-{width}-{scheme}")
    page.goto(preferences)
    for width, scheme in each_look(page):
        assert page.get_by_role("heading", name="Your newsletter preferences").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious(page) == []
        shoot(page, f"preferences-{width}-{scheme}")


def test_a_mistake_keeps_what_was_typed_in_the_browser(live_server, new_page, edition):
    page = new_page(width=390, javascript=False)
    page.goto(f"{live_server.url}/newsletter/")
    page.get_by_label("Your email address").fill("ana.example.org")
    page.get_by_label("Business").check()
    page.get_by_label("The daily edition").uncheck()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Enter an email address such as name@example.org.")).not_to_have_count(0)
    assert page.get_by_label("Your email address").input_value() == "ana.example.org"
    assert page.get_by_label("Business").is_checked()
    assert not page.get_by_label("The daily edition").is_checked()
    shoot(page, "subscribe-error-390-light")
    page.get_by_label("Your email address").fill("bo@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()


def test_saved_choices_are_announced_in_a_live_region(live_server, new_page, edition):
    preferences = next(line for line in edition.body.splitlines()
                       if "/newsletter/preferences/" in line).split()[-1]
    page = new_page()
    page.goto(preferences)
    page.get_by_label("Business").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save choices").click()
    for width, scheme in each_look(page):
        # The list of notices keeps its role; the live region is around it.
        status = page.get_by_role("status").filter(has_text="Saved.")
        assert status.locator("ul.notices li").inner_text() == (
            "Saved. The next edition follows your new choices.")
        assert serious(page) == []
        shoot(page, f"preferences-saved-{width}-{scheme}")
