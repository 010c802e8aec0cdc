"""QA round 13, the admin's lists in a real Chromium: the tag list's "N total" link keeps the
story list it was opened from, and the section list saves the rows left when someone else
deleted one. Screenshots go to screenshots/qa13/ (git-ignored), to be looked at."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa13"
# Light looks with JavaScript, dark ones without: the work is done once for each.
LOOKS_BY_JAVASCRIPT = {True: ((1280, "light"), (390, "light")),
                       False: ((1280, "dark"), (390, "dark"))}
PASSWORD = "a-long-test-passphrase"  # UserFactory's

shoot = shooter(SHOTS)


def _signed_in(live_server, new_page, javascript):
    UserFactory(username="qa13chief", is_staff=True, is_superuser=True)
    page = new_page(javascript=javascript)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "qa13chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


@pytest.mark.parametrize("javascript", [True, False])
def test_the_tag_list_s_total_link_keeps_the_story_list_s_search(live_server, new_page,
                                                                 javascript):
    ArticleFactory(headline="Ferry fares rise", tags=["Fares"])
    ArticleFactory(headline="Ferry timetable", tags=["Ferries"])
    ArticleFactory(headline="Market day", tags=["Ferries"])
    page = _signed_in(live_server, new_page, javascript)
    page.goto(f"{live_server.url}/admin/articles/article/?q=ferry")
    page.locator("details.story-filter", has_text="By tag").locator("summary").click()
    page.get_by_role("link", name="Choose a tag…").click()
    page.fill("#searchbar", "fare")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).not_to_contain_text("Ferries")
    page.get_by_role("link", name="2 total").click()
    for width, scheme in each_look(page, LOOKS_BY_JAVASCRIPT[javascript]):
        expect(page.locator("#result_list")).to_contain_text("Ferries")
        shoot(page, "tag-list-total", width, scheme, full_page=False)
    page.locator("#result_list tr", has_text="Ferries").get_by_role(
        "link", name="Its stories").click()
    expect(page.locator("#result_list")).to_contain_text("Ferry timetable")
    expect(page.locator("#result_list")).not_to_contain_text("Market day")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_section_deleted_meanwhile_leaves_the_other_positions_saved(live_server, new_page,
                                                                      javascript):
    SectionFactory(name="World", slug="world", position=0)
    climate = SectionFactory(name="Climate", slug="climate", position=4)
    SectionFactory(name="Sport", slug="sport", position=8)
    page = _signed_in(live_server, new_page, javascript)
    page.goto(f"{live_server.url}/admin/articles/section/")
    climate.delete()  # by someone else
    page.get_by_label("Position of World").fill("1")
    page.get_by_label("Position of Sport").fill("9")
    page.get_by_role("button", name="Save").click()
    for width, scheme in each_look(page, LOOKS_BY_JAVASCRIPT[javascript]):
        expect(page.locator(".messagelist")).to_contain_text(
            "A section in the list was deleted by someone else after you opened it")
        expect(page.get_by_label("Position of Sport")).to_have_value("9")
        expect(page.get_by_label("Position of World")).to_have_value("1")
        shoot(page, "section-deleted-meanwhile", width, scheme)
