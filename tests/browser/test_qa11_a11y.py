"""WCAG 2.2 AA points that the earlier audits left, in Chromium (QA round 11).

- 1.3.5 Identify input purpose: every field for the reader's own email address says
  autocomplete="email" (sign-up's and the bias report's said nothing).
- 2.5.8 Target size: the admin change lists' filter links down the side are 24 px high.
- 4.1.2 Name: select2's read-only textbox in an empty story picker has a name.
- Landmarks: each card of the comment queue names its sections after its comment.

Screenshots go to screenshots/qa11/ (git-ignored), at 1280 and 390 px, light and dark.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def admin_page(new_page, live_server, username, **view):
    page = new_page(**view)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("EVA DAILY newsroom")
    return page


# 1.3.5 -------------------------------------------------------------------------


def test_every_field_for_the_readers_email_says_so_to_the_browser(live_server, newsroom,
                                                                   new_page):
    UserFactory(username="ana")
    story = f"{live_server.url}/articles/{newsroom['lead'].slug}/"
    page = new_page()
    for url, field in ((f"{live_server.url}/accounts/signup/", "Email"),
                       (f"{story}report-bias/", "Your email (optional)"),
                       (f"{live_server.url}/newsletter/", "Your email address"),
                       (f"{live_server.url}/accounts/password_reset/", "Email")):
        page.goto(url)
        expect(page.get_by_label(field, exact=True)).to_have_attribute("autocomplete", "email")
    # The same form in the story's dialog.
    page.goto(story)
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Your email (optional)")).to_have_attribute(
        "autocomplete", "email")
    # A signed-in reader's own address, to change it.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/accounts/email/")
    expect(page.get_by_label("New email address")).to_have_attribute("autocomplete", "email")
    # The sign-up form as someone not signed in sees it.
    view = new_page()
    view.goto(f"{live_server.url}/accounts/signup/")
    for width, scheme in each_look(view):
        shoot(view, "signup", width, scheme)


# 2.5.8 -------------------------------------------------------------------------


def test_the_change_lists_filter_links_are_targets_of_24_px(live_server, newsroom, roles,
                                                             new_page):
    staff("Editors", "editor")
    BiasReportFactory(article=newsroom["lead"])
    page = admin_page(new_page, live_server, "editor")
    for url in ("/admin/standards/biasreport/", "/admin/standards/correction/"):
        page.goto(live_server.url + url)
        for width, scheme in each_look(page):
            links = page.locator("#changelist-filter li a")
            assert links.count() >= 4, url
            heights = links.evaluate_all(
                "links => links.map((a) => [a.textContent, a.getBoundingClientRect().height])")
            # Stacked with nothing between them, so each must be 24 px high itself.
            assert all(height >= 24 for _, height in heights), (url, width, heights)
            assert not axe.targets(page, "target-size"), (url, width)
            if url == "/admin/standards/correction/":
                shoot(page, "correction-list-filters", width, scheme)


# 4.1.2 -------------------------------------------------------------------------


def test_an_empty_story_picker_has_no_textbox_without_a_name(live_server, newsroom, roles,
                                                             new_page):
    staff("Editors", "editor")
    page = admin_page(new_page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/standards/correction/add/")
    for width, scheme in each_look(page):
        rendered = page.locator("#select2-id_article-container")
        expect(rendered).to_have_attribute("role", "textbox")
        expect(rendered).to_have_accessible_name("Article:")
        assert not axe.targets(page, "aria-input-field-name")
        shoot(page, "correction-add", width, scheme)


# Landmarks ---------------------------------------------------------------------


def test_each_comment_cards_sections_are_landmarks_of_their_own_name(live_server, newsroom,
                                                                     roles, new_page):
    staff("Moderators", "moderator")
    story = ArticleFactory(headline="Ferries resume after the storm",
                           published_at=timezone.now() - timedelta(days=1))
    now = timezone.now()
    # One reader, one story, three held comments: the same "On the story" and
    # "ana's latest comments" three times over.
    ana = UserFactory(username="ana")
    for hours in (3, 2, 1):
        CommentFactory(article=story, reader=ana, status="pending", hold_reason="Contains a link",
                       body=f"Cheaper tickets: www.x.example ({hours})",
                       created_at=now - timedelta(hours=hours))
    page = admin_page(new_page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/comments/?show=held")
    for width, scheme in each_look(page):
        expect(page.locator("[data-desk-item]")).to_have_count(3)
        names = page.locator("section[aria-labelledby]").evaluate_all(
            "sections => sections.map((s) => s.getAttribute('aria-labelledby'))"
            ".map((id) => document.getElementById(id).textContent)")
        assert len(names) == 6 and len(set(names)) == 6, names
        first = page.locator("[data-desk-item]").first
        number = first.get_attribute("id").removeprefix("comment-")
        expect(first.get_by_role("region", name="On the story")).to_have_accessible_name(
            f"On the story of comment {number} by ana, posted "
            f"{first.locator('.desk-tags .desk-quiet').inner_text().removeprefix('posted ')}")
        assert not axe.targets(page, "landmark-unique")
        shoot(page, "comment-queue", width, scheme)


# Reflow in the newsroom's lists --------------------------------------------------

# Each word of a cell's text on one line: [word, number of lines it is drawn on].
BROKEN_WORDS = """(cell) => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push([match[0], lines.size]);
    }
  }
  return broken;
}"""


def test_the_lists_of_corrections_and_reports_break_no_word_and_wrap_the_headline(
        live_server, newsroom, roles, new_page):
    staff("Editors", "editor")
    BiasReportFactory(article=newsroom["lead"])
    page = admin_page(new_page, live_server, "editor")
    for url, columns in (("/admin/standards/correction/", ("kind",)),
                         ("/admin/standards/biasreport/", ("reason", "status"))):
        page.goto(live_server.url + url)
        for width, scheme in each_look(page):
            for column in columns:
                for cell in page.locator(f"#result_list td.field-{column}").all():
                    assert cell.evaluate(BROKEN_WORDS) == [], (url, width, cell.inner_text())
            # The headline wraps: it took 470 px of a 630 px box at 1280 px.
            headline = page.locator("#result_list tbody .field-article").first
            expect(headline).to_contain_text("Harbour authority")
            assert headline.evaluate("cell => getComputedStyle(cell).whiteSpace") == "normal"
            assert headline.bounding_box()["width"] < 300, (url, width)
            if url == "/admin/standards/biasreport/":
                shoot(page, "bias-report-list", width, scheme)


# 3.3.3 -------------------------------------------------------------------------


def test_the_bias_dialog_says_how_to_give_the_link_and_the_reason(live_server, newsroom,
                                                                   new_page):
    page = new_page()
    page.goto(f"{live_server.url}/articles/{newsroom['lead'].slug}/")
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Evidence link (optional)").fill("ferry timetable")
    dialog.get_by_role("button", name="Send report").click()
    # The dialog stays open as the look turns (nothing in its script reads the width).
    for width, scheme in each_look(page):
        expect(dialog.locator("#reason-errors")).to_have_text(
            "Choose the kind of bias you saw: one of the six below.")
        expect(dialog.get_by_label("Evidence link (optional)")).to_have_accessible_description(
            "A source that supports your report. Enter the link’s whole address, such as "
            "https://www.example.org/story, or leave this empty.")
        shoot(page, "bias-dialog-refused", width, scheme, full_page=False)
