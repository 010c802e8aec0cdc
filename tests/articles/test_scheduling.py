"""Drafts and scheduled stories: previews for the newsroom, public on time, no job to run."""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.auth.models import Permission

from articles.models import Article
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, CorrectionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
AT = NOW + timedelta(hours=2)


def html(response):
    return response.content.decode()


@pytest.fixture
def draft():
    return ArticleFactory(headline="Secret draft headline", slug="secret-draft", draft=True)


@pytest.fixture
def scheduled():
    with time_machine.travel(NOW, tick=False):
        return ArticleFactory(headline="Embargoed headline", slug="embargoed", published_at=AT)


class TestPreview:
    @pytest.mark.parametrize("group", ["Editors", "Moderators"])
    def test_newsroom_staff_see_a_banner_and_the_page_is_never_cached(
            self, client, draft, scheduled, group):
        client.force_login(staff(group))
        for article in (draft, scheduled):
            with time_machine.travel(NOW, tick=False):
                response = client.get(article.get_absolute_url())
            assert response.status_code == 200
            assert '<p class="preview-banner" role="status">Preview — not public</p>' in html(
                response)
            cache_control = response["Cache-Control"]
            for directive in ("no-cache", "no-store", "must-revalidate", "private"):
                assert directive in cache_control
            assert "public" not in cache_control.replace("private", "")

    def test_public_story_has_no_banner_even_for_editors(self, client):
        article = ArticleFactory()
        client.force_login(staff("Editors"))
        response = client.get(article.get_absolute_url())
        assert "Preview — not public" not in html(response)
        # Personal (it names the editor): stored nowhere, though not a preview's
        # never_cache (max-age=0, must-revalidate).
        assert response["Cache-Control"] == "private, no-cache, no-store"

    @pytest.mark.parametrize("who", ["anonymous", "reader", "staff without a group",
                                     "reader with the permission"])
    def test_everyone_else_gets_404(self, client, draft, scheduled, who):
        if who == "reader":
            client.force_login(UserFactory())
        elif who == "staff without a group":
            client.force_login(staff())
        elif who == "reader with the permission":
            user = UserFactory()
            user.user_permissions.add(Permission.objects.get(codename="view_article"))
            client.force_login(user)
        for article in (draft, scheduled):
            with time_machine.travel(NOW, tick=False):
                assert client.get(article.get_absolute_url()).status_code == 404, article


class TestOnTime:
    def test_scheduled_story_appears_everywhere_at_its_time(self, client, scheduled):
        scheduled.tags.add("Embargo")
        CorrectionFactory(article=scheduled, text="An embargoed correction.")
        # A public story sharing tag, section and picks, so that the scheduled
        # story is one of its related articles once public.
        neighbour = ArticleFactory(section=scheduled.section, tags=["Embargo"],
                                   published_at=NOW - timedelta(days=1))
        neighbour.related_links.create(to_article=scheduled)
        section, author = scheduled.section.slug, scheduled.author.slug
        story_lists = [
            "/", "/articles/", f"/sections/{section}/", "/tags/embargo/", f"/authors/{author}/",
            neighbour.get_absolute_url(), "/search/?q=Embargoed",
            "/feeds/latest/", "/feeds/latest/atom/", f"/sections/{section}/feed/",
            "/tags/embargo/feed/", f"/authors/{author}/feed/",
            "/sitemap-articles.xml", "/sitemap-news.xml",
        ]
        author_card = re.compile(rf'{scheduled.author.name}</a>.*?class="author-count">'
                                 r"(\d+) stor", re.S)

        for moment, visible in ((NOW, False), (AT - timedelta(seconds=1), False),
                                (AT, True), (AT + timedelta(days=1), True)):
            with time_machine.travel(moment, tick=False):
                assert client.get(scheduled.get_absolute_url()).status_code == (
                    200 if visible else 404), moment
                for url in story_lists:
                    page = html(client.get(url))
                    shown = "Embargoed headline" in page or "/articles/embargoed/" in page
                    assert shown is visible, (moment, url)
                page = html(client.get("/corrections/"))
                assert ("An embargoed correction." in page) is visible, moment
                authors = html(client.get("/authors/"))
                # An author with nothing public is not listed at all.
                card = author_card.search(authors)
                assert (card.group(1) if card else None) == ("1" if visible else None)

    @time_machine.travel(NOW, tick=False)
    def test_scheduled_story_is_the_lead_when_featured_at_its_time(self, client):
        world = SectionFactory(name="World", slug="world")
        ArticleFactory(headline="Yesterday's lead", section=world, is_featured=True,
                       published_at=NOW - timedelta(days=1))
        ArticleFactory(headline="Tonight's lead", section=world, is_featured=True,
                       published_at=AT)
        assert "Tonight’s lead" not in html(client.get("/"))
        with time_machine.travel(AT, tick=False):
            page = html(client.get("/"))
        assert page.index("Tonight’s lead") < page.index("Yesterday’s lead")


class TestState:
    @time_machine.travel(NOW, tick=False)
    def test_state_and_querysets_cross_the_boundary(self):
        draft = ArticleFactory(draft=True)
        draft_with_time = ArticleFactory(status="draft", published_at=NOW - timedelta(days=1))
        published_without_time = ArticleFactory(published_at=None)
        past = ArticleFactory(published_at=NOW - timedelta(seconds=1))
        exactly_now = ArticleFactory(published_at=NOW)
        future = ArticleFactory(published_at=NOW + timedelta(seconds=1))

        assert [a.state for a in (draft, draft_with_time, published_without_time)] == [
            Article.State.DRAFT] * 3
        assert past.state == exactly_now.state == Article.State.PUBLISHED
        assert future.state == Article.State.SCHEDULED
        assert set(Article.objects.drafts()) == {draft, draft_with_time, published_without_time}
        assert set(Article.objects.scheduled()) == {future}
        assert set(Article.objects.published()) == {past, exactly_now}
        with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
            assert future.state == Article.State.PUBLISHED
            assert not Article.objects.scheduled().exists()
