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

from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "foldaddr")
LONG = "margaret-okonkwo-political-editor-and-harbour-and-waterfront-correspondent"


# What is renamed: how it is made (at the slug LONG), the slug it is renamed to and
# then to again in the form, its admin, and its addresses' beginning.
RENAMED = {
    "author": (lambda: AuthorFactory(name="Margaret Okonkwo", slug=LONG, title="Political editor"),
               "okonkwo", "margaret-okonkwo", "authors/author", "/authors/"),
    "story": (lambda: ArticleFactory(headline="Harbour ferries", slug=LONG),
              "harbour-ferries-shorter", "harbour-ferries", "articles/article", "/articles/"),
}


@pytest.mark.parametrize("kind", RENAMED)
def test_a_renamed_change_page_lists_where_its_old_links_lead(live_server, new_page, roles, kind):
    make, renamed, again, admin_path, prefix = RENAMED[kind]
    staff("Editors", "jeditor")
    owner = make()
    owner.slug = renamed
    owner.save()
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/{admin_path}/{owner.pk}/change/")
    page.fill("#id_slug", again)  # renamed once more, in the form
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    row = page.locator(".field-old_addresses")
    for width, scheme in each_look(page):
        expect(row.locator("code")).to_have_text([f"{prefix}{renamed}/", f"{prefix}{LONG}/"])
        expect(row).to_contain_text("Links to these addresses lead here.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, f"{kind}-old-addresses", width, scheme)
