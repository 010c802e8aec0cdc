"""What people see of the security fixes (issue 12), in a real Chromium.

Screenshots go to screenshots/issue-12/ (git-ignored), at 1280 px and 390 px,
light and dark, to be looked at by a person.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from comments.models import Comment
from standards.models import BiasReport
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_participation import PASSWORD, sign_in
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-12"
VIEWS = [(1280, "light"), (390, "dark"), (1280, "dark"), (390, "light")]
ZALGO = "a" + "\u0301\u0300\u0302\u0303\u0308\u030a" * 10
ARABIC = "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0645\u064a\u0646\u0627\u0621"


shoot = shooter(SHOTS)


def test_comment_text_that_hides_or_overflows_is_refused_and_bidi_stays_inside(
        live_server, newsroom, new_page):
    article = newsroom["lead"]
    CommentFactory(article=article, body="The ferry times were better last winter.",
                   reader=UserFactory(username="earlier"))
    reader = UserFactory(username="ana")
    url = f"{live_server.url}/articles/{article.slug}/comments/"
    page = new_page(javascript=False)
    sign_in(page, live_server, reader, next_url=f"/articles/{article.slug}/comments/")

    # Nothing visible: refused as empty, with the reason.
    page.goto(url)
    page.get_by_label("Your comment").fill("\u200b" * 50)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-errors")).to_contain_text("the comment is empty")

    # Stacked accents: refused, and what was typed is kept.
    page.get_by_label("Your comment").fill(ZALGO)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-errors")).to_contain_text("Too many accents or marks")
    assert page.get_by_label("Your comment").input_value() == ZALGO
    for width, scheme in each_look(page, looks=VIEWS[:2]):
        shoot(page, "comment-refused", width, scheme)

    # An unclosed right-to-left override is taken out; the comment reads in its own direction.
    page.goto(url)
    page.get_by_label("Your comment").fill(f"{ARABIC} \u202eend")
    page.get_by_role("button", name="Post comment").click()
    stored = Comment.objects.get(reader=reader)
    assert "\u202e" not in stored.body and stored.body.startswith(ARABIC)
    body = page.locator(f"#comment-{stored.pk} .comment-body")
    assert body.get_attribute("dir") == "auto"
    assert body.evaluate("e => getComputedStyle(e).direction") == "rtl"
    older = page.locator(".comment-body", has_text="ferry times")
    assert older.evaluate("e => getComputedStyle(e).direction") == "ltr"
    view = new_page()  # axe runs as a script
    view.goto(url)
    for width, scheme in each_look(view):
        assert serious(view) == [], (width, scheme)
        shoot(view, "comments-bidi", width, scheme)


def test_a_correction_cites_a_bias_report_by_reference(live_server, newsroom, roles,
                                                       new_page):
    article = newsroom["lead"]
    report = BiasReportFactory(article=article, reason="factual_error",
                               status=BiasReport.Status.UPHELD)
    editor = UserFactory(username="jeditor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jeditor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    add = f"{live_server.url}/admin/standards/correction/add/?article={article.pk}"

    page.goto(add)
    page.fill("#id_bias_report", "BR-999999")
    page.fill("#id_text", "The crossing takes 33 minutes, not 30.")
    page.click("input[name=_save]")
    assert "BR-999999" in page.locator(".errorlist").inner_text() or \
        page.locator(".errorlist").count() > 0
    assert page.input_value("#id_bias_report") == "BR-999999"
    assert page.input_value("#id_text") == "The crossing takes 33 minutes, not 30."
    for width, scheme in each_look(page, looks=VIEWS[:2]):
        shoot(page, "correction-unknown-reference", width, scheme)

    page.fill("#id_bias_report", report.reference.lower())
    page.click("input[name=_save]")
    correction = article.corrections.get(text__startswith="The crossing")
    assert correction.bias_report == report
    page.goto(f"{live_server.url}/admin/standards/correction/{correction.pk}/change/")
    assert page.input_value("#id_bias_report") == report.reference
    for width, scheme in each_look(page, looks=VIEWS[:2]):
        shoot(page, "correction-with-reference", width, scheme)
