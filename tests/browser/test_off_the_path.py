"""What people see of this round's fixes off the happy path, in a real Chromium.

Screenshots go to screenshots/off-the-path/ (git-ignored), at 1280 px and 390 px,
light and dark, to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import ReaderStanding
from tests.browser.shots import each_look, shooter
from tests.browser.test_participation import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "off-the-path"
VIEWS = [(1280, "light"), (390, "dark"), (1280, "dark"), (390, "light")]


shoot = shooter(SHOTS)


def test_a_form_the_site_cannot_read_gets_its_own_page(live_server, newsroom, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")  # the CSRF cookie

    def as_latin1(route):
        route.continue_(method="POST", post_data="username=caf\u00e9&password=x".encode(
            "latin-1"), headers={**route.request.headers, "content-type":
                                 "application/x-www-form-urlencoded; charset=latin-1"})

    page.route("**/accounts/login/?again", as_latin1)
    response = page.goto(f"{live_server.url}/accounts/login/?again")
    assert response.status == 400
    for width, scheme in each_look(page):
        assert page.get_by_role("heading", name="We could not read that request").is_visible()
        shoot(page, "bad-request", width, scheme)


def test_a_suspended_reader_is_told_before_typing(live_server, newsroom, new_page):
    reader = UserFactory(username="ana")
    until = timezone.now() + timedelta(days=2)
    ReaderStanding.objects.create(reader=reader, suspended_until=until)
    article = newsroom["lead"]
    page = new_page()
    sign_in(page, live_server, reader, next_url=f"/articles/{article.slug}/comments/")
    page.goto(f"{live_server.url}/articles/{article.slug}/comments/")
    for width, scheme in each_look(page):
        text = page.locator("#comments").inner_text()
        assert "cannot post comments until" in text
        assert page.get_by_label("Your comment").count() == 0
        shoot(page, "suspended-reader", width, scheme)


def test_a_newsroom_account_is_not_deleted_from_the_account_page(live_server, newsroom, roles,
                                                                 new_page):
    editor = UserFactory(username="desk", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page = new_page()
    sign_in(page, live_server, editor, next_url="/accounts/delete/")
    page.goto(f"{live_server.url}/accounts/delete/")
    for width, scheme in each_look(page):
        assert "deactivate it instead" in page.content()
        assert page.get_by_role("button", name="Delete").count() == 0
        shoot(page, "newsroom-account-delete", width, scheme)
    # The account page says how its comments are signed (QA round 7).
    page.goto(f"{live_server.url}/accounts/")
    for width, scheme in each_look(page):
        assert ("Your comments are marked “Newsroom” and signed “EVA DAILY newsroom”, never "
                "with your username") in page.locator(".page-intro").inner_text()
        shoot(page, "newsroom-account-page", width, scheme)


def test_the_newsroom_is_told_why_a_date_or_a_name_is_refused(live_server, newsroom, roles,
                                                              new_page):
    """A correction dated ahead of now, and a section named as another in another case."""
    from tests.browser.test_story_desk import signed_in  # signs in as "jeditor"

    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    story = newsroom["lead"]
    ahead = (timezone.localtime() + timedelta(days=3)).date().isoformat()
    page = signed_in(new_page, live_server)
    page.goto(f"{live_server.url}/admin/standards/correction/add/?article={story.pk}")
    page.fill("#id_date_0", ahead)
    page.fill("#id_date_1", "10:00:00")
    page.fill("#id_text", "The bridge opened in 1998.")
    with page.expect_navigation():
        page.click("input[name=_save]")
    for width, scheme in each_look(page):
        expect(page.locator(".errorlist").first).to_contain_text("This date is in the future")
        assert page.input_value("#id_text") == "The bridge opened in 1998."
        shoot(page, "correction-date-refused", width, scheme)

    page.goto(f"{live_server.url}/admin/articles/section/add/")
    page.fill("#id_name", "world")
    with page.expect_navigation():
        page.click("input[name=_save]")
    for width, scheme in each_look(page):
        expect(page.locator(".errorlist").first).to_contain_text("There is already a section")
        assert page.input_value("#id_name") == "world"
        shoot(page, "section-case-refused", width, scheme)


def test_search_results_page_by_best_match_not_by_date(live_server, newsroom, new_page):
    from tests.factories import ArticleFactory

    for n in range(25):
        ArticleFactory(headline=f"Harbour ferry timetable, part {n}", slug=f"harbour-{n}",
                       section=newsroom["world"], author=newsroom["human"])
    page = new_page()
    page.goto(f"{live_server.url}/search/?q=harbour")
    for width, scheme in each_look(page, looks=VIEWS[:2]):
        nav = page.locator("nav.pagination")
        assert "Next results" in nav.inner_text() and "Older" not in nav.inner_text()
        nav.scroll_into_view_if_needed()
        shoot(page, "search-pages", width, scheme)
