"""Time zones QA round in a real Chromium: the hour the clocks go back in the story form, and the
desk's times (tests/test_tz_qa_round.py has the rules).

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/tz-qa/ (git-ignored).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from standards.models import BiasReport
from tests.browser.shots import each_look, first_look
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tz-qa"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
SECOND_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, after the clocks went back


@pytest.fixture
def new_york(settings, roles):
    settings.TIME_ZONE = "America/New_York"


def sign_in(page, live_server, group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def shoot(page, name, width, scheme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{name} scrolls sideways at {width} px"
    page.screenshot(path=SHOTS / f"{name}-{width}-{scheme}.png")


def test_the_story_form_in_the_hour_the_clocks_go_back(live_server, new_york, new_page):
    kept = ArticleFactory(headline="Harbour reopens after the storm", published_at=SECOND_0130)
    moved = ArticleFactory(headline="Ferry timetable for the winter",
                           published_at=SECOND_0130 - timedelta(days=2))
    page = new_page()
    sign_in(page, live_server, "Editors", "editor")

    page.goto(f"{live_server.url}/admin/articles/article/{kept.pk}/change/")
    assert page.input_value("#id_published_at_1") == "01:30:00 -05:00"
    for width, scheme in each_look(page):
        page.evaluate("window.scrollTo(0, 0)")  # as loaded, then scrolled to the field
        page.locator("#id_published_at_0").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -120)")
        shoot(page, "story-form-shows-the-offset", width, scheme)
    first_look(page)
    page.fill("#id_headline", "Harbour reopens after the storm, a day late")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".messagelist .success").count() == 1, page.locator(
        ".errornote, .errorlist").all_inner_texts()
    kept.refresh_from_db()
    assert kept.published_at == SECOND_0130

    page.goto(f"{live_server.url}/admin/articles/article/{moved.pk}/change/")
    page.fill("#id_published_at_0", "2026-11-01")
    page.fill("#id_published_at_1", "01:30:00")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    error = page.locator(".field-published_at .errorlist")
    assert page.input_value("#id_published_at_1") == "01:30:00"
    for width, scheme in each_look(page):
        assert "happens twice in America/New_York" in error.inner_text()
        page.evaluate("window.scrollTo(0, 0)")  # as loaded, then scrolled to the error
        error.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -160)")
        shoot(page, "story-form-asks-which-0130", width, scheme)


def test_the_desk_writes_times_as_the_admin_does(live_server, new_york, new_page):
    story = ArticleFactory(headline="Harbour reopens after the storm")
    CommentFactory(article=story, body="The old pier was rebuilt in 1998, not 1989.",
                   status="approved", created_at=datetime(2025, 10, 28, 15, 7, tzinfo=UTC))
    CommentFactory(article=story, body="Who pays for the new ferries?", status="pending",
                   created_at=datetime(2026, 12, 2, 14, 7, tzinfo=UTC))
    BiasReport.objects.create(article=story, reason="other", details="Only one side quoted.",
                              status=BiasReport.Status.DISMISSED,
                              resolved_at=datetime(2026, 12, 2, 20, 45, tzinfo=UTC),
                              created_at=datetime(2026, 12, 1, 13, 5, tzinfo=UTC))
    page = new_page()
    sign_in(page, live_server, "Moderators", "moderator")

    page.goto(f"{live_server.url}/admin/moderation/comments/")
    for width, scheme in each_look(page):
        text = page.locator("main, #content").first.inner_text()
        assert "posted Dec 2, 2026, 9:07 AM" in text and "Oct 28, 2025, 11:07 AM" in text
        shoot(page, "desk-comments", width, scheme)
    page.goto(f"{live_server.url}/admin/moderation/bias-reports/?state=decided")
    for width, scheme in each_look(page):
        text = page.locator("main, #content").first.inner_text()
        assert "decided Dec 2, 2026, 3:45 PM" in text and "filed Dec 1, 2026, 8:05 AM" in text
        shoot(page, "desk-bias-reports-decided", width, scheme)
