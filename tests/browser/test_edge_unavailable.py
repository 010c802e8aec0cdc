"""The edge cache's own 503 page (deploy/varnish/default.vcl, vcl_synth), as readers see it.

A real varnishd runs the shipped VCL in front of an address where nothing
listens: no app server answers and no copy of the page is kept. Screenshots
go to screenshots/edge-unavailable/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.shots import each_look
from tests.redis_server import free_port
from tests.varnish import Varnish

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "screenshots" / "edge-unavailable"


@pytest.fixture(scope="module")
def edge():
    with Varnish(backends=[("127.0.0.1", free_port())]) as varnish:
        yield varnish


def test_the_edge_503_page(edge, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto(edge.url + "/articles/some-story/")
    assert response.status == 503
    for width, scheme in each_look(page):
        expect(page).to_have_title("Back in a moment · EVA DAILY")
        expect(page.get_by_role("heading", level=1)).to_have_text("We are back in a moment")
        expect(page.get_by_role("link", name="Go to the front page")).to_have_attribute(
            "href", "/")
        # The style block is allowed by the page's policy (a refused one is reported) and
        # applied.
        assert refused == []
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "576px"
        dark = page.evaluate("getComputedStyle(document.body).color") != "rgb(0, 0, 0)"
        assert dark == (scheme == "dark")
        page.screenshot(path=str(SHOTS / f"page-{width}-{scheme}.png"), full_page=True)
