"""Reading QA, round 4, in a real Chromium.

The Report Bias dialog stays open for a click on its own padding or a drag
that selects text and ends past its edge, and keeps the reader's text when it
is closed and opened again; a story printed on A4 keeps every column of a wide
table and every character of a long line of code, and prints no bare paths
for its links within the site; long author and tag names wrap at 320 and
640 px (and on the newsletter page with the WCAG text spacing); right-to-left
headlines read right to left. Screenshots go to screenshots/nojs-qa/.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from taggit.models import Tag

from standards.models import BiasReport
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots" / "nojs-qa"
TYPED = "The story quotes only the operator and none of the island's residents."
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _shots(page, name, locator=None, widths=(1280, 390), full_page=True):
    """Screenshots at each width, light and dark: <name>-<width>-<scheme>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            (locator or page).screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"),
                                         **({} if locator else {"full_page": full_page}))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(viewport)


# 1. The Report Bias dialog ---------------------------------------------------

def _open_bias_dialog(page):
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("form[data-bias-form]")).to_be_visible()
    return dialog


def _expect_kept(dialog):
    expect(dialog.get_by_label("Details", exact=True)).to_have_value(TYPED)
    expect(dialog.get_by_role("radio", name=re.compile("^Other"))).to_be_checked()


def test_bias_dialog_stays_open_for_clicks_inside_and_keeps_the_text(live_server, newsroom,
                                                                     new_page):
    page = new_page(width=1280)
    page.goto(live_server.url + newsroom["lead"].get_absolute_url())
    dialog = _open_bias_dialog(page)
    dialog.get_by_role("radio", name=re.compile("^Other")).check()
    details = dialog.get_by_label("Details", exact=True)
    details.fill(TYPED)
    opened = page.locator("dialog[open]")

    # A click on the dialog's white padding, 8 px inside its left edge.
    box = dialog.bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)
    expect(opened).to_have_count(1)

    # Text selected in Details by a drag let go of just past the dialog's edge.
    field = details.bounding_box()
    page.mouse.move(field["x"] + field["width"] / 2, field["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] - 6, field["y"] + 12, steps=8)
    page.mouse.up()
    expect(opened).to_have_count(1)
    _expect_kept(dialog)
    _shots(page, "bias-dialog-after-clicks-inside", full_page=False)

    # Esc, the Close button and the backdrop close it; the text comes back.
    page.keyboard.press("Escape")
    expect(opened).to_have_count(0)
    dialog = _open_bias_dialog(page)
    _expect_kept(dialog)
    expect(dialog.get_by_role("heading", name="Report bias")).to_be_focused()
    dialog.get_by_role("button", name="Close").click()
    expect(opened).to_have_count(0)
    dialog = _open_bias_dialog(page)
    _expect_kept(dialog)
    box = dialog.bounding_box()
    page.mouse.click(box["x"] - 20, box["y"] + 20)
    expect(opened).to_have_count(0)
    dialog = _open_bias_dialog(page)
    _expect_kept(dialog)

    # Once sent, the next report starts from an empty form.
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.locator(".reference strong")).to_have_text(re.compile(r"^BR-\d{6}$"))
    assert BiasReport.objects.get().details == TYPED
    page.keyboard.press("Escape")
    dialog = _open_bias_dialog(page)
    expect(dialog.get_by_label("Details", exact=True)).to_have_value("")
    expect(dialog.locator("input[type=radio]:checked")).to_have_count(0)


# 2. Print --------------------------------------------------------------------

WIDE_TABLE = ("| " + " | ".join(f"Heading {n}" for n in range(14)) + " |\n|" + "---|" * 14
              + "\n| " + " | ".join(f"cell-{n}-value" for n in range(14)) + " |\n")
CODE_LINE = "schedule = " + "north_pier_to_island_" * 12 + "end"
PRINTED_BODY = (f"See [our earlier story](/articles/) and [the notice](https://example.org/n).\n\n"
                f"{WIDE_TABLE}\n```\n{CODE_LINE}\n```\n")
# A4 less print.css's 16 mm margins each side: 178 mm at 96 px to the inch.
A4_TEXT_WIDTH = 673


def test_printed_story_keeps_wide_tables_and_long_code_lines(live_server, newsroom, new_page):
    story = ArticleFactory(slug="printed", section=newsroom["world"], author=newsroom["human"],
                           body=PRINTED_BODY,
                           published_at=timezone.now() - timedelta(minutes=5))
    page = new_page(width=A4_TEXT_WIDTH)
    page.goto(live_server.url + story.get_absolute_url())
    page.emulate_media(media="print")
    body = page.locator(".story-body").bounding_box()
    right = body["x"] + body["width"] + 0.5

    cells = page.locator(".story-body th, .story-body td")
    expect(cells).to_have_count(28)
    edges = cells.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().right)")
    assert max(edges) <= right, (max(edges), right)
    assert page.locator(".story-body .table-scroll").evaluate(
        "box => box.scrollWidth <= box.clientWidth + 1")
    code = page.locator(".story-body pre")
    assert code.evaluate("pre => pre.scrollWidth <= pre.clientWidth + 1")
    assert code.bounding_box()["x"] + code.bounding_box()["width"] <= right
    assert code.inner_text().replace("\n", "") == CODE_LINE

    after = "a => getComputedStyle(a, '::after').content"
    assert page.get_by_role("link", name="our earlier story").evaluate(after) == "none"
    assert "https://example.org/n" in page.get_by_role("link", name="the notice").evaluate(after)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "print-wide-table-a4.png"), full_page=True)
    page.emulate_media(media="screen")
    page.pdf(path=str(SHOTS / "print-wide-table.pdf"), format="A4")


