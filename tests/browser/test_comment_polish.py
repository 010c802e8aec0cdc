"""Issue 17, comments, in a real Chromium at 1280 and 390 px, light and dark.

The "Comments" heading shows the count of published comments; signing in
from the block leads back to the story at its comments; the news of a post
sits with the new comment, once, not above the form for the next one; the
"Post comment" button stays where it is while the reader types. Screenshots
go to screenshots/issue-17/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser import axe
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"
SHOTS = Path(settings.BASE_DIR) / "screenshots" / "issue-17"
WIDTHS = (1280, 390)
# Each step is looked at in both schemes on the same page (emulated media).
SCHEMES = ("light", "dark")


def _shot(page, name, locator=None, folder=SHOTS, prefix="comments-"):
    """A screenshot in light and in dark: <folder>/<prefix><name>-<scheme>.png."""
    folder.mkdir(parents=True, exist_ok=True)
    target = locator or page
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        target.screenshot(path=str(folder / f"{prefix}{name}-{scheme}.png"))
    page.emulate_media(color_scheme="light")


def _serious(page, context=None):
    """axe's serious and critical findings, in light and in dark."""
    found = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        found += [f"{scheme} {line}" for line in axe.serious(page, context)]
    page.emulate_media(color_scheme="light")
    return found


def _box(locator):
    box = locator.bounding_box()
    assert box is not None
    return {key: round(value, 1) for key, value in box.items()}


def _in_viewport(page, selector):
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight; }", selector)


def _comments_on(article):
    CommentFactory(article=article, body="The new crossing times suit the early shift.")
    CommentFactory(article=article, body="Will the island service keep its Sunday boat?")
    CommentFactory(article=article, status=Comment.Status.PENDING, body="held for review")
    CommentFactory(article=article, status=Comment.Status.HIDDEN, body="hidden by a moderator")


