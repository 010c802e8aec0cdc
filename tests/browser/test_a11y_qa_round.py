"""What select2, "Add another", the preview panel and the story list's filters tell a
keyboard or a screen reader, in a real Chromium (accessibility QA round).

Names are checked as Playwright computes them (to_have_accessible_name), beside
the attributes that make them. Screenshots of the story form refused and of
the open filter go to screenshots/a11y-qa/ (git-ignored), to be looked at.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser import session
from tests.browser.shots import LOOKS, each_look, shooter
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "a11y-qa"
VIEWS = [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
ADD_STORY = "/admin/articles/article/add/"


shoot = shooter(SHOTS)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def signed_in(new_page, live_server, **view):
    """A new page signed in as jeditor (tests/browser/session.py)."""
    return session.signed_in(new_page, live_server, "jeditor", **view)


def combobox(page, select_id):
    return page.locator(f"#{select_id} + .select2-container .select2-selection[role=combobox]")


def dangling_references(page, within="body"):
    """aria-describedby and aria-labelledby ids under `within` that name no element (the
    timezone note, made only when the browser's clock differs, aside)."""
    return page.evaluate("""(within) => [...document.querySelector(within).querySelectorAll(
        "[aria-describedby], [aria-labelledby]")].flatMap((element) =>
        ["aria-describedby", "aria-labelledby"].flatMap((name) =>
          (element.getAttribute(name) || "").split(/\\s+/).filter(Boolean)
            .filter((id) => !document.getElementById(id)
                            && !id.endsWith("_timezone_warning_helptext"))
            .map((id) => `${element.id || element.className} ${name}=${id}`)))""", within)


class TestAutocompletePickers:
    def test_section_and_author_are_named_by_their_labels(self, live_server, new_page, newsroom,
                                                          editor):
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}{ADD_STORY}")

        for field, label in (("section", "Section"), ("author", "Author")):
            picker = combobox(page, f"id_{field}")
            expect(picker).to_have_attribute(
                "aria-labelledby", f"id_{field}_label select2-id_{field}-container")
            expect(page.locator(f"#id_{field}_label")).to_have_text(re.compile(label))
            expect(picker).to_have_accessible_name(re.compile(rf"^{label}"))
        # The search box of the open drop-down is named too; the value follows the
        # label in the name once one is chosen.
        combobox(page, "id_section").click()
        search = page.locator(".select2-container--open .select2-search__field")
        expect(search).to_have_accessible_name(re.compile(r"^Section"))
        search.fill("Wor")
        page.locator(".select2-results__option", has_text="World").click()
        expect(combobox(page, "id_section")).to_have_accessible_name(
            re.compile(r"^Section:? World"))

    @pytest.mark.parametrize(("width", "scheme"), VIEWS)
    def test_a_refused_story_marks_its_pickers_and_dates(self, live_server, new_page, newsroom,
                                                         editor, width, scheme):
        page = signed_in(new_page, live_server, width=width, color_scheme=scheme)
        page.goto(f"{live_server.url}{ADD_STORY}")
        page.fill("#id_headline", "Harbour talks resume")
        page.fill("#id_body", "The talks resumed.")
        page.fill("#id_published_at_0", "2026-13-45")
        page.fill("#id_published_at_1", "nine")
        page.click("input[name=_continue]")
        expect(page.locator(".errornote")).to_be_visible()

        for field in ("section", "author"):
            picker = combobox(page, f"id_{field}")
            expect(picker).to_have_attribute("aria-invalid", "true")
            expect(picker).to_have_attribute("aria-describedby",
                                             re.compile(rf"\bid_{field}_error\b"))
            expect(picker).to_have_accessible_description(re.compile("required"))
        for part in ("0", "1"):
            date = page.locator(f"#id_published_at_{part}")
            expect(date).to_have_attribute("aria-invalid", "true")
            expect(date).to_have_attribute("aria-describedby",
                                           re.compile(r"\bid_published_at_error\b"))
            expect(date).to_have_accessible_description(re.compile("valid"))
        assert dangling_references(page, "#content") == []
        shoot(page, "story-form-refused", width, scheme)

    def test_a_correction_names_its_story_picker(self, live_server, new_page, newsroom, editor):
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/standards/correction/add/")

        expect(combobox(page, "id_article")).to_have_accessible_name(re.compile(r"^Article"))


