"""The daily edition's story blocks with the typographic quotes the site prints, in a real
Chromium at 1280 and 390 px, light and dark (QA round 13). Screenshots go to
screenshots/qa13/ (git-ignored)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from newsletter.edition import due_moment
from newsletter.models import Subscriber
from tests.browser.shots import shooter
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa13")
HEADLINE = "The \u201cquiet\u201d harbour\u2019s return"


@pytest.fixture
def edition(settings):
    settings.SITE_URL = "https://news.example"
    world = SectionFactory(name="World", slug="world")
    ArticleFactory(section=world, author=AuthorFactory(name="Margaret Okonkwo"), slug="quiet",
                   headline='The "quiet" harbour\'s return',
                   dek="Officials say 'not yet' to the port's plan.",
                   published_at=due_moment() - timedelta(hours=2))
    reader = Subscriber.objects.create(email="world@example.org", confirmed_at=timezone.now())
    reader.sections.set([world])
    call_command("send_edition", stdout=open(os.devnull, "w"))
    (message,) = mail.outbox
    return message


def test_the_edition_shows_typographic_quotes(edition):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed")
    html = edition.alternatives[0].content
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
                    link = page.get_by_role("link", name=HEADLINE)
                    assert link.get_attribute("href").startswith(
                        "https://news.example/articles/quiet/")
                    assert page.get_by_text(
                        "Officials say \u2018not yet\u2019 to the port\u2019s plan.").is_visible()
                    shoot(page, "edition-quotes", width, scheme)
                    context.close()
        finally:
            browser.close()
