import os

# Playwright's sync API runs an event loop in the main thread, and Django
# refuses ORM calls (the factories) while one is running unless told otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from articles.models import RelatedArticle  # noqa: E402
from standards.models import Correction  # noqa: E402
from tests.factories import (  # noqa: E402
    ArticleFactory,
    AuthorFactory,
    CorrectionFactory,
    SectionFactory,
    image_file,
    make_roles,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A story body with the things that break narrow layouts: a long unbroken
# URL, a long word, a wide table, a quote and a list.
STORY_BODY = """The harbour authority said on Tuesday that the new schedule would take effect next month.

## What changes

The full notice is at https://example.org/notices/2026/ferry-schedule/a-very-long-path-without-any-spaces-at-all-that-must-wrap.html and a [summary](https://example.org/summary) is online.

> "We listened to the people who use these boats every day," the harbour master said.

Donaudampfschifffahrtsgesellschaftskapitaenswitwenrentenversicherungsanstalt is not a real body.

| Route | Old time | New time | Change | Operator | Notes |
|---|---|---|---|---|---|
| North pier to Island | 45 min | 33 min | -12 min | Bluewater Ferries Ltd | Daily service |
| South pier to Harbour | 30 min | 25 min | -5 min | Harbour Lines | Weekdays only |

- Earlier first departure
- Later last departure

The operators will publish timetables in the coming weeks.
"""


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, once per run: a second sync_playwright() in the same process is refused
    (its event loop is running), so a test wanting another browser launches it from here."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: apt-get install chromium "
                    "(make test installs it when run as root on Debian)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context: new_page(width=375, color_scheme="dark")."""
    contexts = []

    def make(width=1280, height=900, color_scheme="light", javascript=True):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        # A page's scripts may still speak to the site as it closes (an open newsroom form
        # says it is leaving: static/js/editing_now.js). Nothing may reach the live server
        # once the test is over: on SQLite, a query there while the test's rows are being
        # deleted locks the table, and the next test starts on what was left.
        context.route("**/*", lambda route: route.abort())
        context.close()


@pytest.fixture
def roles(db):
    """The Editors and Moderators groups, as the migrations make them.

    Live-server tests empty the database after each test, groups included, so
    a test that needs them after another one makes them again.
    """
    make_roles()


@pytest.fixture
def newsroom(db):
    """A small public newsroom: two sections, a human and an AI author, tags,
    corrections and related links, and a featured lead story with a photo."""
    now = timezone.now()
    world = SectionFactory(name="World", slug="world", position=0)
    business = SectionFactory(name="Business", slug="business", position=1)
    human = AuthorFactory(
        name="Margaret Okonkwo", slug="margaret-okonkwo", title="Political editor",
        avatar=image_file("margaret.jpg", size=(300, 300), color=(150, 90, 60)),
    )
    ai = AuthorFactory(
        ai=True, name="Li Wei", slug="li-wei", title="Asia correspondent",
        avatar=image_file("li-wei.jpg", size=(300, 300), color=(60, 90, 150)),
    )
    lead = ArticleFactory(
        with_image=True,
        headline="Harbour authority shortens ferry crossings after a year of consultation",
        slug="harbour-ferries",
        section=world,
        author=ai,
        body=STORY_BODY,
        is_featured=True,
        published_at=now - timedelta(minutes=30),
        tags=["Shipping", "Harbours"],
    )
    others = [
        ArticleFactory(
            with_image=index % 2 == 0,
            slug=f"story-{index}",
            section=(world, business)[index % 2],
            author=(human, ai)[index % 2],
            published_at=now - timedelta(hours=index + 1),
            tags=["Shipping"],
        )
        for index in range(6)
    ]
    CorrectionFactory(article=lead)
    CorrectionFactory(
        article=lead, kind=Correction.Kind.EDITORS_NOTE,
        text="This story was updated with the operators' response.",
    )
    RelatedArticle.objects.create(from_article=lead, to_article=others[1], position=0)
    ArticleFactory(draft=True, slug="not-yet", section=world, author=human)
    return {"lead": lead, "others": others, "human": human, "ai": ai,
            "world": world, "business": business}
