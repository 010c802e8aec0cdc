"""The moderation desk in a real Chromium (issue 15): a moderator works the queues.

Keyboard only and with the mouse, at 1280 px and 390 px, with JavaScript and
without. Screenshots of every desk page, at both widths, light and dark, go
to screenshots/issue-15/ (git-ignored), to be looked at by a person.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, CommentReport, ModerationAction, ReaderStanding
from standards.models import BiasReport
from tests.browser import session
from tests.browser.axe import serious
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-15"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
EMAIL = "reporter-private@example.org"
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""
DESK_PAGES = {
    "overview": "/admin/moderation/",
    "comments": "/admin/moderation/comments/",
    "bias-reports": "/admin/moderation/bias-reports/",
    "bias-reports-decided": "/admin/moderation/bias-reports/?state=decided",
}


def sign_in(page, live_server, username):
    """Signed in as username (tests/browser/session.py), on the newsroom's front page."""
    session.sign_in(page.context, live_server.url, get_user_model().objects.get(username=username))
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#site-name").inner_text() == "EVA DAILY newsroom"


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def desk(newsroom, roles):
    """A moderator, an editor and a morning's work: held and reported comments, bias reports."""
    now = timezone.now()
    lead = newsroom["lead"]
    regulars = [UserFactory(username=name) for name in ("harbourfan", "island_ann", "skipper")]
    for hours, (reader, body) in enumerate([
        (regulars[0], "Finally, a shorter crossing. The early boat matters most."),
        (regulars[1], "Will the island stop get the later boat too?"),
    ]):
        CommentFactory(article=lead, reader=reader, body=body,
                       created_at=now - timedelta(hours=9 - hours))
    loud = UserFactory(username="loudmouth")
    CommentFactory(reader=loud, article=newsroom["others"][0], status="hidden",
                   body="Everyone at the harbour office is useless.",
                   created_at=now - timedelta(days=4))
    held_link = CommentFactory(
        article=lead, reader=loud, status="pending", hold_reason="Contains a link",
        body="Cheaper tickets here: www.ferry-deals.example — don't pay the harbour's prices!",
        created_at=now - timedelta(hours=6))
    reported = CommentFactory(
        article=lead, reader=regulars[2],
        body="The harbour master should resign. Nobody asked the night crews.",
        created_at=now - timedelta(hours=7))
    CommentReport.objects.create(comment=reported, reporter=regulars[0], reason="abuse",
                                 created_at=now - timedelta(hours=5))
    CommentReport.objects.create(comment=reported, reporter=regulars[1], reason="off_topic",
                                 created_at=now - timedelta(hours=4))
    held_word = CommentFactory(
        article=lead, reader=regulars[1], status="pending",
        hold_reason="Contains a suspect word: idiots",
        body="Only idiots would schedule the last boat before the concert ends.",
        created_at=now - timedelta(hours=3))
    CommentFactory(article=lead, reader=regulars[0], body="Good news for commuters.",
                   created_at=now - timedelta(hours=2))
    quoted = BiasReportFactory(
        article=lead, reason="one_sided_sourcing", contact_email=EMAIL,
        reader=regulars[0],
        # Typed with straight quotes; the story shows typographic ones.
        quoted_passage='"We listened to the people who use these boats every day," '
                       "the harbour master said.",
        details="Only the harbour master is quoted; the crews and the island council are not.",
        evidence_url="https://example.org/island-council-minutes",
        created_at=now - timedelta(days=2))
    missing = BiasReportFactory(
        article=lead, reason="loaded_language", quoted_passage="a reckless plan",
        details="The story calls the plan reckless.", created_at=now - timedelta(hours=20))
    BiasReportFactory(article=newsroom["others"][0], reason="factual_error",
                      status=BiasReport.Status.UPHELD, resolved_at=now - timedelta(hours=1),
                      details="The pier opened in 1998, not 1989.",
                      resolution_note="Thank you: corrected.",
                      created_at=now - timedelta(days=3))
    return {"moderator": staff("Moderators", "moderator"), "editor": staff("Editors", "editor"),
            "held_link": held_link, "reported": reported, "held_word": held_word,
            "quoted": quoted, "missing": missing, "loud": loud, **newsroom}


