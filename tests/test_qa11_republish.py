"""QA round 11, republishing: the story list's "Publish now" on a story that was public and
was taken down puts it back with the publication time readers were shown, as the story form
does. Dated now, it came back as a new story at the top of the lists, feeds and sitemap and
in the next daily edition. A draft never public, or a story scheduled for later, still goes
public now."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from core import edge
from core.seo import iso_datetime
from newsletter.edition import stories_between
from tests.articles.newsroom import LIST_URL, article_form, change_url, staff
from tests.factories import ArticleFactory, CorrectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(staff("Editors", username="editor"))
    return client


def act(client, action, stories):
    return client.post(LIST_URL, {"action": action, "index": "0",
                                  "_selected_action": [story.pk for story in stories]})


def said(response):
    """The messages this request added (not those an earlier one left unread)."""
    return [(m.level_tag, str(m)) for m in response.wsgi_request._messages._queued_messages]


def taken_down(desk, **fields):
    """A story public for three days, then unpublished from the list."""
    story = ArticleFactory(published_at=(timezone.now() - timedelta(days=3))
                           .replace(microsecond=0), **fields)
    act(desk, "unpublish", [story])
    story.refresh_from_db()
    assert story.state == Article.State.DRAFT
    return story


def test_publish_now_keeps_the_first_publication_time_as_the_form_does(desk):
    by_action, by_form = taken_down(desk, slug="by-action"), taken_down(desk, slug="by-form")
    first = {story.pk: story.published_at for story in (by_action, by_form)}

    response = act(desk, "publish_now", [by_action])
    form = desk.post(change_url(by_form), article_form(by_form, status="published"))

    assert form.status_code == 302
    by_action.refresh_from_db()
    by_form.refresh_from_db()
    assert by_action.is_published() and by_form.is_published()
    assert by_action.published_at == first[by_action.pk]
    assert by_form.published_at == first[by_form.pk]
    [(level, message)] = said(response)
    assert level == "success"
    assert message.startswith(f"Republished “{by_action}” with its first publication time, ")
    assert "not shown as a new story" in message


def test_several_republished_and_a_draft_published_are_told_apart(desk):
    stories = [taken_down(desk), taken_down(desk)]
    draft = ArticleFactory(draft=True)

    response = act(desk, "publish_now", [*stories, draft])

    assert sorted(said(response)) == [
        ("success", "Published 1 story."),
        ("success", "Republished 2 stories with their first publication times: they were "
                    "public before, so they are not shown as new stories."),
    ]
    draft.refresh_from_db()
    assert timezone.now() - draft.published_at < timedelta(minutes=1)


def test_the_republished_story_is_not_new_in_lists_feeds_sitemap_or_the_edition(desk):
    newer = ArticleFactory(headline="Ferry fares rise", slug="newer",
                           published_at=timezone.now() - timedelta(hours=2))
    story = taken_down(desk, headline="Harbour reopens", slug="harbour")

    act(desk, "publish_now", [story])

    reader = Client()
    for url in ("/articles/", "/feeds/latest/", "/sitemap-articles.xml"):
        page = reader.get(url).content.decode()
        assert "/articles/harbour/" in page, url
        assert page.index("/articles/newer/") < page.index("/articles/harbour/"), url
    now = timezone.now()
    assert list(stories_between(now - timedelta(hours=24), now)) == [newer]


def test_a_story_taken_down_with_corrections_goes_back_up_with_them(desk):
    story = taken_down(desk)
    correction = CorrectionFactory(article=story, date=story.published_at + timedelta(days=1))

    response = act(desk, "publish_now", [story])

    story.refresh_from_db()
    assert story.is_published(), said(response)
    assert [level for level, _ in said(response)] == ["success"]
    # Its page dates it as readers first saw it, and its update by the correction.
    page = Client().get(story.get_absolute_url()).content.decode()
    dateline = page.index(f'<time datetime="{iso_datetime(story.published_at)}">')
    assert (page.index('<p class="updated">Updated <time datetime='
                       f'"{iso_datetime(correction.date)}">') > dateline)


def test_a_draft_with_corrections_dated_before_now_is_still_refused(desk):
    # A draft takes corrections of any past date: published now, it would read as corrected
    # before it was out (Article._corrected_before).
    draft = ArticleFactory(draft=True)
    CorrectionFactory(article=draft, date=timezone.now() - timedelta(days=1))

    response = act(desk, "publish_now", [draft])

    draft.refresh_from_db()
    assert not draft.is_published()
    [(level, message)] = said(response)
    assert level == "error" and message.startswith(f"Not published: “{draft}”: A correction")


@pytest.mark.parametrize("kind", ["scheduled", "never public", "schedule called off"])
def test_a_story_never_public_is_published_now(desk, kind):
    if kind == "scheduled":
        story = ArticleFactory(scheduled=True)
    elif kind == "never public":
        # A draft given a past time (an import's) was never seen by readers.
        story = ArticleFactory(status=Article.Status.DRAFT,
                               published_at=timezone.now() - timedelta(days=3))
    else:
        story = ArticleFactory(scheduled=True)
        act(desk, "unpublish", [story])

    response = act(desk, "publish_now", [story])

    story.refresh_from_db()
    assert story.is_published()
    assert timezone.now() - story.published_at < timedelta(minutes=1)
    assert said(response) == [("success", "Published 1 story.")]


def test_a_story_public_then_taken_down_before_it_was_rescheduled_is_republished(desk):
    # Taken down, then given a time still to come while a draft: readers saw its first time.
    story = taken_down(desk)
    first = story.published_at
    Article.objects.filter(pk=story.pk).update(published_at=timezone.now() + timedelta(days=2))

    act(desk, "publish_now", [story])

    story.refresh_from_db()
    assert story.is_published() and story.published_at == first


@pytest.mark.usefixtures("page_cache_on")
def test_the_republished_story_is_stamped_and_purged_at_the_edge(
        desk, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    purged = []
    monkeypatch.setattr(edge, "_purge_at", lambda url, tags: purged.append(set(tags)) or True)
    ArticleFactory(slug="newer", published_at=timezone.now() - timedelta(hours=2))
    story = taken_down(desk, slug="harbour")
    reader = Client()
    assert "/articles/harbour/" not in reader.get("/articles/").content.decode()
    assert reader.get("/articles/")["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        act(desk, "publish_now", [story])

    assert {f"story-{story.pk}", "stories-all", "syndication"} <= set().union(*purged)
    page = reader.get("/articles/")
    assert page["X-Page-Cache"] != "hit"
    assert "/articles/harbour/" in page.content.decode()
    updated = story.updated_at
    story.refresh_from_db()
    assert story.updated_at > updated  # feeds and sitemaps date the change now
