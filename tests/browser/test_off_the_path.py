"""What people see of this round's fixes off the happy path, in a real Chromium.

Screenshots go to screenshots/off-the-path/ (git-ignored), at 1280 px and 390 px,
light and dark, to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from comments.models import ReaderStanding
from tests.browser.test_participation import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "off-the-path"
VIEWS = [(1280, "light"), (390, "dark"), (1280, "dark"), (390, "light")]


def shoot(page, name, width, scheme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


def test_a_form_the_site_cannot_read_gets_its_own_page(live_server, newsroom, new_page):
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        page.goto(f"{live_server.url}/accounts/login/")  # the CSRF cookie

        def as_latin1(route):
            route.continue_(method="POST", post_data="username=caf\u00e9&password=x".encode(
                "latin-1"), headers={**route.request.headers, "content-type":
                                     "application/x-www-form-urlencoded; charset=latin-1"})

        page.route("**/accounts/login/?again", as_latin1)
        response = page.goto(f"{live_server.url}/accounts/login/?again")
        assert response.status == 400
        assert page.get_by_role("heading", name="We could not read that request").is_visible()
        shoot(page, "bad-request", width, scheme)


def test_a_suspended_reader_is_told_before_typing(live_server, newsroom, new_page):
    reader = UserFactory(username="ana")
    until = timezone.now() + timedelta(days=2)
    ReaderStanding.objects.create(reader=reader, suspended_until=until)
    article = newsroom["lead"]
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, reader, next_url=f"/articles/{article.slug}/comments/")
        page.goto(f"{live_server.url}/articles/{article.slug}/comments/")
        text = page.locator("#comments").inner_text()
        assert "cannot post comments until" in text
        assert page.get_by_label("Your comment").count() == 0
        shoot(page, "suspended-reader", width, scheme)


def test_a_newsroom_account_is_not_deleted_from_the_account_page(live_server, newsroom,
                                                                 new_page):
    editor = UserFactory(username="desk", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, editor, next_url="/accounts/delete/")
        page.goto(f"{live_server.url}/accounts/delete/")
        assert "deactivate it instead" in page.content()
        assert page.get_by_role("button", name="Delete").count() == 0
        shoot(page, "newsroom-account-delete", width, scheme)
