"""An edition of corrections alone, in a real Chromium (QA round, email2): its greeting says
there is no new story, and it holds up at 1280 and 390 px, light and dark. Screenshots go
to screenshots/email2/ (git-ignored)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from newsletter.edition import due_moment
from newsletter.models import Subscriber
from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory

from .test_edition import send_edition

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "email2"


@pytest.fixture
def edition(settings):
    """The edition of a reader who follows a section with no new story, but a correction."""
    settings.SITE_URL = "https://news.example"
    moment = due_moment()
    science = SectionFactory(name="Science", slug="science")
    story = ArticleFactory(section=science, author=AuthorFactory(name="Margaret Okonkwo"),
                           slug="comet", headline="Comet passes close to Earth",
                           published_at=moment - timedelta(days=3))
    CorrectionFactory(article=story, date=moment - timedelta(hours=2),
                      text="An earlier version said the comet passed 40,000 km from Earth. "
                           "It passed about 4 million km away.")
    reader = Subscriber.objects.create(email="sci@example.org", confirmed_at=timezone.now())
    reader.sections.set([science])
    send_edition()
    (message,) = mail.outbox
    return message


def test_an_edition_of_corrections_alone_reads_plainly(edition):
    # Playwright runs an event loop; the ORM is done with by now.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed")
    html = edition.alternatives[0].content
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width in (1280, 390):
                for scheme in ("light", "dark"):
                    context = browser.new_context(viewport={"width": width, "height": 800},
                                                  color_scheme=scheme,
                                                  java_script_enabled=False)
                    page = context.new_page()
                    page.set_content(html, wait_until="load")
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
                    greeting = page.get_by_text("No new stories in what you follow this time")
                    assert greeting.is_visible()
                    assert page.get_by_text("new stories in what you follow.").count() == 0
                    link = page.get_by_role("link", name="Comet passes close to Earth")
                    assert link.get_attribute("href").startswith(
                        "https://news.example/articles/comet/#correction-")
                    assert page.get_by_role("heading", name="Corrections and notes").count() == 1
                    background = page.locator("body").evaluate(
                        "b => getComputedStyle(b).backgroundColor")
                    assert background == ("rgb(13, 14, 16)" if scheme == "dark"
                                          else "rgb(241, 238, 231)")
                    page.screenshot(path=str(SHOTS / f"corrections-only-{width}-{scheme}.png"),
                                    full_page=True)
                    context.close()
        finally:
            browser.close()