@pytest.mark.parametrize("width", WIDTHS)
def test_count_sign_in_news_and_a_steady_button(live_server, newsroom, new_page, width):
    article = newsroom["lead"]
    _comments_on(article)
    reader = UserFactory(username="ana")
    page = new_page(width=width, color_scheme="light")
    story = live_server.url + article.get_absolute_url()
    page.goto(story)

    # The heading counts the two published comments, not the held or hidden ones.
    heading = page.locator("#comments-heading")
    expect(heading).to_have_text("Comments (2)")
    block = page.locator("[data-comments-src] [data-comments-block]")
    expect(block.locator(".comment")).to_have_count(2)
    section = page.locator("section.comments")
    section.scroll_into_view_if_needed()
    _shot(page, f"signed-out-{width}", section)

    # Signing in from the block leads back to the story at its comments.
    sign_in = block.get_by_role("link", name="Sign in to comment")
    assert sign_in.get_attribute("href") == (
        f"/accounts/login/?next=/articles/{article.slug}/%23comments")
    assert block.get_by_role("link", name="create a free account").get_attribute("href") == (
        f"/accounts/signup/?next=/articles/{article.slug}/%23comments")
    sign_in.click()
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{story}#comments"
    textarea = block.get_by_label("Your comment")
    expect(textarea).to_be_visible()
    expect(heading).to_have_text("Comments (2)")
    assert _in_viewport(page, "#comments-heading"), "not scrolled to the comments"

    # The button and the field keep their place from the first key to past the limit.
    button = block.get_by_role("button", name="Post comment")
    counter = block.locator(".counter")
    comments = block.locator(".comment-list")
    still = (_box(button), _box(textarea))
    below = _box(comments)
    _shot(page, f"form-empty-{width}", section)
    for text, shown in [("T", "1/250"), ("Ten chars!", "10/250"), ("x" * 100, "100/250"),
                        ("x" * 250, "250/250")]:
        textarea.fill(text)
        expect(counter).to_have_text(shown)
        assert (_box(button), _box(textarea)) == still, f"the form moved at {shown}"
        assert _box(comments) == below, f"the comments moved at {shown}"
    # Past the limit the reason appears, under the button: the button stays.
    textarea.fill("x" * 251)
    expect(counter).to_have_text("251/250")
    expect(block.locator(".counter-error")).to_be_visible()
    assert (_box(button), _box(textarea)) == still, "the form moved past the limit"
    _shot(page, f"form-over-limit-{width}", section)

    # Posted: the news sits with the new comment, and the count follows.
    textarea.fill("Earlier boats will help the market traders most.")
    button.click()
    comment = block.locator(".comment-with-outcome")
    expect(comment).to_contain_text("Earlier boats will help the market traders most.")
    outcome = comment.locator(".comment-outcome")
    expect(outcome).to_have_text("Your comment is published.")
    expect(outcome).to_be_focused()
    expect(heading).to_have_text("Comments (3)")
    expect(block.locator(".notice, .notices")).to_have_count(0)
    assert block.locator("form.comment-form").evaluate(
        "(form, news) => !!(form.compareDocumentPosition(news) & Node.DOCUMENT_POSITION_FOLLOWING)",
        outcome.element_handle())
    _shot(page, f"posted-{width}", section)
    # The comments section: the story body above it has scans of its own.
    assert _serious(page, "section.comments") == []

    # The next comment: typing moves nothing, and the form is where it was.
    textarea = block.get_by_label("Your comment")
    button = block.get_by_role("button", name="Post comment")
    before = (_box(button), _box(textarea))
    assert before == still
    textarea.press_sequentially("And a")
    expect(block.locator(".counter")).to_have_text("5/250")
    assert (_box(button), _box(textarea)) == before
    _shot(page, f"next-comment-{width}", section)


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_news_shows_once_with_the_comment(live_server, newsroom, new_page,
                                                                 width):
    article = newsroom["lead"]
    _comments_on(article)
    reader = UserFactory(username="ana")
    page = new_page(width=width, color_scheme="light", javascript=False)
    comments_url = f"{live_server.url}/articles/{article.slug}/comments/"
    page.goto(comments_url)
    expect(page.locator("h1")).to_have_text(f"Comments on \u201c{article.headline}\u201d (2)")
    _shot(page, f"nojs-page-{width}", page.locator(".page-header"))

    # Signing in from this page (the story's no-script path) comes back to it.
    sign_in = page.get_by_role("link", name="Sign in to comment")
    assert sign_in.get_attribute("href") == (
        f"/accounts/login/?next=/articles/{article.slug}/comments/%23comments")
    sign_in.click()
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{comments_url}#comments"

    page.get_by_label("Your comment").fill("Posted without a script.")
    with page.expect_navigation():
        page.get_by_role("button", name="Post comment").click()
    comment = Comment.objects.get(body="Posted without a script.")
    assert page.url == f"{comments_url}#comment-{comment.pk}"
    item = page.locator(f"#comment-{comment.pk}")
    expect(item.locator(".comment-outcome")).to_have_text("Your comment is published.")
    expect(page.locator(".comment-outcome")).to_have_count(1)
    expect(page.locator(".notice, .notices")).to_have_count(0)
    expect(page.locator("h1")).to_have_text(f"Comments on \u201c{article.headline}\u201d (3)")
    _shot(page, f"nojs-posted-{width}")

    # Once: the page again has the comment, without the news.
    page.reload()
    expect(page.locator(f"#comment-{comment.pk} .comment-body")).to_have_text(
        "Posted without a script.")
    expect(page.locator(".comment-outcome")).to_have_count(0)

    # axe needs a script: the same page, where the script only adds the
    # counter (this page's form posts as a plain form).
    scanned = new_page(width=width, color_scheme="light")
    scanned.goto(f"{live_server.url}/accounts/login/?next=/articles/{article.slug}/comments/")
    scanned.get_by_label("Username").fill(UserFactory(username="bo").username)
    scanned.get_by_label("Password").fill(PASSWORD)
    with scanned.expect_navigation():
        scanned.get_by_role("button", name="Sign in").click()
    scanned.get_by_label("Your comment").fill("And once more, with a script.")
    with scanned.expect_navigation():
        scanned.get_by_role("button", name="Post comment").click()
    expect(scanned.locator(".comment-with-outcome .comment-outcome")).to_have_text(
        "Your comment is published.")
    assert _serious(scanned) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_held_comment_is_acknowledged_under_the_form(live_server, newsroom, new_page, width):
    article = newsroom["lead"]
    reader = UserFactory(username="ana")
    page = new_page(width=width, color_scheme="light")
    page.goto(f"{live_server.url}/accounts/login/?next={article.get_absolute_url()}%23comments")
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    block = page.locator("[data-comments-src] [data-comments-block]")
    textarea = block.get_by_label("Your comment")
    button = block.get_by_role("button", name="Post comment")
    still = _box(button)
    textarea.fill("The timetable is at https://example.org/ferries")
    button.click()
    outcome = block.locator(".comment-outcome")
    expect(outcome).to_have_text(
        "Thank you. Your comment will appear once a moderator has reviewed it.")
    expect(outcome).to_be_focused()
    expect(page.locator("#comments-heading")).to_have_text("Comments (0)")
    # The form did not move down for the news, and the next comment starts clean.
    assert _box(block.get_by_role("button", name="Post comment")) == still
    assert block.get_by_label("Your comment").input_value() == ""
    section = page.locator("section.comments")
    _shot(page, f"held-{width}", section)
    assert _serious(page, "section.comments") == []
