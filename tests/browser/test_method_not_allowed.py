"""A form sent to a page that takes none (QA round 10): the browser shows a page saying nothing
was saved, where it showed a blank one. Screenshots at 1280 px and 390 px, light and dark, in
screenshots/qa10/ (git-ignored), to be looked at."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa10")


def test_a_form_sent_to_the_front_page_gets_a_page_that_says_so(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/healthz")  # the site's origin, for the form below
    page.set_content(f'<form method="post" action="{live_server.url}/">'
                     f'<input name="q" value="typed"><button>Send</button></form>')
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send").click()
    assert sent.value.status == 405
    page.wait_for_load_state()
    for width, scheme in each_look(page):
        expect(page.get_by_role("heading", level=1)).to_have_text("This page takes no form")
        expect(page.locator("body")).to_contain_text("nothing was saved")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "form-sent-to-a-page-that-takes-none", width, scheme)
