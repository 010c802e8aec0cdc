"""QA round on comments, in a real Chromium at 390 px.

A 404 says the story or comment is gone (never "try again"), the text kept;
"Older comments" after a comment was hidden shows the last page; the bias
dialog's out-of-date form offers a reload that keeps what was typed, and its
button sends one report however often it is clicked; the counters are no
live regions: only reaching or passing the limit is announced. Screenshots,
light and dark, go to screenshots/comments-qa/.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment, CommentReport
from standards.models import BiasReport
from tests.browser.shots import each_look
from tests.browser.test_comment_polish import _shot as polish_shot
from tests.browser.test_participation import _reader, _wait_for_block, sign_in
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots" / "comments-qa"
WIDTH = 390
TYPED = "The early boat is what the market traders asked for."


def _shot(page, name, locator=None):
    polish_shot(page, name, locator, folder=SHOTS, prefix="")


def _posts(page):
    posts = []
    page.on("request", lambda request: posts.append(request.url)
            if request.method == "POST" else None)
    return posts


def test_a_story_withdrawn_while_writing_says_so_and_keeps_the_text(live_server, newsroom,
                                                                     new_page):
    article = newsroom["lead"]
    page = new_page(width=WIDTH)
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    textarea = block.get_by_label("Your comment", exact=True)
    textarea.fill(TYPED)

    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        block.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 404
    error = page.locator("[data-comments-src] > .notice-error")
    expect(error).to_have_text(
        "Your comment was not posted: this story is no longer available for comments. "
        "Your text is still here to copy.")
    expect(error).to_be_focused()
    expect(textarea).to_have_value(TYPED)
    assert not Comment.objects.exists()
    _shot(page, "story-withdrawn", page.locator("section.comments"))


def test_a_comment_hidden_before_it_is_reported_says_so(live_server, newsroom, new_page):
    article = newsroom["lead"]
    theirs = CommentFactory(article=article, reader=UserFactory(username="bo"),
                            body="Will the island service keep its Sunday boat?")
    page = new_page(width=WIDTH)
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    report = block.locator(f"#comment-{theirs.pk} .comment-report")
    report.locator("summary").click()
    report.get_by_label("Spam").check()

    Comment.objects.filter(pk=theirs.pk).update(status=Comment.Status.HIDDEN)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        report.get_by_role("button", name="Send report").click()
    assert posted.value.status == 404
    error = report.locator(".notice-error")
    expect(error).to_have_text("Nothing was reported: this comment is no longer available. "
                               "It may have been removed already.")
    assert not CommentReport.objects.exists()
    _shot(page, "comment-hidden-before-report", report)


def test_older_comments_after_a_comment_was_hidden_shows_the_last_page(live_server, newsroom,
                                                                        new_page):
    article = newsroom["lead"]
    for number in range(21):
        CommentFactory(article=article, body=f"Comment number {number}")
    page = new_page(width=WIDTH)
    page.goto(live_server.url + article.get_absolute_url())
    block = _wait_for_block(page)
    expect(block.locator(".pagination-current")).to_have_text("Page 1 of 2")

    Comment.objects.filter(body="Comment number 0").update(status=Comment.Status.HIDDEN)
    block.get_by_role("link", name="Older comments").click()
    expect(block.locator(".comment")).to_have_count(20)
    expect(block.locator(".comment").last).to_contain_text("Comment number 1")
    expect(page.locator("[data-comments-src] > .notice-error")).to_have_count(0)
    _shot(page, "older-comments-after-a-hide", page.locator("section.comments"))


def _open_bias_dialog(page):
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("form[data-bias-form]")).to_be_visible()
    return dialog


def test_bias_dialog_out_of_date_reloads_the_form_keeping_the_text(live_server, newsroom,
                                                                   new_page):
    article = newsroom["lead"]
    page = new_page(width=WIDTH)
    page.goto(live_server.url + article.get_absolute_url())
    dialog = _open_bias_dialog(page)
    dialog.get_by_role("radio", name=re.compile("^Missing context")).check()
    dialog.get_by_label("Details", exact=True).fill("Line one\nline two")
    # The session's token changed since the form was shown (signed in elsewhere).
    dialog.locator("input[name=csrfmiddlewaretoken]").evaluate("el => { el.value = 'x'.repeat(64); }")
    posts = _posts(page)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        dialog.get_by_role("button", name="Send report").click()
    assert posted.value.status == 403
    error = dialog.locator(".notice-error")
    expect(error).to_have_text(
        "Your report was not sent: you signed out or in again in another tab or window, so "
        "this form is out of date. Reload the form to send it; your text is kept. "
        "Reload the form")
    expect(error).to_be_focused()
    expect(dialog.get_by_role("button", name="Send report")).to_be_enabled()
    assert BiasReport.objects.count() == 0
    _shot(page, "bias-dialog-out-of-date", dialog)

    error.get_by_role("button", name="Reload the form").click()
    expect(dialog.locator(".notice-error")).to_have_count(0)
    expect(dialog.get_by_label("Details", exact=True)).to_have_value("Line one\nline two")
    expect(dialog.get_by_role("radio", name=re.compile("^Missing context"))).to_be_checked()
    expect(dialog.locator("[data-counter-for=id_details]")).to_have_text("17/1000")

    # Clicked twice, it is sent once: the button waits for the answer.
    posts.clear()
    dialog.get_by_role("button", name="Send report").dblclick()
    expect(dialog.locator(".reference strong")).to_have_text(re.compile(r"^BR-\d{6}$"))
    assert len(posts) == 1, posts
    assert BiasReport.objects.get().details == "Line one\nline two"


def test_bias_dialog_button_is_disabled_while_sending(live_server, newsroom, new_page):
    article = newsroom["lead"]
    page = new_page(width=WIDTH)
    page.goto(live_server.url + article.get_absolute_url())
    dialog = _open_bias_dialog(page)
    dialog.get_by_role("radio", name=re.compile("^Missing context")).check()
    button = dialog.get_by_role("button", name="Send report")
    # Right after the click, before any answer can have come.
    assert button.evaluate("b => { b.click(); return b.disabled; }") is True
    expect(dialog.locator(".reference strong")).to_have_text(re.compile(r"^BR-\d{6}$"))


def test_counters_announce_the_limit_only(live_server, newsroom, new_page):
    article = newsroom["lead"]
    page = new_page(width=WIDTH)
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    block = _wait_for_block(page)
    counter = block.locator("#comment-counter")
    assert counter.get_attribute("aria-live") is None
    live = block.locator(".comment-form [aria-live]")
    expect(live).to_have_count(1)
    textarea = block.get_by_label("Your comment", exact=True)

    textarea.press_sequentially("Twelve chars")
    expect(counter).to_have_text("12/250")
    page.wait_for_timeout(900)
    expect(live).to_have_text("")  # typing is not read out

    textarea.fill("a" * 250)
    expect(live).to_have_text("250/250: the limit is reached.")
    textarea.press("End")
    textarea.press_sequentially("bc")
    expect(live).to_have_text("Comments can be at most 250 characters; this one has 252.")
    # The message read with the box says the same; the live region said it once.
    expect(textarea).to_have_accessible_description(
        re.compile("Comments can be at most 250 characters; this one has 252"))
    _shot(page, "counter-over-the-limit", block.locator(".comment-form"))
    textarea.press("Backspace")
    textarea.press("Backspace")
    textarea.press("Backspace")
    expect(live).to_have_text("249/250: within the limit again.")

    # Line breaks: blank lines count once, as on the server; eleven lines are refused.
    textarea.fill("a" + "\n" * 6 + "b")
    expect(counter).to_have_text("4/250")
    textarea.fill("\n".join("line" for _ in range(12)))
    expect(block.locator(".counter-error")).to_have_text(
        "Comments can have at most 10 line breaks; this one has 11.")
    expect(live).to_have_text("Comments can have at most 10 line breaks; this one has 11.")
    posts = _posts(page)
    block.get_by_role("button", name="Post comment").click()
    expect(textarea).to_be_focused()
    page.wait_for_timeout(300)
    assert posts == []
    _shot(page, "counter-too-many-lines", block.locator(".comment-form"))


def test_without_the_script_a_comment_hidden_before_it_is_reported_says_so(
        live_server, newsroom, new_page):
    """QA, 2026-12-06: the reader landed on "We can't find that page"."""
    article = newsroom["lead"]
    theirs = CommentFactory(article=article, reader=UserFactory(username="bo"),
                            body="Will the island service keep its Sunday boat?")
    page = new_page(javascript=False)
    sign_in(page, live_server, _reader(), next_url=f"{article.get_absolute_url()}comments/")
    report = page.locator(f"#comment-{theirs.pk} .comment-report")
    report.locator("summary").click()
    report.get_by_label("Spam").check()
    Comment.objects.filter(pk=theirs.pk).update(status=Comment.Status.HIDDEN)
    report.get_by_role("button", name="Send report").click()
    looks = [(width, scheme) for scheme in ("light", "dark") for width in (1280, 390)]
    for width, scheme in each_look(page, looks):
        expect(page.get_by_text("Nothing was reported: this comment is no longer shown. It "
                                "may have been removed already.")).to_be_visible()
        expect(page.locator(f"#comment-{theirs.pk}")).to_have_count(0)
        page.screenshot(path=str(SHOTS / f"hidden-before-report-no-script-{width}-{scheme}.png"))
    assert not CommentReport.objects.exists()
