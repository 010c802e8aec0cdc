"""An editor merges two tags in the admin; a moderator, who may only view tags, is not offered it.

Screenshots of the merge page and of the list after it, at 1280 px and
390 px, light and dark, go to screenshots/tag-merge/ (git-ignored), to be
looked at by a person.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_desk import sign_in, staff
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tag-merge"
LOOKS = [(width, scheme) for scheme in ("light", "dark") for width in (1280, 390)]
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_an_editor_merges_two_tags_and_a_moderator_cannot(live_server, new_page, roles):
    staff("Editors", "jeditor")
    staff("Moderators", "mod")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, (width, scheme) in enumerate(LOOKS):
        harbour = ArticleFactory(headline=f"Harbour reopens {number}", tags=[f"Ports {number}"])
        quay = ArticleFactory(headline=f"Quay closes {number}",
                              tags=[f"Harbours {number}", f"Ports {number}"])
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, "jeditor")
        page.goto(f"{live_server.url}/admin/taggit/tag/")
        for name in (f"Harbours {number}", f"Ports {number}"):
            page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
        page.select_option("select[name=action]", "render_tag_form")
        page.locator("button[name=index]").click()

        expect(page.locator("#content-main li")).to_have_text(
            [f"“Harbours {number}”: 1 tagged", f"“Ports {number}”: 2 tagged"])
        # An empty name is refused on the page, the tags as they were.
        page.locator("input[value='Merge tags']").click()
        expect(page.locator(".errorlist")).to_contain_text("This field is required.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        page.screenshot(path=SHOTS / f"merge-page-{width}-{scheme}.png", full_page=True)

        page.fill("#id_into", f"ports {number}")  # one of them, typed in another case
        page.locator("input[value='Merge tags']").click()
        expect(page.locator(".messagelist")).to_contain_text(
            f"Merged “Harbours {number}” into “Ports {number}”: 2 tagged with it.")
        page.screenshot(path=SHOTS / f"merged-{width}-{scheme}.png", full_page=True)
        assert list(harbour.tags.names()) == [f"Ports {number}"]
        assert list(quay.tags.names()) == [f"Ports {number}"]

    moderator = new_page()
    sign_in(moderator, live_server, "mod")
    moderator.goto(f"{live_server.url}/admin/taggit/tag/")
    assert moderator.locator("option[value=render_tag_form]").count() == 0
    assert moderator.goto(f"{live_server.url}/admin/taggit/tag/merge-tags/").status == 403
