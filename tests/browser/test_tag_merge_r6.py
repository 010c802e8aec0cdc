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

from tests.browser.test_desk import sign_in, staff
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "ftag"
LOOKS = [(width, scheme) for scheme in ("light", "dark") for width in (1280, 390)]
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
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, (width, scheme) in enumerate(LOOKS):
        ArticleFactory(headline=f"Harbour reopens {number}",
                       tags=[f"Ports {number}", f"Harbours {number}"])
        ArticleFactory(headline=f"Bank rates hold {number}",
                       tags=[f"Markets {number}", f"Banks {number}"])
        first = new_page(width=width, color_scheme=scheme)
        sign_in(first, live_server, "jeditor")
        second = first.context.new_page()  # another tab, the same session
        open_merge(first, live_server, f"Ports {number}", f"Harbours {number}")
        open_merge(second, live_server, f"Markets {number}", f"Banks {number}")

        expect(first.locator("#content-main li")).to_have_text(
            [f"“Harbours {number}”: 1 tagged", f"“Ports {number}”: 1 tagged"])
        assert first.evaluate(NO_HORIZONTAL_SCROLL)
        first.screenshot(path=SHOTS / f"merge-page-{width}-{scheme}.png", full_page=True)
        first.fill("#id_into", f"Waterfront {number}")
        first.locator("input[value='Merge tags']").click()
        expect(first.locator(".messagelist")).to_contain_text(
            f"Merged “Harbours {number}” and “Ports {number}” into “Waterfront {number}”")
        assert Tag.objects.filter(name__in=[f"Markets {number}", f"Banks {number}"]).count() == 2

        # The second tab's tag is deleted before it is sent: nothing is merged, and the
        # page lists the tag left.
        Tag.objects.get(name=f"Banks {number}").delete()
        second.fill("#id_into", f"Finance {number}")
        second.locator("input[value='Merge tags']").click()
        expect(second.locator(".errorlist.nonfield")).to_contain_text(
            "A tag you chose was deleted after you chose it, so nothing was merged.")
        expect(second.locator("#content-main li").first).to_have_text(
            f"“Markets {number}”: 1 tagged")
        assert not Tag.objects.filter(name=f"Finance {number}").exists()
        assert second.evaluate(NO_HORIZONTAL_SCROLL)
        second.screenshot(path=SHOTS / f"merge-tag-gone-{width}-{scheme}.png", full_page=True)
        second.locator("input[value='Merge tags']").click()
        expect(second.locator(".messagelist")).to_contain_text(
            f"Merged “Markets {number}” into “Finance {number}”")
