"""An editor merges two tags in the admin; a moderator, who may only view tags, is not offered it.

Screenshots of the merge page and of the list after it, at 1280 px and
390 px, light and dark, go to screenshots/tag-merge/ (git-ignored), to be
looked at by a person.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "tag-merge")
# The four looks, for the browser tests that import them (each_look has its own order).
LOOKS = [(width, scheme) for scheme in ("light", "dark") for width in (1280, 390)]
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_an_editor_merges_two_tags_and_a_moderator_cannot(live_server, new_page, roles):
    staff("Editors", "jeditor")
    staff("Moderators", "mod")
    harbour = ArticleFactory(headline="Harbour reopens", tags=["Ports"])
    quay = ArticleFactory(headline="Quay closes", tags=["Harbours", "Ports"])
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/taggit/tag/")
    for name in ("Harbours", "Ports"):
        page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
    page.select_option("select[name=action]", "render_tag_form")
    page.locator("button[name=index]").click()

    expect(page.locator("#content-main li")).to_have_text(
        ["“Harbours”: 1 tagged", "“Ports”: 2 tagged"])
    # An empty name is refused on the page, the tags as they were.
    page.locator("input[value='Merge tags']").click()
    for width, scheme in each_look(page):
        expect(page.locator(".errorlist")).to_contain_text("This field is required.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "merge-page", width, scheme)

    page.fill("#id_into", "ports")  # one of them, typed in another case
    page.locator("input[value='Merge tags']").click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist")).to_contain_text(
            "Merged “Harbours” into “Ports”: 2 tagged with it.")
        shoot(page, "merged", width, scheme)
    assert list(harbour.tags.names()) == ["Ports"]
    assert list(quay.tags.names()) == ["Ports"]

    moderator = new_page()
    sign_in(moderator, live_server, "mod")
    moderator.goto(f"{live_server.url}/admin/taggit/tag/")
    assert moderator.locator("option[value=render_tag_form]").count() == 0
    assert moderator.goto(f"{live_server.url}/admin/taggit/tag/merge-tags/").status == 403