# 3. Long names ---------------------------------------------------------------

LONG_WORD = "Ngwenyamavukuzakhekilekhayasekhaya" * 3  # 102 letters, no space
LONG_TAG = LONG_WORD[:100]  # tags hold 100 characters at most
# WCAG 1.4.12: what a reader's own style sheet may set.
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
                " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }")


@pytest.fixture
def long_names(db):
    section = SectionFactory(name="World", slug="world")
    author = AuthorFactory(name=f"QA {LONG_WORD}", slug="qa-long")
    ArticleFactory(slug="long-names", section=section, author=author, tags=[LONG_TAG],
                   published_at=timezone.now() - timedelta(minutes=5))
    return author


def test_long_author_and_tag_names_wrap_at_320_and_640(live_server, long_names, new_page):
    pages = {"author": long_names.get_absolute_url(),
             "tag": f"/tags/{Tag.objects.get(name=LONG_TAG).slug}/"}
    for width in (320, 640):
        page = new_page(width=width)
        for name, url in pages.items():
            assert page.goto(live_server.url + url).status == 200, url
            assert page.evaluate(NO_SIDEWAYS_SCROLL), (name, width, page.evaluate(
                "document.documentElement.scrollWidth"))
            follow = page.locator(".follow summary").bounding_box()
            assert follow["x"] + follow["width"] <= width
    page = new_page(width=320)
    page.goto(live_server.url + long_names.get_absolute_url())
    _shots(page, "long-author-name", widths=(320, 390, 1280))


def test_newsletter_choices_wrap_long_names_with_text_spacing(live_server, long_names, browser):
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        try:
            assert page.goto(live_server.url + "/newsletter/").status == 200
            expect(page.locator(".choice", has_text="QA ")).to_have_count(1)
            page.add_style_tag(content=TEXT_SPACING)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), (width, page.evaluate(
                "document.documentElement.scrollWidth"))
        finally:
            context.close()


# 4. Right to left ------------------------------------------------------------

RTL_HEADLINE = "عاجل: الحكومة تعلن خطة جديدة للنقل البحري 🚢"
RTL_DEK = "הממשלה מציגה תוכנית חדשה לתחבורה הימית בין האיים"


def test_right_to_left_headline_and_standfirst_read_right_to_left(live_server, newsroom,
                                                                  new_page):
    story = ArticleFactory(slug="rtl", headline=RTL_HEADLINE, dek=RTL_DEK,
                           section=newsroom["world"], author=newsroom["human"],
                           published_at=timezone.now() - timedelta(minutes=5))
    page = new_page(width=1280)
    page.goto(live_server.url + story.get_absolute_url())
    for selector in ("h1.headline", "p.dek"):
        assert page.locator(selector).evaluate("e => getComputedStyle(e).direction") == "rtl"
    # The ship ends the headline, so it sits left of the word before it, where
    # Arabic ends; laid out left to right it would follow that word on its right.
    ship, word = page.locator("h1.headline").evaluate("""h => {
        const text = h.firstChild, end = text.length, left = (start, stop) => {
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, stop);
            return range.getBoundingClientRect().left;
        };
        const word = text.data.lastIndexOf("البحري");
        return [left(end - 2, end), left(word, word + 6)];
    }""")
    assert ship < word, (ship, word)
    page.goto(live_server.url + "/")
    card = page.locator(".card-headline", has_text="عاجل")
    assert card.evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.goto(live_server.url + story.get_absolute_url())
    _shots(page, "rtl-headline", page.locator(".story-header"))
