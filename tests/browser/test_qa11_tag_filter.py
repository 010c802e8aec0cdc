"""The story list's tag filter, which lists only the chosen tag, in a real Chromium (QA round 11).

An editor chooses a tag from the tag list ("Choose a tag…", then the tag's
"Its stories"), with or without JavaScript, and the story list shows it
chosen. Screenshots of the list with a tag chosen and its filter open go
to screenshots/qa11/ (git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa11"
PASSWORD = "a-long-test-passphrase"  # UserFactory's

shoot = shooter(SHOTS)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# The light looks are taken with JavaScript, the dark ones without: the steps differ, so the
# test runs once for each, and its pages are checked and photographed at both widths.
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_editor_chooses_a_tag_and_sees_it_chosen(live_server, new_page, editor, scheme):
    looks = ((1280, scheme), (390, scheme))
    ArticleFactory(headline="Harbour ferry returns to the timetable", tags=["Harbour ferries"])
    ArticleFactory(headline="Market day draws a crowd", tags=["Markets"])
    page = new_page(color_scheme=scheme, javascript=scheme == "light")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jeditor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/articles/article/")
    tag_filter = page.locator("details.story-filter", has_text="By tag")
    tag_filter.locator("summary").click()
    expect(tag_filter.locator("ul")).not_to_contain_text("Markets")
    tag_filter.get_by_role("link", name="Choose a tag…").click()
    page.fill("#searchbar", "harbour")
    page.locator("#searchbar").press("Enter")
    for width, scheme in each_look(page, looks):
        expect(page.locator("#result_list")).not_to_contain_text("Markets")
        shoot(page, "tag-list-its-stories", width, scheme, full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Its stories").click()

    expect(page.locator("#result_list")).to_contain_text("Harbour ferry returns")
    tag_filter = page.locator("details.story-filter", has_text="By tag")
    tag_filter.locator("summary").click()
    for width, scheme in each_look(page, looks):
        expect(page.locator("#result_list")).to_contain_text("Harbour ferry returns")
        expect(page.locator("#result_list")).not_to_contain_text("Market day")
        expect(tag_filter.locator("summary")).to_have_text("By tag: Harbour ferries")
        chosen = tag_filter.locator("a[aria-current=true]")
        expect(chosen).to_have_text("Harbour ferries")
        expect(tag_filter.get_by_role("link", name="Choose another tag…")).to_be_visible()
        left, right = tag_filter.locator("ul").evaluate(
            "e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }")
        assert left >= 0 and right <= width
        shoot(page, "story-list-tag-chosen", width, scheme, full_page=False)
