"""QA round 11: "Publish selected stories now" on a story taken down says it went back up
with its first publication time, in a real Chromium at 1280 and 390 px, light and dark.
Screenshots go to screenshots/qa11/ (git-ignored), to be looked at by a person."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from core.revisions import local_time
from tests.browser.shots import each_look, shooter
from tests.browser.test_story_admin_r6 import fits, signed_in
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")


def test_republishing_says_the_first_time_is_kept(live_server, new_page, roles):
    first = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    story = ArticleFactory(headline="Harbour authority shortens ferry crossings after a "
                                    "winter of delays", published_at=first)
    story.status = Article.Status.DRAFT  # taken down
    story.save()
    page = signed_in(new_page, live_server, "Editors")
    page.goto(f"{live_server.url}/admin/articles/article/?status=draft")

    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")

    for width, scheme in each_look(page):
        expect(page.locator(".messagelist .success")).to_have_text(
            f"Republished “{story.headline}” with its first publication time, "
            f"{local_time(first)}: it was public before, so it is not shown as a new story.")
        assert fits(page)
        shoot(page, "republished", width, scheme)
    story.refresh_from_db()
    assert story.is_published() and story.published_at == first
