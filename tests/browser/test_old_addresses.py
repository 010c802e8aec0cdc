"""The old addresses that lead to a renamed author or story, on its change page
(core.admin.OldAddressesMixin).

An editor who renames an author or a story sees, beside the slug, every earlier address
that still leads there, a long one included, without the page scrolling sideways.
Screenshots at 1280 px and 390 px, light and dark, go to screenshots/foldaddr/
(git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import LOOKS, NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "foldaddr"
LONG = "margaret-okonkwo-political-editor-and-harbour-and-waterfront-correspondent"


def test_a_renamed_authors_page_lists_where_its_old_links_lead(live_server, new_page, roles):
    staff("Editors", "jeditor")
    author = AuthorFactory(name="Margaret Okonkwo", slug=LONG, title="Political editor")
    author.slug = "okonkwo"
    author.save()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, (width, scheme) in enumerate(LOOKS):
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, "jeditor")
        page.goto(f"{live_server.url}/admin/authors/author/{author.pk}/change/")
        if number == 0:  # renamed once more, in the form
            page.fill("#id_slug", "margaret-okonkwo")
            page.locator("input[name=_continue]").click()
            expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        row = page.locator(".field-old_addresses")
        expect(row.locator("code")).to_have_text(["/authors/okonkwo/", f"/authors/{LONG}/"])
        expect(row).to_contain_text("Links to these addresses lead here.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        page.screenshot(path=SHOTS / f"author-old-addresses-{width}-{scheme}.png", full_page=True)


def test_a_renamed_storys_page_lists_where_its_old_links_lead(live_server, new_page, roles):
    staff("Editors", "jeditor")
    story = ArticleFactory(headline="Harbour ferries", slug=f"{LONG}-story")
    story.slug = "harbour-ferries-shorter"
    story.save()
    for number, (width, scheme) in enumerate(LOOKS):
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, "jeditor")
        page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        if number == 0:  # renamed once more, in the form
            page.fill("#id_slug", "harbour-ferries")
            page.locator("input[name=_continue]").first.click()
            expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        row = page.locator(".field-old_addresses")
        expect(row.locator("code")).to_have_text(
            ["/articles/harbour-ferries-shorter/", f"/articles/{LONG}-story/"])
        expect(row).to_contain_text("Another article may not take their slugs")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        page.screenshot(path=SHOTS / f"story-old-addresses-{width}-{scheme}.png")
