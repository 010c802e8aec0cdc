"""A story's history and two revisions compared, at 1280 px and 390 px, light and dark
(desk QA round 3): no page wider than the screen, and the radio buttons that choose the
revisions to compare labelled From and To where they are seen, 24 × 24 px and apart.

Screenshots go to screenshots/desk-qa3/ (git-ignored), to be looked at by a person.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from tests.browser import session
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "desk-qa3"
VIEWS = [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
BODY = ("The night ferry trial between Old Quay and the Corran Islands begins on Friday. "
        "The notice is at https://example.org/notices/2026/ferry-schedule/a-very-long-path-"
        "without-any-spaces-at-all-that-must-wrap.html for anyone who asks.\n\n"
        "## Timetable\n\nLate sailings leave at 9:40 pm.")


@pytest.fixture
def story(roles):
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    story = ArticleFactory(
        headline="Night ferries to the Corran Islands: the timetable and the fares for the trial",
        slug="night-ferry-timetable", body=BODY, tags=["Corran Islands", "Ferries"])
    for slug in ("night-ferry-timetable-and-fares", "night-ferries"):
        story.slug = slug
        story.body = story.body.replace("9:40", "9:50")
        story._history_user = user
        story.save()
    return story


def signed_in(new_page, live_server, **view):
    """A new page signed in as jeditor (tests/browser/session.py)."""
    return session.signed_in(new_page, live_server, "jeditor", **view)


shoot = shooter(SHOTS)


def widths(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def box(locator):
    return locator.bounding_box()


def test_the_history_fits_and_its_radio_buttons_are_labelled_targets(
        live_server, new_page, story):
    page = signed_in(new_page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/")
    row = page.locator("#change-history tbody tr").first
    radio_from = row.locator("input[name=from]")
    radio_to = row.locator("input[name=to]")
    loaded = radio_to.is_checked()
    for width, scheme in each_look(page):
        # Each look starts from the page as it loaded; the label's click below checks it anew.
        radio_to.evaluate("(radio, checked) => { radio.checked = checked; }", loaded)
        shoot(page, "history", width, scheme)
        scroll_width, inner_width = widths(page)
        assert scroll_width <= inner_width, "the history page scrolls sideways"

        # Labelled where they are seen, not only for screen readers.
        for radio, word in ((radio_from, "From"), (radio_to, "To")):
            label = row.locator(f"label:has(input[name={word.lower()}])")
            assert label.get_by_text(word, exact=True).is_visible()
            # Screen readers hear which revision too: "From the revision of Dec. 5, 2026, …".
            name = " ".join(radio.evaluate("input => input.labels[0].textContent").split())
            assert re.fullmatch(rf"{word} the revision of \w+\.? \d+, \d{{4}}, .+", name), name
        first, second = box(radio_from), box(radio_to)
        for target in (first, second):
            assert target["width"] >= 24 and target["height"] >= 24, target
        # Apart: a 24 px circle round each target's centre overlaps no other target.
        dx = abs((first["x"] + first["width"] / 2) - (second["x"] + second["width"] / 2))
        dy = abs((first["y"] + first["height"] / 2) - (second["y"] + second["height"] / 2))
        assert max(dx, dy) >= 24
        # The label's whole line chooses it.
        radio_to.evaluate("radio => { radio.checked = false; }")
        row.get_by_text("To", exact=True).click()
        assert radio_to.is_checked()
        assert serious(page) == []


def test_two_revisions_compared_fit_the_screen(live_server, new_page, story):
    page = signed_in(new_page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/")
    page.locator("#change-history tbody tr").nth(2).get_by_text("From", exact=True).click()
    page.get_by_role("button", name="Compare the chosen revisions").click()
    page.wait_for_url("**/history/compare/**")
    for width, scheme in each_look(page):
        shoot(page, "compare", width, scheme)
        scroll_width, inner_width = widths(page)
        assert scroll_width <= inner_width, "the comparison scrolls sideways"
        # The later value is on the screen, whole, and named.
        later = page.locator("#revision-comparison tbody tr", has_text="Slug").locator("td").nth(1)
        assert later.inner_text().strip() == "night-ferries"
        later_box = box(later)
        assert later_box["x"] >= 0 and later_box["x"] + later_box["width"] <= inner_width
        if width == 390:
            label = later.evaluate("cell => getComputedStyle(cell, '::before').content")
            assert label == '"Later"'
        assert serious(page) == []
