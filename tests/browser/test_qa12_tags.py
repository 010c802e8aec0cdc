"""The story list's "Choose another tag…" keeps the list's other filters, in a real Chromium
(QA round 12).

An editor who had narrowed the story list (a section, a state, a search)
chose another tag from the tag list and came back to every story with that
tag: the link to the tag list dropped the rest. Now the tag list carries
them, through its own search, to each tag's "Its stories", with or without
JavaScript. Screenshots go to screenshots/qa12/ (git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa12"
# Light looks with JavaScript, dark ones without: the work is done once for each.
LOOKS_BY_JAVASCRIPT = {True: ((1280, "light"), (390, "light")),
                       False: ((1280, "dark"), (390, "dark"))}
PASSWORD = "a-long-test-passphrase"  # UserFactory's

shoot = shooter(SHOTS)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.parametrize("javascript", [True, False])
def test_choosing_another_tag_keeps_the_section_state_and_search(live_server, new_page, editor,
                                                                 javascript):
    harbour = SectionFactory(name="Harbour")
    ArticleFactory(headline="Ferry timetable for the winter", section=harbour,
                   tags=["Harbour ferries"], draft=True)
    ArticleFactory(headline="Ferry fares go up in spring", section=harbour, tags=["Fares"],
                   draft=True)
    ArticleFactory(headline="Ferry fares rise on the islands", tags=["Fares"])
    ArticleFactory(headline="Bus fares frozen", section=harbour, tags=["Fares"], draft=True)
    page = new_page(javascript=javascript)
    looks = LOOKS_BY_JAVASCRIPT[javascript]
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jeditor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/articles/article/?q=ferry&section__id__exact="
              f"{harbour.pk}&status=draft&tag=harbour-ferries")
    tag_filter = page.locator("details.story-filter", has_text="By tag")
    tag_filter.locator("summary").click()
    for width, scheme in each_look(page, looks):
        expect(page.locator("#result_list")).to_contain_text("Ferry timetable")
        shoot(page, "tags-story-list-before", width, scheme, full_page=False)
    tag_filter.get_by_role("link", name="Choose another tag…").click()

    page.fill("#searchbar", "fares")
    page.locator("#searchbar").press("Enter")
    for width, scheme in each_look(page, looks):
        expect(page.locator("#result_list")).not_to_contain_text("Harbour ferries")
        shoot(page, "tags-tag-list", width, scheme, full_page=False)
    page.get_by_role("link", name="Its stories").click()

    # Harbour's drafts about ferries with the tag Fares: not the published story, not the bus.
    results = page.locator("#result_list")
    for width, scheme in each_look(page, looks):
        expect(results).to_contain_text("Ferry fares go up in spring")
        expect(results).not_to_contain_text("Ferry fares rise on the islands")
        expect(results).not_to_contain_text("Bus fares frozen")
        expect(results).not_to_contain_text("Ferry timetable")
        expect(page.locator("#searchbar")).to_have_value("ferry")
        expect(page.locator("details.story-filter", has_text="By tag").locator("summary")
               ).to_have_text("By tag: Fares")
        expect(page.locator("details.story-filter", has_text="By section").locator("summary")
               ).to_have_text("By section: Harbour")
        expect(page.locator("details.story-filter", has_text="By state").locator("summary")
               ).to_have_text("By state: Draft")
        shoot(page, "tags-story-list-after", width, scheme, full_page=False)
