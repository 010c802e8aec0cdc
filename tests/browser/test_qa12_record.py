"""Any two revisions of a story compared, on any pages of its history, without JavaScript
(QA round 12): each revision shows its number and a link to the compare page's form, which
takes two numbers. At 1280 px and 390 px, light and dark.

Screenshots go to screenshots/qa12/ (git-ignored), to be looked at by a person.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from tests.browser import session
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa12"
shoot = shooter(SHOTS)


@pytest.fixture
def story(roles):
    """A story with 106 revisions: two pages of its history (100 a page)."""
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    story = ArticleFactory(headline="Harbour opens to the night ferries")
    for number in range(105):
        story.headline = f"Harbour update {number}: the night ferries' timetable"
        story._history_user = user
        story.save()
    return story


def signed_in(new_page, live_server, **view):
    """A new page signed in as jeditor (tests/browser/session.py)."""
    return session.signed_in(new_page, live_server, "jeditor", **view)


def fits(page):
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    return scroll_width <= inner_width


def test_the_oldest_and_the_newest_revision_are_compared_without_javascript(
        live_server, new_page, story):
    oldest, newest = story.history.order_by("history_id")[::105]
    page = signed_in(new_page, live_server, javascript=False)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/?p=2")
    row = page.locator("#change-history tbody tr").last
    for width, scheme in each_look(page):
        assert row.get_by_text(f"No. {oldest.pk}", exact=True).is_visible(), (width, scheme)
        assert fits(page), ("the history page scrolls sideways", width, scheme)
        shoot(page, "record-history-page-2", width, scheme)

    row.get_by_role("link", name=f"Compare with any other revision: No. {oldest.pk}",
                    exact=False).click()
    page.wait_for_url("**/history/compare/?from=*")
    for width, scheme in each_look(page):
        assert page.get_by_text("Choose the other revision to compare it with.").is_visible()
        assert page.get_by_label("From revision No.").input_value() == str(oldest.pk)
        assert page.get_by_text(f"the latest is No. {newest.pk}", exact=False).is_visible()
        assert fits(page), ("the compare form scrolls sideways", width, scheme)
        shoot(page, "record-compare-asks", width, scheme)

    page.get_by_label("To revision No.").fill(str(newest.pk))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/history/compare/?from=*&to=*")
    table = page.locator("#revision-comparison")
    for width, scheme in each_look(page):
        assert table.get_by_text("Harbour opens to the night ferries").is_visible()
        assert table.get_by_text(
            "Harbour update 104: the night ferries' timetable").is_visible()
        assert page.get_by_label("To revision No.").input_value() == str(newest.pk)
        assert fits(page), ("the comparison scrolls sideways", width, scheme)
        shoot(page, "record-compare-any", width, scheme)

    page.get_by_label("To revision No.").fill("12x")
    page.get_by_role("button", name="Compare").click()
    for width, scheme in each_look(page):
        assert page.get_by_text(
            "“12x” is not the number of a revision of this story.").is_visible()
        assert page.get_by_label("To revision No.").input_value() == "12x"
        shoot(page, "record-compare-wrong", width, scheme)


def test_the_compare_form_is_accessible(live_server, new_page, story):
    oldest = story.history.order_by("history_id").first()
    page = signed_in(new_page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/compare/"
              f"?from={oldest.pk}&to=nope")
    assert page.locator("#revision-problems").is_visible()
    assert serious(page) == []
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/?p=2")
    assert serious(page) == []
