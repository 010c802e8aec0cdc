"""Two tabs, two merges: each merge page merges the tags it lists, whatever another tab chose.

The tags chosen were kept in the session: a page opened in one tab merged
the tags chosen last in another. Screenshots of the merge page, and of it
refusing a merge whose tag was deleted meanwhile, at 1280 px and 390 px,
light and dark, go to screenshots/ftag/ (git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from taggit.models import Tag

from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "ftag")
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def open_merge(page, live_server, *names):
    page.goto(f"{live_server.url}/admin/taggit/tag/")
    for name in names:
        page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
    page.select_option("select[name=action]", "render_tag_form")
    page.locator("button[name=index]").click()
    expect(page.locator("#content-main h1, #content h1").first).to_have_text("Merge tags")


def test_each_tab_merges_the_tags_it_shows(live_server, new_page, roles):
    staff("Editors", "jeditor")
    ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours"])
    ArticleFactory(headline="Bank rates hold", tags=["Markets", "Banks"])
    first = new_page()
    sign_in(first, live_server, "jeditor")
    second = first.context.new_page()  # another tab, the same session
    open_merge(first, live_server, "Ports", "Harbours")
    open_merge(second, live_server, "Markets", "Banks")

    for width, scheme in each_look(first):
        expect(first.locator("#content-main li")).to_have_text(
            ["“Harbours”: 1 tagged", "“Ports”: 1 tagged"])
        assert first.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(first, "merge-page", width, scheme)
    first.fill("#id_into", "Waterfront")
    first.locator("input[value='Merge tags']").click()
    expect(first.locator(".messagelist")).to_contain_text(
        "Merged “Harbours” and “Ports” into “Waterfront”")
    assert Tag.objects.filter(name__in=["Markets", "Banks"]).count() == 2

    # The second tab's tag is deleted before it is sent: nothing is merged, and the
    # page lists the tag left.
    Tag.objects.get(name="Banks").delete()
    second.fill("#id_into", "Finance")
    second.locator("input[value='Merge tags']").click()
    for width, scheme in each_look(second):
        expect(second.locator(".errorlist.nonfield")).to_contain_text(
            "A tag you chose was deleted after you chose it, so nothing was merged.")
        expect(second.locator("#content-main li").first).to_have_text("“Markets”: 1 tagged")
        assert second.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(second, "merge-tag-gone", width, scheme)
    assert not Tag.objects.filter(name="Finance").exists()
    second.locator("input[value='Merge tags']").click()
    expect(second.locator(".messagelist")).to_contain_text("Merged “Markets” into “Finance”")
