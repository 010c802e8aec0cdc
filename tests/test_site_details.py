"""robots.txt lets crawlers see noindex, /favicon.ico answers, and the 404 page offers search."""

import io

import pytest
from django.templatetags.static import static
from django.test import Client
from PIL import Image

from tests.factories import UserFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db


def test_robots_txt_lets_crawlers_reach_pages_that_say_noindex():
    lines = Client().get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert not [line for line in lines
                if line.startswith("Disallow:") and line != "Disallow: /admin/"]


@pytest.mark.parametrize("url, robots", [
    ("/search/?q=harbour", "noindex, follow"),
    ("/accounts/login/", "noindex"),
    ("/accounts/signup/", "noindex"),
    ("/accounts/password_reset/", "noindex"),
    ("/newsletter/preferences/not-a-token/", "noindex"),
])
def test_pages_crawlers_may_now_reach_say_noindex(url, robots):
    assert parse_html(Client().get(url)).meta["robots"] == robots


def test_favicon_is_a_real_icon_with_long_cache_headers():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response["Cache-Control"] == "public, max-age=604800"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]
    assert Client().post("/favicon.ico").status_code == 405


def test_site_and_admin_pages_link_the_icon(client):
    # By its static (hashed, compressed) URL; /favicon.ico is for browsers that just ask.
    link = f'<link rel="icon" href="{static("img/favicon.ico")}" sizes="32x32">'
    assert link in Client().get("/").content.decode()
    assert link in client.get("/admin/login/").content.decode()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    assert link in client.get("/admin/").content.decode()


def test_404_page_has_a_search_box():
    response = Client().get("/articles/no-such-story/")
    assert response.status_code == 404
    html = response.content.decode()
    main = html.split('<main', 1)[1]
    assert '<form class="error-search" method="get" action="/search/"' in main
    assert '<label for="error-search-q">Search our stories</label>' in main
    assert 'id="error-search-q" name="q"' in main
    assert parse_html(response).meta["robots"] == "noindex"
