"""The moderators' desk in Chromium, QA round: a decision sent after the session ended
keeps its card and note and says to sign in again; Enter in a card's note sends nothing,
with JavaScript and without; long readers' names stay inside the desk at 1280 and 390 px.
Screenshots, light and dark, go to screenshots/mod-qa/ (git-ignored), to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments import moderation
from comments.models import Comment, ModerationAction
from tests.browser.shots import each_look
from tests.browser.test_desk import sign_in
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "mod-qa"
QUEUE = "/admin/moderation/comments/"
LONG_NAME = "w" * 130  # no break point in it, as the QA's reader
# Every element of a card or of "Your last decisions" that reaches past the card's edge.
SPILLING = """() => [...document.querySelectorAll(".desk-item, .desk-undo-list")].flatMap((box) => {
  const edge = box.getBoundingClientRect().right + 1;
  return [...box.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > edge)
    .map((el) => `${el.tagName}.${el.className}`);
})"""


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def desk(roles):
    story = ArticleFactory(headline="Ferries resume after the storm")
    reader = UserFactory(username=LONG_NAME)
    now = timezone.now()
    CommentFactory(article=story, reader=reader, body="The early boat matters most.",
                   created_at=now - timedelta(hours=3))
    held = CommentFactory(article=story, reader=reader, status="pending",
                          hold_reason="Contains a link", body="Cheaper tickets: www.x.example",
                          created_at=now - timedelta(hours=2))
    other = CommentFactory(article=story, reader=reader, status="pending",
                           hold_reason="Contains a link", body="Again: www.x.example",
                           created_at=now - timedelta(hours=1))
    moderator = staff("Moderators", "moderator")
    return {"held": held, "other": other, "moderator": moderator, "story": story}


def test_long_reader_names_stay_inside_the_desk(live_server, desk, new_page):
    moderation.decide_comment(desk["other"], Comment.Status.HIDDEN, desk["moderator"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    for width, scheme in each_look(page):
        expect(page.locator(".desk-undo-list")).to_contain_text(LONG_NAME)
        expect(page.locator(".desk-byline").first).to_have_text(LONG_NAME)
        assert page.evaluate(SPILLING) == [], (width, scheme)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"queue-long-name-{width}-{scheme}.png"),
                        full_page=True)


def test_a_decision_sent_signed_out_keeps_its_card_and_note(live_server, desk, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    held = desk["held"]
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    card = page.locator(f"#comment-{held.pk}")
    note = card.locator(f"#reason-{held.pk}")
    note.fill("Advertising a ticket shop.")
    # The session ends while the page is open (the CSRF cookie lasts a year).
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    card.get_by_role("button", name="Hide", exact=True).click()
    failed = card.locator("[data-desk-send-failed]")
    for width, scheme in each_look(page):
        expect(failed).to_contain_text("Nothing was decided: you are signed out.")
        expect(note).to_have_value("Advertising a ticket shop.")
        expect(card.get_by_role("button", name="Hide", exact=True)).to_be_enabled()
        link = failed.get_by_role("link", name="Sign in again (in a new tab)")
        assert link.get_attribute("href").endswith("/admin/login/?next=%2Fadmin%2Fmoderation"
                                                   "%2Fcomments%2F")
        assert page.url == live_server.url + QUEUE
        page.screenshot(path=str(SHOTS / f"signed-out-{width}-{scheme}.png"), full_page=True)
    held.refresh_from_db()
    assert held.status == "pending" and not ModerationAction.objects.exists()


@pytest.mark.parametrize("javascript", [True, False])
def test_enter_in_the_note_approves_nothing(live_server, desk, new_page, javascript):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    note = page.locator(f"#reason-{desk['held'].pk}")
    note.fill("Advertising a ticket shop")
    note.press("Enter")
    page.wait_for_timeout(500)
    assert page.url == live_server.url + QUEUE
    expect(page.locator(f"#comment-{desk['held'].pk}")).to_be_visible()
    desk["held"].refresh_from_db()
    assert desk["held"].status == "pending" and not ModerationAction.objects.exists()


def test_the_new_pages_photographed(live_server, desk, new_page):
    """The page a decide address opened leads to, the 403 page, and a report's card with
    its in-review note on a story no longer public."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    staff("Editors", "editor")
    report = BiasReportFactory(article=ArticleFactory(draft=True, headline="Pulled story"),
                               status="in_review", moderator=desk["moderator"],
                               resolution_note="Asking the desk for its source.")
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}/admin/moderation/comments/{desk['held'].pk}/decide/")
    for width, scheme in each_look(page):
        expect(page.get_by_role("link", name="Back to the comment queue")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"not-decided-{width}-{scheme}.png"), full_page=True)
    page.goto(live_server.url + "/admin/moderation/bias-reports/")
    card = page.locator(f"#report-{report.pk}")
    for width, scheme in each_look(page):
        expect(card).to_contain_text("Story not public")
        expect(card).to_contain_text("Asking the desk for its source.")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        card.screenshot(path=str(SHOTS / f"report-in-review-{width}-{scheme}.png"))
    editor = new_page()
    sign_in(editor, live_server, "editor")
    assert editor.goto(live_server.url + QUEUE).status == 403
    for width, scheme in each_look(editor):
        expect(editor.get_by_role("heading", level=1)).to_have_text(
            "This page is not open to your account")
        editor.screenshot(path=str(SHOTS / f"403-{width}-{scheme}.png"), full_page=True)
