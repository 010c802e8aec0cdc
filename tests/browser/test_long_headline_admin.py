"""A headline of 200 characters without a space (the longest allowed) in the newsroom: its
change page and the story list stay as wide as the screen (QA, 2026-12-06: the change
page was 3,101 px wide at 1280 px, and the list pushed every other column off screen).

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/long-headline/
(git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "long-headline")
HEADLINE = "Harbour" + "x" * 193


def test_a_headline_without_spaces_wraps_in_the_newsroom(live_server, new_page, roles):
    staff("Editors", "editor")
    story = ArticleFactory(headline=HEADLINE)
    page = new_page()
    sign_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    for width, scheme in each_look(page):
        expect(page.locator("#id_headline")).to_have_value(HEADLINE)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), "the change page scrolls sideways"
        assert serious(page) == []
        shoot(page, "change", width, scheme, full_page=False)
    page.goto(f"{live_server.url}/admin/articles/article/")
    for width, scheme in each_look(page):
        assert page.evaluate(NO_HORIZONTAL_SCROLL), "the story list scrolls sideways"
        # The list's other columns stay on screen beside the headline.
        if width == 1280:
            for column in ("Author", "Section"):
                box = page.get_by_role("columnheader", name=column).bounding_box()
                assert box["x"] + box["width"] <= width, column
        shoot(page, "list", width, scheme, full_page=False)