class TestAddedRows:
    def test_related_story_rows_say_their_row_and_added_rows_are_numbered(
            self, live_server, new_page, newsroom, editor):
        lead = newsroom["lead"]  # one related story already
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/{lead.pk}/change/")

        expect(combobox(page, "id_related_links-0-to_article")).to_have_accessible_name(
            re.compile(r"^Related story, row 1 \S"))
        expect(page.locator("#id_related_links-0-position")).to_have_accessible_name(
            "Position, row 1")
        expect(page.locator("#id_related_links-0-DELETE")).to_have_accessible_name(
            "Delete, row 1")

        add = page.locator("#related_links-group .add-row a")
        add.click()
        add.click()
        for row in (1, 2):
            expect(page.locator(f"#id_related_links-{row}-position")).to_have_accessible_name(
                f"Position, row {row + 1}")
            expect(combobox(page, f"id_related_links-{row}-to_article")).to_have_accessible_name(
                f"Related story, row {row + 1}")
        # Removing the first added row renumbers the one after it.
        page.locator("#related_links-1 .inline-deletelink").click()
        expect(page.locator("#id_related_links-1-position")).to_have_accessible_name(
            "Position, row 2")
        expect(combobox(page, "id_related_links-1-to_article")).to_have_accessible_name(
            "Related story, row 2")
        assert dangling_references(page, "#related_links-group") == []

    def test_an_added_corrections_date_names_its_own_help_and_errors(
            self, live_server, new_page, newsroom, editor):
        lead = newsroom["lead"]  # two corrections already
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/{lead.pk}/change/")

        page.locator("#corrections-group .add-row a").click()
        date = page.locator("#id_corrections-2-date_0")
        expect(date).to_be_attached()
        described = date.get_attribute("aria-describedby")
        assert "__prefix__" not in described
        assert described.split()[0] == "id_corrections-2-date_timezone_warning_helptext"
        assert dangling_references(page, "#corrections-group") == []


class TestPreviewPanel:
    def test_the_preview_takes_focus_to_be_scrolled_and_shows_it(self, live_server, new_page,
                                                                 newsroom, editor):
        page = signed_in(new_page, live_server, height=600)
        page.goto(f"{live_server.url}/admin/articles/article/{newsroom['lead'].pk}/change/")
        button = page.locator("[data-story-preview]")
        button.focus()
        page.keyboard.press("Enter")
        preview = page.locator("#id_body_preview")
        expect(preview).to_be_visible()
        expect(preview).to_have_attribute("tabindex", "0")
        expect(preview).to_have_accessible_name("Preview of the body")

        page.keyboard.press("Tab")
        expect(preview).to_be_focused()
        assert preview.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        shoot(page, "story-preview-focused", 1280, "light", full_page=False)
        assert preview.evaluate("e => e.scrollHeight > e.clientHeight"), "nothing to scroll"
        page.keyboard.press("PageDown")
        for _ in range(50):  # a smooth scroll takes a moment
            if preview.evaluate("e => e.scrollTop") > 0:
                break
            page.wait_for_timeout(100)
        assert preview.evaluate("e => e.scrollTop") > 0, "the keyboard did not scroll it"


class TestStoryListFilters:
    def test_an_open_filter_stays_on_the_screen(self, live_server, new_page, newsroom, editor):
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/")
        for title in ("By state", "By section", "By author", "By tag"):
            filter_ = page.locator("details.story-filter", has_text=title)
            filter_.locator("summary").click()
            listing = filter_.locator("ul")
            # Open, it stays open as the page turns to each look (static/js/story_admin.js
            # closes it on Escape or a click elsewhere, never on a resize).
            for width, scheme in each_look(page, ((320, "light"), *LOOKS)):
                expect(listing).to_be_visible()
                left, right, top, below = listing.evaluate(
                    "e => { const r = e.getBoundingClientRect(); const s = e.parentElement"
                    ".querySelector('summary').getBoundingClientRect();"
                    " return [r.left, r.right, r.top, s.bottom]; }")
                assert left >= 0 and right <= width, (title, width, left, right)
                # Just under its filter.
                assert below <= top <= below + 8, (title, width, top, below)
                if title == "By section":
                    shoot(page, "story-list-filter-open", width, scheme, full_page=False)
            filter_.locator("summary").click()
            expect(listing).to_be_hidden()
