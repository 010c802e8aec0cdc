"""QA round 13: a page cached before its story's picture was replaced still shows a picture.

The page is served to the browser as a cache kept it (rendered before the
replacement); the site alone answers /media/ (core.views.media). The picture
replaced is kept a while (core.images.keep_after_commit), so it loads.
Screenshots go to screenshots/qa13/ (git-ignored) at 1280 and 390 px, light and dark.
"""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.articles.newsroom import history_url, staff
from tests.browser import session
from tests.browser.shots import each_look, shooter
from tests.core import test_edge_qa5_site as site_alone
from tests.factories import ArticleFactory
from tests.test_image_privacy import clean_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa13")
app_server = site_alone.app_server

HERO_LOADED = ("() => { const img = document.querySelector('figure.hero img');"
               " return img !== null && img.complete && img.naturalWidth > 0; }")


def test_a_page_cached_before_the_picture_was_replaced(app_server, new_page):
    host, port = app_server
    site = f"http://{host}:{port}"
    story = ArticleFactory(with_image=True, slug="ferry-sale",
                           headline="Ferry operator to be sold, documents show")
    url = f"{site}{story.get_absolute_url()}"
    cached = Client().get(story.get_absolute_url())
    assert cached.status_code == 200
    old = story.image.name

    story.image.save("new.jpg", ContentFile(clean_jpeg((1200, 800)), name="new.jpg"))
    assert story.image.name != old

    page = new_page()
    page.route(url, lambda route: route.fulfill(
        status=200, body=cached.content, content_type=cached["Content-Type"]))
    assert page.goto(url).status == 200
    for width, scheme in each_look(page):
        page.wait_for_function(HERO_LOADED, timeout=10_000)
        shown = page.evaluate("document.querySelector('figure.hero img').currentSrc")
        assert old.rsplit(".", 1)[0] in shown
        shoot(page, "pictures-cached-page-after-replacement", width, scheme, full_page=False)


PREVIEW_LOADED = ("() => { const img = document.querySelector('.field-image_preview img');"
                  " return img !== null && img.complete && img.naturalWidth > 0; }")


def test_an_older_revision_shows_its_own_picture(app_server, roles, new_page):
    """Its page showed the story's picture of today as its "current image"."""
    host, port = app_server
    site = f"http://{host}:{port}"
    story = ArticleFactory(with_image=True, slug="ferry-sale",
                           headline="Ferry operator to be sold, documents show")
    first = story.history.earliest("history_date")
    old = story.image.name
    story.image.save("new.jpg", ContentFile(clean_jpeg((1200, 800)), name="new.jpg"))

    page = new_page()
    session.sign_in(page.context, site, staff("Editors", username="editor"))
    assert page.goto(f"{site}{history_url(story)}{first.pk}/").status == 200
    for width, scheme in each_look(page):
        page.wait_for_function(PREVIEW_LOADED, timeout=10_000)
        shown = page.evaluate("document.querySelector('.field-image_preview img').currentSrc")
        assert shown.endswith(f"/media/{old}")
        page.locator(".field-image_preview").scroll_into_view_if_needed()
        shoot(page, "pictures-older-revision-preview", width, scheme, full_page=False)
