"""The editors' story list and story form, and an edit conflict, in a real Chromium (issue 15).

An editor signs in and works at 1280 px and 390 px, in light and dark, with
and without JavaScript and from the keyboard. Screenshots go to
screenshots/issue-15/ (git-ignored), to be looked at by a person.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, RelatedArticle, reading_stats
from core.text import render_markdown
from tests.browser import session
from tests.browser.axe import serious
from tests.browser.shots import each_look, first_look, shooter
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-15"
PASSWORD = "a-long-test-passphrase"  # UserFactory's
# Headlines as long as the newsroom writes them: 90 to 110 characters.
LONG_HEADLINES = [
    "Harbour authority and ferry operators agree a winter timetable after three weeks of talks",
    "Coastal towns ask for flood defences before the spring tides as insurers raise their premiums",
    "Fishing crews from both sides of the strait meet in Port Evander to share the northern banks",
    "University opens the country's first public tide-gauge archive, with records back to 1890",
    "Council budget: what the new transport plan means for bus routes, cycle lanes and parking",
    "Storm season outlook: forecasters expect fewer gales but higher seas along the western coast",
]


shoot = shooter(SHOTS)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def desk(newsroom, editor):
    """The newsroom, with long headlines, a scheduled story and a draft by the AI persona."""
    now = timezone.now()
    for index, headline in enumerate(LONG_HEADLINES):
        ArticleFactory(headline=headline, slug=f"long-{index}", section=newsroom["business"],
                       author=(newsroom["human"], newsroom["ai"])[index % 2],
                       published_at=now - timedelta(minutes=5 + index), with_image=index == 0,
                       tags=["Shipping"])
    newsroom["scheduled"] = ArticleFactory(
        headline="Ferry fares to rise from January, the operators say in a joint statement",
        slug="fares", section=newsroom["world"], author=newsroom["human"],
        published_at=now + timedelta(days=2))
    newsroom["scheduled"]._history_user = editor  # the list names who saved last
    newsroom["scheduled"].save()
    RelatedArticle.objects.create(from_article=newsroom["lead"],
                                  to_article=Article.objects.get(slug="long-0"), position=1)
    ArticleFactory(draft=True, headline="Draft: the AI desk's weekly shipping round-up",
                   slug="ai-draft", section=newsroom["business"], author=newsroom["ai"])
    return newsroom


def signed_in(new_page, live_server, **view):
    """A new page signed in as jeditor (tests/browser/session.py)."""
    return session.signed_in(new_page, live_server, "jeditor", **view)


def widths(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


class TestStoryList:
    def test_fits_the_screen_without_scrolling_sideways(self, live_server, new_page, desk):
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/")
        rows = page.locator("#result_list tbody tr")
        for width, scheme in each_look(page):
            assert rows.count() == 16

            scroll, viewport = widths(page)
            assert scroll <= viewport, (width, scheme)
            headlines = page.locator("#result_list .field-headline a")
            lines = headlines.evaluate_all("links => links.map(a => a.getClientRects().length)")
            if width == 1280:
                table = page.locator("#result_list")
                results = page.locator("#changelist-form .results")
                assert table.evaluate("t => t.scrollWidth") <= results.evaluate(
                    "r => r.clientWidth"), scheme
                assert max(lines) <= 3, lines
                # Every column is on screen, the last ones included.
                for column in ("field-publication_time", "field-section", "field-last_edit"):
                    box = page.locator(f"#result_list td.{column}").first.bounding_box()
                    assert box["x"] + box["width"] <= width, column
                for column in ("Headline", "State", "Publication time", "Author", "Section",
                               "Last edited"):
                    expect(page.locator("#result_list thead")).to_contain_text(
                        column, ignore_case=True)
            else:
                assert max(lines) <= 4, lines  # a card a phone's width wide
            harbour = page.locator("#result_list tr", has_text="Harbour authority shortens")
            expect(harbour.locator(".field-byline")).to_have_text("Li Wei (AI)")
            expect(harbour.locator(".field-state")).to_contain_text("Published")
            expect(harbour.locator(".field-state")).to_contain_text("Featured")
            scheduled = page.locator("#result_list tr", has_text="Ferry fares to rise")
            expect(scheduled.locator(".story-state")).to_have_text("Scheduled")
            expect(scheduled.locator(".story-editor")).to_have_text("Jane Editor")
            expect(page.locator("#result_list tr", has_text="Draft: the AI desk")
                   .locator(".story-state")).to_have_text("Draft")
            assert serious(page) == [], (width, scheme)
            shoot(page, "story-list", width, scheme)

    def test_filters_by_state_section_author_and_ai_from_the_keyboard(self, live_server,
                                                                      new_page, desk):
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/")
        for title in ("By state", "By section", "By author", "By AI or human author"):
            expect(page.locator("#changelist-filter summary", has_text=title)).to_be_visible()

        state = page.locator("details.story-filter", has_text="By state")
        state.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(state.locator("ul")).to_be_visible()
        page.keyboard.press("Escape")
        expect(state.locator("ul")).to_be_hidden()
        expect(state.locator("summary")).to_be_focused()
        page.keyboard.press("Enter")
        for _ in range(3):  # All, Draft, Scheduled
            page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Scheduled")
        page.keyboard.press("Enter")

        page.wait_for_url("**status=scheduled**")
        expect(page.locator("#result_list tbody tr")).to_have_count(1)
        expect(state.locator("summary")).to_have_text("By state: Scheduled")

        page.goto(f"{live_server.url}/admin/articles/article/?author_kind=ai")
        bylines = page.locator("#result_list .field-byline").all_inner_texts()
        assert bylines and all(text == "Li Wei (AI)" for text in bylines)

    def test_filters_work_without_javascript(self, live_server, new_page, desk):
        page = signed_in(new_page, live_server, javascript=False)
        page.goto(f"{live_server.url}/admin/articles/article/")
        section = page.locator("details.story-filter", has_text="By section")
        section.locator("summary").click()
        section.get_by_role("link", name="World").click()
        page.wait_for_url("**section__id__exact=**")
        sections = page.locator("#result_list .field-section").all_inner_texts()
        assert sections and set(sections) == {"World"}
        author = page.locator("details.story-filter", has_text="By author")
        author.locator("summary").click()
        author.get_by_role("link", name="Margaret Okonkwo").click()
        page.wait_for_url("**author__id__exact=**")
        bylines = set(page.locator("#result_list .field-byline").all_inner_texts())
        assert bylines == {"Margaret Okonkwo"}


class TestStoryForm:
    def test_headline_whole_and_body_the_largest_field(self, live_server, new_page, desk):
        story = Article.objects.get(slug="long-1")
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        words, minutes = reading_stats(render_markdown(story.body))

        for width, scheme in each_look(page):
            scroll, viewport = widths(page)
            assert scroll <= viewport, (width, scheme)
            headline = page.locator("#id_headline")
            assert headline.evaluate("h => h.scrollHeight <= h.clientHeight + 2"), (
                "headline cut", width, scheme)
            fieldset = page.locator("fieldset", has=headline).bounding_box()
            assert headline.bounding_box()["width"] >= 0.85 * fieldset["width"]
            areas = page.eval_on_selector_all(
                "#article_form input:not([type=hidden]):not([type=checkbox])"
                ":not([type=radio]), #article_form textarea, #article_form select",
                "fields => fields.filter(f => f.offsetParent).map(f => "
                "[f.name, f.offsetWidth * f.offsetHeight])")
            largest = max(areas, key=lambda item: item[1])
            assert largest[0] == "body", areas
            dek = page.locator("#id_dek").bounding_box()
            assert dek["height"] < page.locator("#id_body").bounding_box()["height"] / 3
            # One tags field and one state control.
            expect(page.locator("#id_tags")).to_have_value("Shipping")
            expect(page.locator("#id_new_tags")).to_have_count(0)
            expect(page.locator("input[name=status]")).to_have_count(3)
            expect(page.locator("input[name=status][value=published]")).to_be_checked()
            expect(page.locator(".field-state_note")).to_have_count(0)
            expect(page.locator("#id_body_stats")).to_have_text(
                f"{words} words · {minutes} min read")
            assert serious(page) == [], (width, scheme)
            shoot(page, "story-form", width, scheme)

    def test_live_word_count_read_time_and_preview_from_the_keyboard(self, live_server,
                                                                      new_page, desk):
        story = desk["lead"]
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        # Related stories: each pick's whole headline, found by search, not "story → story".
        related = page.locator("#related_links-group")
        expect(related).not_to_contain_text("→", use_inner_text=True)
        pick = related.locator(".select2-selection__rendered").nth(1)
        expect(pick).to_have_text(LONG_HEADLINES[0])
        assert pick.evaluate("e => e.scrollWidth <= e.clientWidth"), "headline cut"

        stats, body = page.locator("#id_body_stats"), page.locator("#id_body")
        words, minutes = reading_stats(render_markdown(story.body))
        expect(stats).to_have_text(f"{words} words · {minutes} min read")

        text = "## The crossing\n\nThe ferries run again. " + "word " * 200
        body.fill(text)
        words, minutes = reading_stats(render_markdown(text))
        assert (words, minutes) == (206, 2)
        expect(stats).to_have_text("206 words · 2 min read")
        body.press("End")
        body.press_sequentially(" one two three")
        expect(stats).to_have_text("209 words · 2 min read")

        # Tab from the body reaches the Preview button; Enter shows the preview below.
        body.focus()
        page.keyboard.press("Tab")
        button = page.locator("[data-story-preview]")
        expect(button).to_be_focused()
        expect(button).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("Enter")
        preview = page.locator("#id_body_preview")
        expect(preview).to_be_visible()
        expect(preview.locator("h2")).to_have_text("The crossing")
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(button).to_have_text("Hide preview")

        # It follows the text, through the site's sanitiser.
        body.fill("A [link](https://example.org) and <script>alert(1)</script> <b "
                  "onclick=alert(1)>bold</b>")
        expect(preview.locator("a")).to_have_attribute("href", "https://example.org")
        assert "<script" not in preview.inner_html()
        assert "onclick" not in preview.inner_html()
        expect(stats).to_have_text("4 words · 1 min read")
        button.press("Space")
        expect(preview).to_be_hidden()
        body.fill("## The crossing\n\nThe *ferries* run again.")
        button.click()
        for width, scheme in each_look(page):
            expect(preview.locator("h2")).to_have_text("The crossing")
            preview.scroll_into_view_if_needed()
            shoot(page, "story-form-preview", width, scheme)

    def test_write_preview_and_schedule_without_javascript(self, live_server, new_page, desk):
        page = signed_in(new_page, live_server, javascript=False)
        story = desk["others"][0]
        page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        text = "## Timetable\n\nThe first ferry leaves at six."
        page.fill("#id_body", text)

        with page.context.expect_page() as opened:
            page.get_by_role("button", name="Preview").click()
        preview = opened.value
        preview.wait_for_load_state()
        expect(preview.locator(".story-preview h2", has_text="Timetable")).to_be_visible()
        expect(preview.locator(".story-stats")).to_have_text("7 words · 1 min read")
        preview.close()
        assert page.input_value("#id_body") == text  # nothing typed is lost

        at = timezone.localtime() + timedelta(days=1)
        page.locator("input[name=status][value=scheduled]").check()
        page.fill("#id_published_at_0", at.strftime("%Y-%m-%d"))
        page.fill("#id_published_at_1", "09:30:00")
        page.fill("#id_tags", "Shipping, Timetables")
        page.get_by_role("button", name="Save and continue editing").first.click()
        expect(page.locator(".messagelist")).to_contain_text("is scheduled")
        story.refresh_from_db()
        assert story.state == Article.State.SCHEDULED
        assert sorted(story.tags.names()) == ["Shipping", "Timetables"]
        assert story.body.replace("\r\n", "\n") == text  # a browser sends CR LF
        expect(page.locator("input[name=status][value=scheduled]")).to_be_checked()

    def test_tag_suggestions_come_from_the_tags_in_use(self, live_server, new_page, desk):
        story = desk["others"][0]
        page = signed_in(new_page, live_server)
        page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        tags = page.locator("#id_tags")
        tags.fill("Shipping, harb")
        options = page.locator("#id_tags_suggestions option")
        expect(options).to_have_count(1)
        expect(options).to_have_attribute("value", "Shipping, Harbours, ")


class TestEditConflict:
    @pytest.mark.parametrize("javascript", [False, True])
    def test_the_second_save_is_refused_and_nothing_is_lost(self, live_server, new_page, desk,
                                                            roles, javascript):
        story = desk["others"][0]  # by a person: the AI persona's story needs its record fixed
        other = UserFactory(username="bsecond", first_name="Ben", last_name="Second",
                            is_staff=True)
        other.groups.add(Group.objects.get(name="Editors"))
        url = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
        first = signed_in(new_page, live_server, javascript=javascript)
        second = new_page(javascript=javascript)
        second.goto(f"{live_server.url}/admin/login/")
        second.fill("#id_username", "bsecond")
        second.fill("#id_password", PASSWORD)
        second.click("input[type=submit]")
        first.goto(url)
        second.goto(url)

        second.fill("#id_headline", "Ferry crossings shortened after a year of talks")
        second.get_by_role("button", name="Save and continue editing").first.click()
        expect(second.locator(".messagelist")).to_contain_text("was changed successfully")

        mine = "The harbour authority said on Tuesday that the timetable changes next month."
        first.fill("#id_body", mine)
        first.get_by_role("button", name="Save and continue editing").first.click()

        expect(first.locator(".errornote")).to_be_visible()
        expect(first.locator(".errorlist.nonfield")).to_contain_text(
            "Someone else saved this article after you opened it")
        conflict = first.locator(".edit-conflict")
        expect(conflict).to_contain_text("Saved since you opened this form by Ben Second")
        headline_row = conflict.get_by_role("row", name=re.compile("^Headline"))
        expect(headline_row).to_contain_text("changed by them")
        expect(headline_row).to_contain_text("Ferry crossings shortened after a year of talks")
        expect(headline_row).to_contain_text("their version is now in the form below")
        expect(conflict.get_by_role("row", name=re.compile("^Body"))).to_contain_text(
            "changed by you")
        assert first.input_value("#id_body") == mine
        # What only they changed is in the form as they saved it (QA, 2026-12-06), and the
        # copy this browser kept of the form sent holds only what this editor changed: it
        # offers nothing that would put the old headline back.
        assert first.input_value("#id_headline") == \
            "Ferry crossings shortened after a year of talks"
        expect(first.get_by_role("region", name="Changes not saved")).to_have_count(0)
        story.refresh_from_db()
        assert story.headline == "Ferry crossings shortened after a year of talks"
        assert story.body != mine
        if javascript:
            assert serious(first) == []
            for width, scheme in each_look(first):
                shoot(first, "edit-conflict", width, scheme)
            first_look(first)

        # Having read theirs, the first editor saves the form as it is: both changes stay.
        first.get_by_role("button", name="Save and continue editing").first.click()
        expect(first.locator(".messagelist")).to_contain_text("was changed successfully")
        story.refresh_from_db()
        assert (story.headline, story.body) == (
            "Ferry crossings shortened after a year of talks", mine)
