"""The comment desk's single-key shortcuts in Chromium, keys QA round (WCAG 2.1.4): a and h
act only on the comment whose card has the focus, u only from the queue or "Your last
decisions", never from the header or the filters; a switch turns the keys off, remembered
in the browser, and the legend says so. Screenshots of the legend, on and off, at 1280 and
390 px, light and dark, go to screenshots/keys-qa/ (git-ignored), to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, ModerationAction
from standards.models import BiasReport
from tests.browser.axe import serious
from tests.browser.shots import each_look
from tests.browser.test_desk import sign_in
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "keys-qa"
QUEUE = "/admin/moderation/comments/"
TRIAGE = "/admin/moderation/bias-reports/"


@pytest.fixture
def desk(roles):
    story = ArticleFactory(headline="Ferries resume after the storm")
    now = timezone.now()
    held = [CommentFactory(article=story, reader=UserFactory(username=f"reader{n}"),
                           status="pending", hold_reason="Contains a link",
                           body=f"Cheaper tickets, offer {n}: www.x.example",
                           created_at=now - timedelta(hours=3 - n))
            for n in range(3)]
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    return {"held": held, "story": story}


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def test_the_keys_act_only_where_the_focus_is(live_server, desk, new_page):
    first, second, third = desk["held"]
    page = new_page(width=1280)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    receipts = page.locator(".desk-receipt")

    # The QA's path: into the first comment's note (it becomes the current one), then out
    # to a filter link. h there hides nothing; a there approves nothing.
    page.locator(f"#reason-{first.pk}").focus()
    page.get_by_role("link", name="Everything waiting").focus()
    page.keyboard.press("h")
    page.keyboard.press("a")
    # The header, the switch: nothing either.
    page.locator("#site-name a").focus()
    page.keyboard.press("h")
    page.get_by_role("button", name="Keyboard shortcuts").focus()
    page.keyboard.press("a")
    # A key that does act, on the card in focus, and its receipt: any decision the keys
    # above had sent would have been sent, and answered, before it.
    page.locator(f"#comment-{second.pk}").focus()
    page.keyboard.press("a")
    expect(receipts).to_have_count(1)
    expect(receipts).to_contain_text("reader1")
    assert statuses(desk["held"]) == ["pending", "approved", "pending"]
    assert ModerationAction.objects.count() == 1

    # A button of a card counts as its card: a acts on that comment, not the current one.
    page.locator(f"#comment-{third.pk} button[value=hide]").focus()
    page.keyboard.press("a")
    expect(receipts).to_have_count(2)
    assert statuses(desk["held"]) == ["pending", "approved", "approved"]

    # u from the header link undoes nothing; from the queue it undoes the last decision.
    page.locator("#site-name a").focus()
    page.keyboard.press("u")
    page.get_by_role("link", name="Everything waiting").focus()
    page.keyboard.press("u")
    receipts.first.focus()
    page.keyboard.press("u")
    expect(page.locator(f"#comment-{third.pk}")).to_be_focused()
    expect(receipts).to_have_count(1)
    assert ModerationAction.objects.filter(action__startswith="undo").count() == 1
    assert statuses(desk["held"]) == ["pending", "approved", "pending"]

    # Typing a note never decides, and j from the header does not move the focus.
    note = page.locator(f"#reason-{third.pk}")
    note.press_sequentially("ha")
    expect(note).to_have_value("ha")
    page.locator("#site-name a").focus()
    page.keyboard.press("j")
    expect(page.locator("#site-name a")).to_be_focused()
    assert statuses(desk["held"]) == ["pending", "approved", "pending"]


def test_the_switch_turns_the_keys_off_and_is_remembered(live_server, desk, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    first = desk["held"][0]
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    switch = page.get_by_role("button", name="Keyboard shortcuts")
    legend = page.locator("[data-desk-keys]")
    expect(switch).to_have_attribute("aria-pressed", "true")
    for width, scheme in each_look(page):
        expect(switch).to_have_text("Keyboard shortcuts: on")
        expect(legend).to_contain_text("only while that comment has the focus")
        page.screenshot(path=str(SHOTS / f"keys-on-{width}-{scheme}.png"))

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-desk-live]")).to_have_text("Keyboard shortcuts off.")
    for width, scheme in each_look(page):
        expect(switch).to_have_text("Keyboard shortcuts: off")
        expect(legend).to_contain_text("Keyboard shortcuts are off")
        expect(legend.locator("[data-desk-keys-on]")).to_be_hidden()
        assert not serious(page), "\n".join(serious(page))
        page.screenshot(path=str(SHOTS / f"keys-off-{width}-{scheme}.png"))

    # Off, and still off on the next page load: j moves nothing, h on the card hides nothing.
    page.reload()
    expect(switch).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("j")
    expect(page.locator("body")).to_be_focused()
    card = page.locator(f"#comment-{first.pk}")
    card.focus()
    page.keyboard.press("h")
    # The buttons work as ever; their receipt comes after anything h had sent.
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(".desk-receipt")).to_have_count(1)
    assert statuses(desk["held"]) == ["approved", "pending", "pending"]
    page.locator(".desk-receipt").focus()
    page.keyboard.press("u")
    page.locator(f"#comment-{desk['held'][1].pk}").focus()
    page.keyboard.press("a")
    page.locator(f"#comment-{desk['held'][1].pk}").get_by_role("button", name="Hide", exact=True).click()
    expect(page.locator(".desk-receipt")).to_have_count(2)
    assert statuses(desk["held"]) == ["approved", "hidden", "pending"]
    assert not ModerationAction.objects.filter(action__startswith="undo").exists()

    # The same switch on the triage, and on again: the keys work again.
    page.goto(live_server.url + TRIAGE)
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    page.goto(live_server.url + QUEUE)
    expect(switch).to_have_text("Keyboard shortcuts: on")
    page.keyboard.press("j")
    expect(page.locator(f"#comment-{desk['held'][2].pk}")).to_be_focused()
    page.keyboard.press("h")
    expect(page.locator(".desk-receipt")).to_have_count(1)
    assert statuses(desk["held"]) == ["approved", "hidden", "hidden"]
    for width, scheme in each_look(page, looks=((1280, "light"), (390, "light"))):
        page.screenshot(path=str(SHOTS / f"keys-back-on-{width}-{scheme}.png"), full_page=True)


def test_without_javascript_there_is_no_legend_and_no_switch(live_server, desk, new_page):
    page = new_page(width=390, javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    expect(page.locator("[data-desk-keys]")).to_be_hidden()
    expect(page.get_by_role("button", name="Keyboard shortcuts")).to_have_count(0)
    page.locator(f"#comment-{desk['held'][0].pk}").get_by_role("button", name="Hide", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Hid the comment by reader0.")


def test_a_dismissal_without_a_note_or_an_email_asks_for_the_records_note(
        live_server, desk, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = BiasReportFactory(article=desk["story"])
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + TRIAGE)
    card = page.locator(f"#report-{report.pk}")
    # A note the browser lets through (it is not empty) but that shows nothing.
    card.get_by_label("Note for the record").fill("\u200b")
    card.get_by_role("button", name="Dismiss").click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist")).to_have_text(
            f"{report.reference} was not dismissed: write a note for the record saying why "
            "(the reporter left no email, so it is not sent).")
        assert not serious(page), "\n".join(serious(page))
        page.screenshot(path=str(SHOTS / f"triage-refusal-{width}-{scheme}.png"))
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW
