"""A reader downloads their own copy of what the site keeps for their account, from the
account page's "Your data" part. Screenshots in screenshots/account/ at 1280 and 390 px,
light and dark."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.shots import each_look, first_look, shooter
from tests.browser.test_a11y2_forms import _sign_in
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "account")


def test_a_reader_downloads_their_data_from_the_account_page(live_server, new_page):
    reader = UserFactory(username="ana", email="ana@example.org")
    CommentFactory(reader=reader, body="The ferry was late again this morning.")
    BiasReportFactory(reader=reader, details="The headline calls the protesters a mob.")
    page = new_page()
    _sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/accounts/")
    part = page.get_by_role("region", name="Your data")
    button = part.get_by_role("link", name="Download your data")
    for width, scheme in each_look(page):
        expect(button).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        part.scroll_into_view_if_needed()
        shoot(page, "account-your-data", width, scheme, full_page=False)
    first_look(page)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.startswith("eva-daily-your-data-")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["username"] == "ana"
    assert [c["text"] for c in data["comments"]] == ["The ferry was late again this morning."]
    assert [r["details"] for r in data["bias_reports"]] == [
        "The headline calls the protesters a mob."]
    expect(page).to_have_url(f"{live_server.url}/accounts/")  # the page stays where it was

    # Five copies an hour: the sixth opens the account page, saying when.
    for _ in range(4):
        assert page.request.get(f"{live_server.url}/accounts/export/").status == 200
    with page.expect_navigation():
        button.click()
    notice = page.get_by_role("alert")
    for width, scheme in each_look(page):
        expect(notice).to_contain_text("You can download your data five times an hour.")
        expect(button).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "account-your-data-refused", width, scheme, full_page=False)
