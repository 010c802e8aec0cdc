"""The comments block when the session changes in another tab, in a real Chromium.

Signed out elsewhere, "Post comment" answers with the signed-out block: the
text stays on screen to copy and comes back in the box after signing in. Signed
out and in again elsewhere, the form's CSRF token is out of date: the script
says to reload (never "try again"), keeps the text through the reload, and a
report says so in words of its own; without a script, the site's own 403 page
explains. Screenshots at 1280 and 390 px, light and dark, go to
screenshots/comment-block-session/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from comments.models import Comment, CommentReport
from tests.browser.test_comment_polish import _serious
from tests.browser.test_comment_polish import _shot as polish_shot
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"
SHOTS = Path(settings.BASE_DIR) / "screenshots" / "comment-block-session"
WIDTHS = (1280, 390)
TYPED = "The early boat is what the market traders asked for.\nKeep it, please."
OUTDATED = ("Your comment was not sent: you signed out or in again in another tab or window, "
            "so this page is out of date. Reload the page to post it; your text is kept and "
            "will be back in the box.")


def _shot(page, name, locator=None):
    """A screenshot in light and in dark: <name>-<scheme>.png."""
    polish_shot(page, name, locator, folder=SHOTS, prefix="")


def _sign_in(page, live_server, user, next_url="/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    _fill_sign_in(page, user)


def _fill_sign_in(page, user):
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/accounts/login/" not in page.url, "signing in failed"


def _sign_out_elsewhere(page, live_server, then_sign_in=None):
    """Sign out in another tab of the same browser (and, if asked, in again)."""
    other = page.context.new_page()
    other.goto(live_server.url + "/")
    with other.expect_navigation():
        other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    if then_sign_in:
        _sign_in(other, live_server, then_sign_in)
    other.close()


def _block(page):
    block = page.locator("[data-comments-src] [data-comments-block]")
    expect(block).to_be_visible()
    return block


def _others_comment(article):
    return CommentFactory(article=article, reader=UserFactory(username="bo"),
                          body="Will the island service keep its Sunday boat?")


@pytest.mark.parametrize("width", WIDTHS)
def test_signed_out_elsewhere_the_text_stays_and_comes_back(live_server, newsroom, new_page,
                                                            width):
    article = newsroom["lead"]
    _others_comment(article)
    reader = UserFactory(username="ana")
    page = new_page(width=width)
    story = live_server.url + article.get_absolute_url()
    _sign_in(page, live_server, reader, next_url=article.get_absolute_url())
    block = _block(page)
    block.get_by_label("Your comment").fill(TYPED)

    _sign_out_elsewhere(page, live_server)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        block.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 403
    # The signed-out block, and in it the text, to select and copy.
    copy = block.get_by_label("Your comment, not posted: copy it to keep it")
    expect(copy).to_have_value(TYPED)
    expect(copy).not_to_be_editable()
    expect(block.locator(".notice")).to_have_text(
        "You are signed out, so your comment was not posted. Sign in to post it; "
        "your text is below.")
    expect(block.get_by_label("Your comment", exact=True)).to_have_count(0)
    assert not Comment.objects.filter(reader=reader).exists()
    section = page.locator("section.comments")
    section.scroll_into_view_if_needed()
    _shot(page, f"signed-out-text-kept-{width}", section)
    assert _serious(page, "section.comments") == []

    # Signing in from the block leads back to the story, the text in the box.
    block.get_by_role("link", name="Sign in to comment").click()
    _fill_sign_in(page, reader)
    assert page.url == f"{story}#comments"
    block = _block(page)
    textarea = block.get_by_label("Your comment", exact=True)
    expect(textarea).to_have_value(TYPED)
    expect(block.locator(".counter")).to_have_text(f"{len(TYPED)}/250")
    expect(block.locator(".notice")).to_have_text(
        "Your comment was not posted earlier. Its text is back in the box: "
        "post it when you are ready.")
    _shot(page, f"signed-in-text-back-{width}", section)

    block.get_by_role("button", name="Post comment").click()
    expect(block.locator(".comment-with-outcome .comment-outcome")).to_have_text(
        "Your comment is published.")
    assert Comment.objects.get(reader=reader).body == TYPED
    # Posted, it is kept no more: the next visit has an empty box.
    page.reload()
    expect(_block(page).get_by_label("Your comment", exact=True)).to_have_value("")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_out_of_date_token_asks_for_a_reload_and_keeps_the_text(live_server, newsroom,
                                                                   new_page, width):
    article = newsroom["lead"]
    theirs = _others_comment(article)
    reader = UserFactory(username="ana")
    page = new_page(width=width)
    _sign_in(page, live_server, reader, next_url=article.get_absolute_url())
    block = _block(page)
    textarea = block.get_by_label("Your comment", exact=True)
    textarea.fill(TYPED)

    # Signed out and in again elsewhere: a new CSRF token, this page's is old.
    _sign_out_elsewhere(page, live_server, then_sign_in=reader)
    error = page.locator("[data-comments-src] > .notice-error")
    for attempt in range(2):  # a second try gets the same advice, not a new failure
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            block.get_by_role("button", name="Post comment").click()
        assert posted.value.status == 403
        expect(error).to_have_text(f"{OUTDATED} Reload the page")
        expect(textarea).to_have_value(TYPED)
        expect(block.get_by_role("button", name="Post comment")).to_be_enabled()
    assert not Comment.objects.filter(reader=reader).exists()
    section = page.locator("section.comments")
    _shot(page, f"out-of-date-comment-{width}", section)

    # A report says so in words of its own, in its own form.
    item = block.locator(f"#comment-{theirs.pk}")
    item.locator("summary").click()
    item.get_by_role("radio", name="Spam").check()
    report = item.locator("form[data-report-form]")
    report.get_by_role("button", name="Send report").click()
    expect(report.locator(".notice-error")).to_have_text(
        "Your report was not sent: you signed out or in again in another tab or window, so "
        "this page is out of date. Reload the page and report the comment again. "
        "Reload the page")
    expect(error).to_have_text(f"{OUTDATED} Reload the page")
    assert not CommentReport.objects.exists()
    _shot(page, f"out-of-date-report-{width}", item)

    # Reloaded, the page has a good token and the text is back in the box.
    with page.expect_navigation():
        error.get_by_role("button", name="Reload the page").click()
    block = _block(page)
    textarea = block.get_by_label("Your comment", exact=True)
    expect(textarea).to_have_value(TYPED)
    _shot(page, f"out-of-date-reloaded-{width}", page.locator("section.comments"))
    block.get_by_role("button", name="Post comment").click()
    expect(block.locator(".comment-with-outcome .comment-outcome")).to_have_text(
        "Your comment is published.")
    assert Comment.objects.get(reader=reader).body == TYPED


def test_a_report_that_could_not_be_sent_is_no_comment(live_server, newsroom, new_page):
    article = newsroom["lead"]
    theirs = _others_comment(article)
    page = new_page()
    _sign_in(page, live_server, UserFactory(username="ana"), next_url=article.get_absolute_url())
    block = _block(page)
    block.get_by_label("Your comment", exact=True).fill(TYPED)
    page.route("**/report/**", lambda route: route.abort())
    item = block.locator(f"#comment-{theirs.pk}")
    item.locator("summary").click()
    item.get_by_role("radio", name="Spam").check()
    item.get_by_role("button", name="Send report").click()
    expect(item.locator(".notice-error")).to_have_text(
        "Your report could not be sent. Please try again in a minute.")
    expect(page.get_by_text("Your comment could not be sent")).to_have_count(0)
    expect(block.get_by_label("Your comment", exact=True)).to_have_value(TYPED)


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript(live_server, newsroom, new_page, width):
    article = newsroom["lead"]
    reader = UserFactory(username="ana")
    page = new_page(width=width, javascript=False)
    comments = f"/articles/{article.slug}/comments/"
    _sign_in(page, live_server, reader, next_url=comments)

    # Signed out elsewhere: the comments page, the text on it to copy.
    page.get_by_label("Your comment").fill(TYPED)
    _sign_out_elsewhere(page, live_server)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 403
    page.wait_for_load_state()
    expect(page.get_by_label("Your comment, not posted: copy it to keep it")).to_have_value(TYPED)
    _shot(page, f"nojs-signed-out-text-kept-{width}", page.locator("#comments"))

    # Signed out and in again elsewhere: the site's page says what to do.
    page.get_by_role("link", name="Sign in to comment").click()
    _fill_sign_in(page, reader)
    page.get_by_label("Your comment").fill(TYPED)
    _sign_out_elsewhere(page, live_server, then_sign_in=reader)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 403
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Your form was not sent")
    expect(page.locator(".error-page")).to_contain_text("reload that page")
    expect(page.locator(".site-header")).to_contain_text("Signed in as ana")
    expect(page.get_by_text(TYPED)).to_have_count(0)
    assert not Comment.objects.exists()
    _shot(page, f"nojs-out-of-date-{width}")


def test_the_out_of_date_page_passes_axe(live_server, newsroom, new_page):
    article = newsroom["lead"]
    page = new_page()
    page.goto(f"{live_server.url}/articles/{article.slug}/comments/")
    # No CSRF cookie at all: as after the browser's cookies were cleared.
    page.context.clear_cookies()
    page.evaluate("() => { const f = document.createElement('form'); f.method = 'post';"
                  " document.body.append(f); f.submit(); }")
    expect(page.locator("h1")).to_have_text("Your form was not sent")
    expect(page.get_by_role("link", name="Sign in again")).to_be_visible()
    assert _serious(page) == []
