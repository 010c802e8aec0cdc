"""A deleted story's history: its Compare button leads to the two revisions compared
(it was a 404), at 1280 px and 390 px, light and dark (QA round 11, the site after years).

Screenshots go to screenshots/qa11/ (git-ignored), to be looked at by a person.
"""

from pathlib import Path

import pytest

from tests.browser import test_desk_qa_round3 as round3
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk_qa_round3 import signed_in, widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

story = round3.story  # the fixture: a story with three revisions, and its editor
shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")


def test_a_deleted_storys_revisions_are_compared(live_server, new_page, story):
    pk = story.pk
    story.delete()
    page = signed_in(new_page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/{pk}/history/")
    for width, scheme in each_look(page):
        shoot(page, "deleted-story-history", width, scheme)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#change-history tbody tr").nth(2).get_by_text("From", exact=True).click()
    page.get_by_role("button", name="Compare the chosen revisions").click()
    page.wait_for_url("**/history/compare/**")
    for width, scheme in each_look(page):
        shoot(page, "deleted-story-compare", width, scheme)

        assert page.get_by_role("heading", name="Compare revisions: Night ferries").is_visible()
        later = page.locator("#revision-comparison tbody tr", has_text="Slug").locator("td")
        assert later.nth(1).inner_text().strip() == "night-ferries"
        scroll_width, inner_width = widths(page)
        assert scroll_width <= inner_width, "the comparison scrolls sideways"
        assert serious(page) == []
