"""The moderation desk in Chromium, a11y2 round: a key held down decides one comment, not
the queue; the desk's buttons have an outline in forced colours; the bias-report triage's
scrolling whole story is a named Tab stop and each card's story a landmark of its own
name. Screenshots of the desk in forced colours and of the triage with the whole story
open, at 1280 and 390 px, light and dark, go to screenshots/a11y2/ (git-ignored)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser import axe
from tests.browser.test_desk import sign_in
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "a11y2"
HELD = "/admin/moderation/comments/?show=held"
TRIAGE = "/admin/moderation/bias-reports/"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
# Every keydown's key and whether it was a repeat, as the page saw them.
RECORD_KEYS = """
window.__keys = [];
document.addEventListener("keydown", (event) => {
  window.__keys.push([event.key, event.repeat]);
}, true);
"""


@pytest.fixture
def desk(roles):
    story = ArticleFactory(
        headline="Ferries resume after the storm",
        body="\n\n".join(f"Paragraph {n} of the story: the ferries, the crews, the island "
                         f"council and the harbour master, each with a view." for n in range(40)),
        published_at=timezone.now() - timedelta(days=1))
    now = timezone.now()
    held = [CommentFactory(article=story, reader=UserFactory(username=f"reader{n}"),
                           status="pending", hold_reason="Contains a link",
                           body=f"Cheaper tickets, offer {n}: www.x.example",
                           created_at=now - timedelta(hours=8 - n))
            for n in range(6)]
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    reports = [BiasReportFactory(article=story, details=f"Only one side is heard ({n}).")
               for n in range(2)]
    return {"held": held, "story": story, "reports": reports}


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def test_a_key_held_down_decides_one_comment_and_j_held_down_goes_on_moving(
        live_server, desk, new_page):
    held = desk["held"]
    page = new_page(width=1280)
    page.add_init_script(RECORD_KEYS)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + HELD)
    receipts = page.locator(".desk-receipt")

    # a held down on the first card: one press, then the keyboard's repeats, which reach
    # the next card once the first is decided and the focus has moved on to it.
    page.locator(f"#comment-{held[0].pk}").focus()
    page.keyboard.down("a")
    expect(receipts).to_have_count(1)
    expect(page.locator(f"#comment-{held[1].pk}")).to_be_focused()
    for _ in range(3):
        page.keyboard.down("a")
    page.keyboard.up("a")
    assert page.evaluate("window.__keys") == [["a", False], ["a", True], ["a", True],
                                              ["a", True]]
    # A press of its own still acts, on the card in focus; it is sent after anything the
    # repeats had sent (one request at a time, in order), so its receipt comes last.
    page.keyboard.press("h")
    expect(receipts).to_have_count(2)
    expect(receipts.last).to_contain_text("reader1")
    assert statuses(held) == ["approved", "hidden", "pending", "pending", "pending", "pending"]

    # h and u held down: one hide, no undo past the first.
    page.keyboard.down("h")
    expect(receipts).to_have_count(3)
    expect(page.locator(f"#comment-{held[3].pk}")).to_be_focused()
    page.keyboard.down("h")
    page.keyboard.up("h")
    page.keyboard.down("u")
    expect(receipts).to_have_count(2)
    page.keyboard.down("u")
    page.keyboard.up("u")
    page.keyboard.press("j")  # any undo the repeat had sent is answered before this moves
    assert statuses(held) == ["approved", "hidden", "pending", "pending", "pending", "pending"]

    # j held down goes on moving from card to card.
    page.locator(f"#comment-{held[2].pk}").focus()
    page.keyboard.down("j")
    page.keyboard.down("j")
    page.keyboard.down("j")
    page.keyboard.up("j")
    expect(page.locator(f"#comment-{held[5].pk}")).to_be_focused()
    assert statuses(held) == ["approved", "hidden", "pending", "pending", "pending", "pending"]


def _forced_colours_page(browser, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme, forced_colors="active")
    return context, context.new_page()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_desk_buttons_have_an_outline_in_forced_colours(live_server, desk, browser, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in SCHEMES:
        context, page = _forced_colours_page(browser, width, scheme)
        try:
            sign_in(page, live_server, "moderator")
            assert page.evaluate("matchMedia('(forced-colors: active)').matches")
            for shot, url, names in (
                    ("comments", HELD, ("Approve", "Hide", "Hide and restrict the reader")),
                    ("bias-reports", TRIAGE, ("Uphold and draft the correction", "Dismiss"))):
                page.goto(live_server.url + url)
                for name in names:
                    button = page.get_by_role("button", name=name, exact=True).first
                    border = button.evaluate("""b => {
                      const s = getComputedStyle(b);
                      return [s.borderTopStyle, s.borderTopWidth, s.borderTopColor,
                              s.backgroundColor];
                    }""")
                    style, width_px, colour, background = border
                    assert style == "solid" and width_px == "1px", (name, border)
                    # Drawn: a colour of its own, not the background it stands on.
                    assert colour not in ("transparent", "rgba(0, 0, 0, 0)", background), \
                        (name, border)
                page.screenshot(path=str(SHOTS / f"desk-forced-{shot}-{width}-{scheme}.png"))
            # An Undo, in a receipt, too.
            page.goto(live_server.url + HELD)
            page.locator(f"#comment-{desk['held'][0].pk}").get_by_role(
                "button", name="Approve").click()
            undo = page.locator(".desk-receipt").get_by_role("button", name="Undo")
            expect(undo).to_be_visible()
            assert undo.evaluate("b => getComputedStyle(b).borderTopWidth") == "1px"
            page.locator(".desk-receipt").screenshot(
                path=str(SHOTS / f"desk-forced-receipt-{width}-{scheme}.png"))
            undo.click()
            expect(page.locator(".desk-receipt")).to_have_count(0)
        finally:
            context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_whole_story_scrolls_as_a_named_tab_stop(live_server, desk, new_page, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    first, second = desk["reports"]
    page = new_page(width=width)
    sign_in(page, live_server, "moderator")
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.goto(live_server.url + TRIAGE)
        card = page.locator(f"#report-{first.pk}")
        card.get_by_text("The whole story as readers see it").click()
        box = card.get_by_role("region", name=f"The whole story reported in {first.reference}")
        expect(box).to_be_visible()
        assert box.evaluate("b => b.scrollHeight > b.clientHeight"), "the story does not scroll"
        # Reached with Tab from the summary, and scrolled with the arrow keys.
        card.locator(".desk-story-whole summary").focus()
        page.keyboard.press("Tab")
        expect(box).to_be_focused()
        page.keyboard.press("End")
        page.wait_for_function("b => b.scrollTop > 0", arg=box.element_handle())
        # Each card's story is a region of its own name.
        for report in (first, second):
            expect(page.get_by_role(
                "region", name=f"The story reported in {report.reference}")).to_have_count(1)
        violations = axe.findings(page)
        found = {v["id"]: [n["target"] for n in v["nodes"][:3]] for v in violations}
        assert "scrollable-region-focusable" not in found, found
        assert "landmark-unique" not in found, found
        serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, found
        box.evaluate("b => { b.scrollTop = 0; }")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / f"triage-whole-story-{width}-{scheme}.png"))