def test_every_desk_page_passes_axe_fits_the_screen_and_is_photographed(
        live_server, desk, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    signed_in = new_page()
    sign_in(signed_in, live_server, "moderator")
    cookies = signed_in.context.cookies()
    for width in WIDTHS:
        for scheme in SCHEMES:
            page = new_page(width=width, color_scheme=scheme)
            page.add_init_script(RECORD_CSP_VIOLATIONS)
            page.context.add_cookies(cookies)
            for name, path in DESK_PAGES.items():
                assert page.goto(live_server.url + path).status == 200, path
                assert page.evaluate("window.__cspViolations") == [], (name, width, scheme)
                assert page.evaluate(NO_HORIZONTAL_SCROLL), (name, width, page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]"))
                problems = serious(page)
                assert not problems, (name, width, scheme, "\n".join(problems))
                page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            page.goto(live_server.url + "/admin/")
            page.screenshot(path=str(SHOTS / f"admin-home-{width}-{scheme}.png"))


def test_the_chart_fits_a_phone(live_server, desk, new_page):
    page = new_page(width=390, height=844)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/")
    charts = page.locator("svg.desk-chart")
    assert charts.count() == 2
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        smallest = charts.nth(index).evaluate("""svg => Math.min(...[...svg.querySelectorAll(
            'text')].map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))""")
        assert smallest >= 11, smallest


def test_the_desk_is_reached_from_the_admin_home_and_header(live_server, desk, new_page):
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.locator("#user-tools").get_by_role("link", name="Moderation desk").click()
    expect(page.locator("h1")).to_have_text("Moderation desk")
    page.get_by_role("link", name="Comments held for review").click()
    expect(page).to_have_url(re.compile(r"/admin/moderation/comments/\?show=held$"))
    page.goto(live_server.url + "/admin/")
    page.locator(".desk-home").get_by_role("link", name="Bias-report triage").click()
    expect(page.locator("h1")).to_have_text("Bias-report triage")


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_only_the_moderator_works_the_comment_queue(live_server, desk, new_page,
                                                             width):
    page = new_page(width=width, height=900)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/comments/")
    expect(page.locator("[data-desk-keys]")).to_be_visible()
    # A marker that a page load would wipe out.
    page.evaluate("window.__sameDocument = true")
    # The held link has waited six hours; the other comment was reported five hours ago.
    order = [desk["held_link"], desk["reported"], desk["held_word"]]
    cards = page.locator("[data-desk-item]")
    assert [cards.nth(i).get_attribute("id") for i in range(3)] == [
        f"comment-{c.pk}" for c in order]

    page.keyboard.press("j")
    first = page.locator(f"#comment-{order[0].pk}")
    expect(first).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(first).to_be_focused()

    # h: hide the held link; its receipt takes its place and the next comment is up.
    page.keyboard.press("h")
    expect(page.locator(".desk-receipt").first).to_contain_text(
        "Hid the comment by loudmouth.")
    expect(page.locator(f"#comment-{order[1].pk}")).to_be_focused()
    # a: approve the reported comment.
    page.keyboard.press("a")
    expect(page.locator(".desk-receipt")).to_have_count(2)
    expect(page.locator(f"#comment-{order[2].pk}")).to_be_focused()
    expect(page.locator("[data-desk-count]")).to_have_text("1 comment waiting.")
    assert page.evaluate("window.__sameDocument === true")
    statuses = dict(Comment.objects.filter(pk__in=[c.pk for c in order])
                    .values_list("pk", "status"))
    assert statuses == {order[0].pk: "hidden", order[1].pk: "approved",
                        order[2].pk: "pending"}
    assert not CommentReport.objects.filter(comment=order[1], resolved_at=None).exists()

    # u: undo the last decision; the reported comment is back, its reports open again.
    page.keyboard.press("u")
    expect(page.locator(f"#comment-{order[1].pk}")).to_be_focused()
    expect(page.locator(".desk-receipt")).to_have_count(1)
    expect(page.locator("[data-desk-count]")).to_have_text("2 comments waiting.")
    assert Comment.objects.get(pk=order[1].pk).status == "approved"
    assert CommentReport.objects.filter(comment=order[1], resolved_at=None).count() == 2
    assert ModerationAction.objects.filter(action="undo comment approved").count() == 1

    # Typing a note does not trigger the keys; Tab reaches the buttons; Enter decides.
    note = page.locator(f"#reason-{order[1].pk}")
    note.focus()
    note.press_sequentially("Rude about the crews, hide")
    expect(note).to_have_value("Rude about the crews, hide")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(f"#comment-{order[1].pk} button[value=hide]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".desk-receipt")).to_have_count(2)
    hidden = Comment.objects.get(pk=order[1].pk)
    assert hidden.status == "hidden" and hidden.moderation_reason == "Rude about the crews, hide"
    assert page.evaluate("window.__sameDocument === true")
    assert not serious(page), "\n".join(serious(page))
    page.screenshot(path=str(SHOTS / f"comments-after-keys-{width}-light.png"), full_page=True)


def test_hide_and_restrict_and_the_next_comments_come_without_a_page_load(
        live_server, desk, new_page):
    now = timezone.now()
    extra = [CommentFactory(article=desk["lead"], status="pending", hold_reason="Contains a link",
                            body=f"Waiting comment number {n}.",
                            created_at=now - timedelta(minutes=60 - n))
             for n in range(10)]
    page = new_page(width=390, height=844, color_scheme="dark")
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/comments/")
    page.evaluate("window.__sameDocument = true")
    expect(page.locator("[data-desk-item]")).to_have_count(10)

    loud_card = page.locator(f"#comment-{desk['held_link'].pk}")
    loud_card.get_by_role("button", name="Hide and restrict the reader").click()
    expect(page.locator(".desk-receipt")).to_contain_text(
        "Hid the comment by loudmouth and put loudmouth in pre-moderation.")
    # The receipt, in dark mode, is as legible as the rest.
    assert not serious(page), "\n".join(serious(page))
    page.screenshot(path=str(SHOTS / "comments-receipt-390-dark.png"))
    assert ReaderStanding.objects.get(reader=desk["loud"]).is_premoderated
    assert ModerationAction.objects.get().action == "comment hidden, reader restricted"

    # Approve the other twelve one by one: the three beyond the first page arrive
    # on their own, without a page load.
    for decided in range(2, 14):
        page.locator("[data-desk-item] button[value=approve]").first.click()
        expect(page.locator(".desk-receipt")).to_have_count(decided)
    expect(page.locator("[data-desk-empty]")).to_contain_text("Nothing else is waiting")
    assert page.evaluate("window.__sameDocument === true")
    assert not Comment.objects.filter(pk__in=[c.pk for c in extra], status="pending").exists()
    assert ModerationAction.objects.count() == 13


def test_without_javascript_the_buttons_and_undo_still_work(live_server, desk, new_page):
    page = new_page(width=390, javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/comments/")
    expect(page.locator("[data-desk-keys]")).to_be_hidden()
    card = page.locator(f"#comment-{desk['held_link'].pk}")
    card.get_by_label("Note for the log").fill("Advertising")
    card.get_by_role("button", name="Hide", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/moderation/comments/$"))
    expect(page.locator(".messagelist")).to_contain_text("Hid the comment by loudmouth.")
    expect(page.locator(f"#comment-{desk['held_link'].pk}")).to_have_count(0)
    assert Comment.objects.get(pk=desk["held_link"].pk).status == "hidden"
    page.screenshot(path=str(SHOTS / "comments-nojs-after-hide-390-light.png"), full_page=True)

    page.locator(".desk-undo-list").get_by_role("button", name="Undo").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Undone: the comment by loudmouth is pending review again.")
    expect(page.locator(f"#comment-{desk['held_link'].pk}")).to_have_count(1)
    assert Comment.objects.get(pk=desk["held_link"].pk).status == "pending"

    page.locator(f"#comment-{desk['reported'].pk}").get_by_role("button", name="Approve").click()
    assert Comment.objects.get(pk=desk["reported"].pk).status == "approved"
    assert [a.action for a in ModerationAction.objects.order_by("pk")] == [
        "comment hidden", "undo comment hidden", "comment approved"]

    # Triage without JavaScript: in review, then dismissed with a note.
    page.goto(live_server.url + "/admin/moderation/bias-reports/")
    report = page.locator(f"#report-{desk['missing'].pk}")
    report.get_by_role("button", name="In review").click()
    reference = desk["missing"].reference
    expect(page.locator(".messagelist")).to_contain_text(f"{reference} is in review")
    expect(report.get_by_role("button", name="In review")).to_have_count(0)
    report.get_by_label("Note for the record").fill("The story never uses that phrase.")
    report.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{reference} dismissed")
    desk["missing"].refresh_from_db()
    assert desk["missing"].status == "dismissed"
    assert desk["missing"].resolution_note == "The story never uses that phrase."


@pytest.mark.parametrize("width", WIDTHS)
def test_triage_shows_the_passage_in_its_story_and_the_moderator_decides(
        live_server, desk, new_page, width):
    page = new_page(width=width)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/bias-reports/")
    cards = page.locator("[data-desk-item]")
    # Open ones only, oldest first.
    assert [cards.nth(i).get_attribute("id") for i in range(cards.count())] == [
        f"report-{desk['quoted'].pk}", f"report-{desk['missing'].pk}"]
    quoted = page.locator(f"#report-{desk['quoted'].pk}")
    expect(quoted.locator(".desk-story-text mark").first).to_have_text(
        "“We listened to the people who use these boats every day,” the harbour master said.")
    expect(quoted).to_contain_text(EMAIL)
    expect(page.locator(f"#report-{desk['missing'].pk} .desk-not-found")).to_be_visible()

    page.keyboard.press("j")
    expect(quoted).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator(f"#report-{desk['missing'].pk}")).to_be_focused()

    quoted.get_by_role("button", name="Uphold and draft the correction").click()
    expect(page.locator(".messagelist")).to_contain_text("an editor drafts the correction")
    desk["quoted"].refresh_from_db()
    assert desk["quoted"].status == "upheld"
    assert ModerationAction.objects.get().action == "bias report upheld"


def test_an_editor_reads_the_triage_without_buttons_or_emails(live_server, desk, new_page):
    page = new_page(width=390)
    sign_in(page, live_server, "editor")
    page.locator("#user-tools").get_by_role("link", name="Moderation desk").click()
    expect(page.locator(".desk-nav")).not_to_contain_text("Comment queue")
    page.get_by_role("link", name="Bias-report triage").click()
    expect(page.locator(f"#report-{desk['quoted'].pk}")).to_be_visible()
    # Neither who filed it nor how to reach them.
    assert EMAIL not in page.content() and "harbourfan" not in page.content()
    expect(page.locator("button[name=decision]")).to_have_count(0)
    page.goto(live_server.url + "/admin/moderation/bias-reports/?state=decided")
    expect(page.get_by_role("link", name="Draft a correction citing")).to_have_count(1)
    assert EMAIL not in page.content()
    assert page.goto(live_server.url + "/admin/moderation/comments/").status == 403
    for scheme in SCHEMES:
        view = new_page(width=390, color_scheme=scheme)
        view.context.add_cookies(page.context.cookies())
        view.goto(live_server.url + "/admin/moderation/bias-reports/")
        assert not serious(view)
        view.screenshot(path=str(SHOTS / f"bias-reports-editor-390-{scheme}.png"), full_page=True)
