"""Where the focus goes after an error, and what is read out there, in a real Chromium.

The Report Bias dialog after a refusal and after an over-long text, the comment
box once the reader edits a refused comment, and the comments block after
another page of comments or a refusal that asks for a reload: the focus never
drops to the page's <body>, and a checked reason never takes it.
"""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from standards.models import BiasReport
from tests.browser.test_comment_block_session import OUTDATED, _sign_out_elsewhere
from tests.browser.test_participation import _open_article, _wait_for_block, sign_in
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page):
    """A short description of the focused element, for failure messages."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el ? `${el.tagName.toLowerCase()}#${el.id}.${el.className}` : null; }")


def _open_dialog(page, live_server, article):
    _open_article(page, live_server, article)
    _wait_for_block(page)
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("form[data-bias-form]")).to_be_visible()
    return dialog


def test_a_refused_report_focuses_the_invalid_field_not_the_first_reason(
        live_server, newsroom, new_page, roles):
    page = new_page()
    dialog = _open_dialog(page, live_server, newsroom["lead"])
    factual = dialog.get_by_role("radio", name=re.compile("^Factual error"))
    factual.check()
    dialog.get_by_label("Details", exact=True).fill("The crossing took 45 minutes, not 33.")
    dialog.get_by_label("Evidence link (optional)").fill("htp:/bad url")
    dialog.get_by_role("button", name="Send report").click()

    evidence = dialog.get_by_label("Evidence link (optional)")
    expect(evidence).to_have_attribute("aria-invalid", "true")
    expect(evidence).to_be_focused()
    expect(evidence).to_have_accessible_description(
        re.compile("Enter the link’s whole address, such as https://www.example.org/story"))
    # The reason is still the one chosen, and the reader's text is kept.
    expect(factual).to_be_checked()
    expect(dialog.get_by_label("Details", exact=True)).to_have_value(
        "The crossing took 45 minutes, not 33.")
    assert BiasReport.objects.count() == 0


def test_an_over_long_report_focuses_the_text_and_says_why(live_server, newsroom, new_page,
                                                            roles):
    page = new_page()
    dialog = _open_dialog(page, live_server, newsroom["lead"])
    dialog.get_by_role("radio", name=re.compile("^Other")).check()
    details = dialog.get_by_label("Details", exact=True)
    details.fill("x" * 1005)
    expect(dialog.locator("[data-counter-for=id_details]")).to_have_text("1005/1000")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    send = dialog.get_by_role("button", name="Send report")
    send.focus()
    page.keyboard.press("Enter")
    expect(details).to_be_focused()
    expect(details).to_have_accessible_description(
        re.compile("Details can be at most 1000 characters; this one has 1005."))
    assert posts == [] and BiasReport.objects.count() == 0


def test_editing_a_refused_comment_puts_the_old_reason_away(live_server, newsroom, new_page,
                                                           roles):
    article = newsroom["lead"]
    page = new_page()
    sign_in(page, live_server, UserFactory(username="ana"), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    block.get_by_role("button", name="Post comment").click()

    errors = block.locator("#comment-errors")
    expect(errors).to_have_text("Write something before posting: the comment is empty.")
    textarea = block.get_by_label("Your comment")
    expect(textarea).to_be_focused()
    expect(textarea).to_have_accessible_description(re.compile("the comment is empty"))

    page.keyboard.type("T")
    expect(errors).to_be_hidden()
    assert "comment-errors" not in textarea.get_attribute("aria-describedby").split()
    expect(textarea).not_to_have_accessible_description(re.compile("the comment is empty"))
    expect(textarea).not_to_have_attribute("aria-invalid", "true")
    # The counter and the rules are still read out with the box.
    expect(textarea).to_have_accessible_description(re.compile(r"1/250.*Be civil"))
    assert Comment.objects.count() == 0


def test_another_page_of_comments_takes_the_focus_from_the_keyboard(live_server, newsroom,
                                                                    new_page, roles):
    article = newsroom["lead"]
    reader = UserFactory(username="bo")
    for number in range(45):  # three pages of 20
        CommentFactory(article=article, reader=reader, body=f"Comment {number}")
    page = new_page()
    _open_article(page, live_server, article)
    block = _wait_for_block(page)

    older = block.get_by_role("link", name="Older comments")
    older.focus()
    page.keyboard.press("Enter")
    expect(block.locator(".pagination-current")).to_have_text("Page 2 of 3")
    listing = block.locator(".comment-list")
    expect(listing).to_be_focused()
    expect(listing).to_have_accessible_name("Page 2 of 3")
    # Tab goes on from there, in the new page of comments.
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "() => document.querySelector('[data-comments-block]').contains(document.activeElement)")
    assert inside, _focused(page)

    block.get_by_role("link", name="Older comments").focus()
    page.keyboard.press("Enter")
    expect(block.locator(".pagination-current")).to_have_text("Page 3 of 3")
    expect(listing).to_be_focused()


def test_a_refusal_that_asks_for_a_reload_takes_the_focus(live_server, newsroom, new_page,
                                                          roles):
    article = newsroom["lead"]
    reader = UserFactory(username="ana")
    page = new_page()
    sign_in(page, live_server, reader, next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    block.get_by_label("Your comment").fill("The early boat suits the market.")

    _sign_out_elsewhere(page, live_server, then_sign_in=reader)
    block.get_by_role("button", name="Post comment").focus()
    page.keyboard.press("Enter")
    error = page.locator("[data-comments-src] > .notice-error")
    expect(error).to_have_text(f"{OUTDATED} Reload the page")
    expect(error).to_be_focused()
    page.keyboard.press("Tab")
    expect(error.get_by_role("button", name="Reload the page")).to_be_focused()


def test_signed_out_elsewhere_the_refusal_takes_the_focus(live_server, newsroom, new_page,
                                                          roles):
    article = newsroom["lead"]
    page = new_page()
    sign_in(page, live_server, UserFactory(username="ana"), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    block.get_by_label("Your comment").fill("The early boat suits the market.")

    _sign_out_elsewhere(page, live_server)
    block.get_by_role("button", name="Post comment").click()
    notice = block.get_by_role("alert")
    expect(notice).to_have_text(re.compile("^You are signed out, so your comment was not posted"))
    expect(notice).to_be_focused()
