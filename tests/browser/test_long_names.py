"""Real-world names that are long: a byline on story cards and a one-word tag, in Chromium.

A reader's phone must never scroll sideways because an author's name or a tag
is longer than the card or the column. At 1280 px and 390 px, light and dark;
screenshots go to screenshots/long-names/ (git-ignored), to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "long-names"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
LONG_NAME = "María de los Ángeles Fernández-Santamaría Oyarzábal"
# An 83-character name with no space to break at but its hyphens.
HYPHENATED = "Anna-Katharina-Alexandra-Maximiliane-Wittelsbach-Hohenzollern-Sachsen-Coburg-Gotha"
LONG_TAG = "Supercalifragilisticexpialidocious" * 2  # 68 letters: tags hold 100 at most


@pytest.fixture
def long_names(db):
    now = timezone.now()
    world = SectionFactory(name="World", slug="world", position=0)
    person = AuthorFactory(name=LONG_NAME, slug="maria")
    persona = AuthorFactory(ai=True, name=HYPHENATED, slug="anna")
    story = ArticleFactory(with_image=True, slug="long-tag", section=world, author=person,
                           published_at=now - timedelta(hours=1),
                           tags=[LONG_TAG, "Harbours"])
    for index in range(3):
        ArticleFactory(with_image=True, slug=f"story-{index}", section=world,
                       author=(person, persona)[index % 2],
                       published_at=now - timedelta(hours=index + 2), tags=["Harbours"])
    return {"story": story, "person": person, "persona": persona, "world": world}


@pytest.mark.parametrize("width", [1280, 390])
def test_long_bylines_and_tags_never_push_the_page_sideways(
        live_server, long_names, new_page, width):
    pages = {
        "front": "/",
        "latest": "/articles/",
        "section": long_names["world"].get_absolute_url(),
        "tag": "/tags/harbours/",
        "author": long_names["persona"].get_absolute_url(),
        "story": long_names["story"].get_absolute_url(),
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page = new_page(width=width, color_scheme=scheme)
        for name, url in pages.items():
            response = page.goto(live_server.url + url)
            assert response.status == 200, url
            assert page.evaluate(NO_HORIZONTAL_SCROLL), (
                name, width, page.evaluate("[document.documentElement.scrollWidth, innerWidth]"))
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
        # The byline still moves to a line of its own whole before it wraps inside.
        page.goto(live_server.url + "/articles/")
        bylines = page.locator(".card-meta .meta-author")
        assert bylines.count() >= 4
        assert bylines.evaluate_all(
            "items => items.every(i => i.getClientRects().length === 1)")
        # And the tag chip stays inside the story's column.
        page.goto(live_server.url + pages["story"])
        chip = page.locator(".story-tags a", has_text=LONG_TAG[:20])
        column = page.locator(".story-tags").bounding_box()
        box = chip.bounding_box()
        assert box["x"] + box["width"] <= column["x"] + column["width"] + 1
