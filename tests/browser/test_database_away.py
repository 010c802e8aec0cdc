"""While the database is away, a reader's comment and bias report stay in their forms,
and so does the page of comments in view.

The server answers a form's post with its 503 page (core.views.server_error)
instead of the block the script asked for; the script keeps the form and
says the text could not be sent. Screenshots of that and of the 503 page
itself go to screenshots/database-away/.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from playwright.sync_api import expect

from comments.models import Comment
from standards.models import BiasReport
from tests.browser.shots import each_look
from tests.browser.test_participation import (
    _many_comments, _reader, _wait_for_block, sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots" / "database-away"
PARTIAL = re.compile(r"[?&]partial=1")
LOOKS = ((1280, "light"), (390, "dark"))


def _posts_answered_with_the_503_page(page):
    away = render_to_string("503.html", {"sent": True})

    def answer(route):
        if route.request.method == "POST":
            route.fulfill(status=503, content_type="text/html; charset=utf-8", body=away,
                          headers={"Retry-After": "30"})
        else:
            route.continue_()

    page.route(PARTIAL, answer)


@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (390, "dark")])
def test_the_comment_and_the_bias_report_keep_their_text(live_server, newsroom, new_page,
                                                         width, scheme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    article = newsroom["lead"]
    page = new_page(width=width, color_scheme=scheme)
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    _posts_answered_with_the_503_page(page)

    textarea = block.get_by_label("Your comment")
    textarea.fill("Kept while the database is away.")
    block.get_by_role("button", name="Post comment").click()
    holder = page.locator("[data-comments-src]")
    expect(holder.locator(".notice-error")).to_have_text(
        "Your comment could not be sent. Please try again in a minute; "
        "your text is still here.")
    assert textarea.input_value() == "Kept while the database is away."
    expect(block.get_by_role("button", name="Post comment")).to_be_enabled()
    expect(page.get_by_text("We are back in a moment")).to_have_count(0)
    holder.screenshot(path=str(SHOTS / f"comment-{width}-{scheme}.png"))

    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("radio", name=re.compile("^Missing context")).check()
    dialog.get_by_label("Details", exact=True).fill("Kept as well.")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.locator(".notice-error")).to_have_text(
        "Your report could not be sent. Please try again in a minute; "
        "your text is still here.")
    assert dialog.get_by_label("Details", exact=True).input_value() == "Kept as well."
    expect(dialog.get_by_role("radio", name=re.compile("^Missing context"))).to_be_checked()
    expect(dialog.get_by_text("We are back in a moment")).to_have_count(0)
    page.screenshot(path=str(SHOTS / f"bias-report-{width}-{scheme}.png"))
    assert Comment.objects.count() == 0 and BiasReport.objects.count() == 0


def test_another_page_of_comments_that_cannot_load_leaves_the_block_as_it_was(
        live_server, newsroom, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    article = newsroom["lead"]
    _many_comments(article)  # 21: newest first, 20 a page
    page = new_page()
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    url = page.url
    block = _wait_for_block(page)
    away = render_to_string("503.html", {"sent": False})
    page.route(re.compile(r"[?&]page=2"), lambda route: route.fulfill(
        status=503, content_type="text/html; charset=utf-8", body=away,
        headers={"Retry-After": "30"}))
    block.get_by_label("Your comment").fill("Half written while the database is away.")

    block.get_by_role("link", name="Older comments").click()
    holder = page.locator("[data-comments-src]")
    for width, scheme in each_look(page, looks=LOOKS):
        # Scrolled as at this width: to the link clicked, then to the notice (comments.js).
        page.evaluate("window.scrollTo(0, 0)")
        block.get_by_role("link", name="Older comments").scroll_into_view_if_needed()
        holder.locator(".notice-error").evaluate("el => el.scrollIntoView({block: 'nearest'})")
        expect(holder.locator(".notice-error")).to_have_text(
            "Those comments could not be loaded. Please try again in a minute.")
        expect(block.locator(".pagination-current")).to_have_text("Page 1 of 2")
        expect(block.locator(".comment")).to_have_count(20)
        expect(page.get_by_text("We are back in a moment")).to_have_count(0)
        assert block.get_by_label("Your comment").input_value() == (
            "Half written while the database is away.")
        assert page.url == url
        holder.locator(".notice-error").screenshot(
            path=str(SHOTS / f"comment-pages-{width}-{scheme}.png"))
        page.screenshot(path=str(SHOTS / f"comment-pages-page-{width}-{scheme}.png"))


def test_the_503_page(live_server, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    away = render_to_string("503.html", {"sent": False})
    page.route(re.compile(r"/away/$"), lambda route: route.fulfill(
        status=503, content_type="text/html; charset=utf-8", body=away))
    page.goto(live_server.url + "/away/")
    for width, scheme in each_look(page, looks=LOOKS):
        expect(page.get_by_role("heading", name="We are back in a moment")).to_be_visible()
        expect(page.get_by_text("Please try again in a minute.")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"page-{width}-{scheme}.png"), full_page=True)
