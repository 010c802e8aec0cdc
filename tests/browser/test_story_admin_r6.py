"""A moderator's read-only revision and the capped refusals of "Publish selected stories
now", in a real Chromium at 1280 and 390 px, light and dark. Screenshots go to
screenshots/fstory/ (git-ignored), to be looked at by a person."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser import session
from tests.browser.shots import each_look, shooter
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "fstory"


shoot = shooter(SHOTS)


def signed_in(new_page, live_server, group):
    user = UserFactory(username=group.lower(), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    page = new_page()
    session.sign_in(page.context, live_server.url, user)
    return page


def fits(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_moderator_reads_a_revision(live_server, new_page, newsroom, roles):
    story = newsroom["lead"]
    first = story.history.order_by("history_date", "history_id").first()
    story.headline = "Harbour authority shortens ferry crossings from next month"
    story.save()
    page = signed_in(new_page, live_server, "Moderators")

    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/history/{first.pk}/")

    form = page.locator("#content-main form")
    for width, scheme in each_look(page):
        assert form.locator("textarea, select, input:not([type=hidden]), button").count() == 0
        assert form.locator(".readonly").count() > 10
        assert "Harbour authority shortens ferry crossings after" in form.inner_text()
        assert fits(page), (width, scheme)
        # The body's long word and address break rather than run out of sight.
        assert form.locator(".field-body .readonly").evaluate(
            "body => body.scrollWidth <= body.clientWidth"), (width, scheme)
        # The breadcrumbs lead to the story list, not to "Historical articles" (QA round 7).
        crumbs = page.locator(".breadcrumbs")
        assert "Historical" not in crumbs.inner_text()
        assert crumbs.get_by_role("link", name="Articles", exact=True).last.get_attribute(
            "href") == "/admin/articles/article/"
        shoot(page, "revision-read-only", width, scheme)


def test_refusals_are_named_five_and_counted(live_server, new_page, roles):
    persona = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    for number in range(12):
        ArticleFactory(draft=True, author=persona, ai_involvement="generated",
                       headline=f"Shipping round-up, week {number + 1}: the AI desk's draft "
                                "of the northern routes")
    page = signed_in(new_page, live_server, "Editors")
    page.goto(f"{live_server.url}/admin/articles/article/?status=draft")

    for box in page.locator("input.action-select").all():
        box.check()
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")

    errors = page.locator(".messagelist .error")
    for width, scheme in each_look(page):
        expect(errors).to_have_count(6)
        expect(errors.nth(5)).to_have_text("Not published either: 7 more stories that need "
                                           "changes first.")
        assert fits(page), (width, scheme)
        shoot(page, "publish-refusals", width, scheme)
