"""A comment or a bias report sent to a story withdrawn since the form was shown, in Chromium.

From the full page (the no-JavaScript path) the answer is the 404 page with what was typed in a
read-only box to copy; with it, the dialog keeps the form and says why.
Screenshots, 1280 and 390 px, light and dark, go to screenshots/fpost/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment
from standards.models import BiasReport
from tests.browser.test_comment_polish import _serious, _shot
from tests.browser.test_participation import _reader, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots" / "fpost"
TYPED = "The early boat is what the market traders asked for.\nAnd the late one too."
PASSAGE = "Everyone agrees the crossing was too long."
DETAILS = "The islanders who wanted the old timetable were not asked."


def withdraw(article):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_comment_from_the_full_page_comes_back_to_copy(live_server, newsroom, new_page,
                                                         width):
    article = newsroom["lead"]
    page = new_page(width=width)  # the full pages post as plain forms; axe needs a script
    sign_in(page, live_server, _reader(), next_url=f"/articles/{article.slug}/comments/")
    page.get_by_label("Your comment", exact=True).fill(TYPED)
    withdraw(article)
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Post comment").click()
    assert answer.value.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This story is no longer available")
    expect(page.get_by_role("alert")).to_contain_text("Your comment was not posted")
    copy = page.get_by_label("Your comment, not posted: copy it to keep it")
    expect(copy).to_have_value(TYPED)
    expect(copy).not_to_be_editable()
    assert not Comment.objects.exists()
    assert _serious(page) == []
    _shot(page, f"comment-story-gone-{width}", folder=SHOTS, prefix="")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_bias_report_from_the_full_page_comes_back_to_copy(live_server, newsroom, new_page,
                                                             width):
    article = newsroom["lead"]
    page = new_page(width=width)  # the full pages post as plain forms; axe needs a script
    page.goto(f"{live_server.url}/articles/{article.slug}/report-bias/")
    page.get_by_label("One-sided sourcing", exact=False).check()
    page.get_by_label("The passage (optional)").fill(PASSAGE)
    page.get_by_label("Details", exact=True).fill(DETAILS)
    withdraw(article)
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Send report").click()
    assert answer.value.status == 404
    expect(page.get_by_role("alert")).to_contain_text("Your report was not sent")
    expect(page.get_by_label("The passage you quoted")).to_have_value(PASSAGE)
    expect(page.get_by_label("Your details")).to_have_value(DETAILS)
    assert not BiasReport.objects.exists()
    assert _serious(page) == []
    _shot(page, f"report-story-gone-{width}", folder=SHOTS, prefix="")


def test_the_bias_dialog_keeps_the_report_and_says_the_story_went(live_server, newsroom,
                                                                   new_page):
    article = newsroom["lead"]
    page = new_page(width=390)
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog#bias-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("One-sided sourcing", exact=False).check()
    dialog.get_by_label("Details", exact=True).fill(DETAILS)
    withdraw(article)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        dialog.get_by_role("button", name="Send report").click()
    assert posted.value.status == 404
    expect(dialog.locator(".notice-error")).to_have_text(
        "Your report was not sent: this story is no longer available. Your text is still "
        "here to copy.")
    expect(dialog.get_by_label("Details", exact=True)).to_have_value(DETAILS)
    assert not BiasReport.objects.exists()
    _shot(page, "report-dialog-story-gone-390", dialog, folder=SHOTS, prefix="")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["/accounts/signup/", "/newsletter/"])
def test_the_forms_token_is_hidden_with_nothing_shown_for_it(live_server, newsroom, new_page,
                                                            width, path):
    page = new_page(width=width)
    page.goto(live_server.url + path)
    token = page.locator("input[name=submission_token]")
    expect(token).to_have_count(1)
    expect(token).to_be_hidden()
    expect(page.locator(".field:has(input[name=submission_token])")).to_have_count(0)
    assert _serious(page) == []
    name = path.strip("/").replace("/", "-")
    _shot(page, f"{name}-{width}", folder=SHOTS, prefix="")
