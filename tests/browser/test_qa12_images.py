"""QA round 12: a draft's picture is the newsroom's until the story is public.

The site serves it to an editor previewing the draft (the page shows it
loaded) and answers 404 to a reader who has its address. The site runs
alone, without the live server's own handler for /media/, which would
answer before core.views.media (tests/core/test_edge_qa5_site.py).
Screenshots of the editor's preview go to screenshots/qa12/ (git-ignored) at
1280 and 390 px, light and dark.
"""

from pathlib import Path

import pytest

from tests.articles.newsroom import staff
from tests.browser import session
from tests.browser.shots import each_look, shooter
from tests.core import test_edge_qa5_site as site_alone
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa12")
app_server = site_alone.app_server

HERO_LOADED = ("() => { const img = document.querySelector('figure.hero img');"
               " return img !== null && img.complete && img.naturalWidth > 0; }")


@pytest.fixture
def draft(app_server, roles):
    story = ArticleFactory(with_image=True, draft=True, slug="embargoed-ferry",
                           headline="Ferry operator to be sold, documents show")
    host, port = app_server
    return story, f"http://{host}:{port}"


def test_an_editor_previews_the_draft_with_its_picture(draft, new_page):
    story, site = draft
    page = new_page()
    session.sign_in(page.context, site, staff("Editors", username="editor"))
    response = page.goto(f"{site}{story.get_absolute_url()}")
    assert response.status == 200
    for width, scheme in each_look(page):
        page.wait_for_function(HERO_LOADED)
        shoot(page, "images-draft-preview", width, scheme, full_page=False)


def test_a_reader_with_its_address_gets_a_404(draft, new_page):
    story, site = draft
    page = new_page()
    assert page.goto(f"{site}{story.get_absolute_url()}").status == 404
    for name in (story.image.name, story.image_renditions["jpeg"][0]["name"]):
        response = page.goto(f"{site}/media/{name}")
        assert response.status == 404, name
        assert response.headers["cache-control"] == "private, no-cache"
    shoot(page, "images-draft-reader", 1280, "light", full_page=False)
