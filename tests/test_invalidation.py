"""Precise invalidation: each kind of change stales exactly the pages that show it.

A small newsroom is rendered into the page cache, one change is made, and
every page is asked for again: the pages that show the change answer
"miss" (rendered anew, showing it), every other page is still a "hit".
Clocks move as they do in life: pages are rendered seconds after the rows
they show were saved, and the change comes seconds later again.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from taggit.models import Tag, TaggedItem

from articles.models import Article, RelatedArticle
from articles.tasks import make_hero_renditions
from authors.tasks import make_avatar_renditions
from comments.models import Comment
from comments.moderation import decide_comments
from core import pagecache
from pages.models import Page
from standards.models import BiasReport
from standards.workflow import decide_bias_report
from tests.articles.newsroom import staff
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory, CommentFactory,
                             CorrectionFactory, SectionFactory, UserFactory, image_file)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)
RENDERED = T0 + timedelta(seconds=10)
CHANGED = T0 + timedelta(seconds=20)

PAGES = {
    "front": "/", "latest": "/articles/",
    "story a": "/articles/a/", "story b": "/articles/b/", "story c": "/articles/c/",
    "comments a": "/articles/a/comments/?partial=1", "comments b": "/articles/b/comments/?partial=1",
    "comments page a": "/articles/a/comments/",
    "world": "/sections/world/", "business": "/sections/business/",
    "tag ports": "/tags/ports/", "tag markets": "/tags/markets/",
    "authors": "/authors/", "ines": "/authors/ines/", "nova": "/authors/nova/",
    "feed": "/feeds/latest/", "sitemap": "/sitemap-articles.xml", "corrections": "/corrections/",
    "transparency": "/transparency/", "about": "/about/",
}
NAV = set(PAGES) - {"comments a", "comments b"}  # every page with the site's navigation
# Pages that count every public story (the newsroom's totals and lists).
EVERY_STORY = {"front", "latest", "authors", "ines", "nova", "feed", "sitemap", "corrections",
               "transparency"}
# Pages that show story A, as a page, a card or a related story (B shares its tag).
SHOWS_A = {"front", "latest", "story a", "story b", "comments page a", "world", "tag ports",
           "ines", "feed", "sitemap"}
REVIEW_RECORD = {"ines", "nova", "transparency"}  # the newsroom's corrections and decisions


@pytest.fixture
def newsroom():
    with time_machine.travel(T0, tick=False):
        world = SectionFactory(name="World", slug="world")
        business = SectionFactory(name="Business", slug="business")
        ines = AuthorFactory(name="Ines Duarte", slug="ines")
        nova = AuthorFactory(name="Nova Quill", slug="nova", ai=True)
        published = T0 - timedelta(days=1)
        stories = {
            "a": ArticleFactory(headline="Harbour reopens", slug="a", section=world, author=ines,
                                tags=["ports"], published_at=published),
            "b": ArticleFactory(headline="Ferry fares rise", slug="b", section=world,
                                author=nova, tags=["ports", "markets"],
                                published_at=published - timedelta(hours=1)),
            "c": ArticleFactory(headline="Bank rates hold", slug="c", section=business,
                                author=ines, tags=["markets"],
                                published_at=published - timedelta(hours=2)),
        }
        CommentFactory(article=stories["a"], body="First comment on the harbour.")
    return stories


def _purged_by(client, change, newsroom):
    """Render every page, make the change, and say which pages were rendered anew."""
    with time_machine.travel(RENDERED, tick=False):
        for url in PAGES.values():
            assert client.get(url).status_code == 200, url
        assert all(client.get(url)["X-Page-Cache"] == "hit" for url in PAGES.values())
    with time_machine.travel(CHANGED, tick=False) as clock:
        change(newsroom, clock)
        clock.shift(timedelta(seconds=1))
        answers = {name: client.get(url) for name, url in PAGES.items()}
    purged = {name for name, response in answers.items()
              if response.get("X-Page-Cache") != "hit"}
    return purged, {name: r.content.decode() for name, r in answers.items()}


def _render_lock(rf, url):
    """The key another request holds while it renders url anew."""
    request = rf.get(url)
    assert pagecache._public_view(request)
    return f"{pagecache._key(request)}:rendering"


def _publish(newsroom, clock):
    ArticleFactory(headline="Dock strike ends", slug="d", section=newsroom["a"].section,
                   author=newsroom["a"].author, tags=["ports"], published_at=CHANGED)


def _edit(newsroom, clock):
    story = newsroom["a"]
    story.headline = "Harbour reopens at dawn"
    story.save()


def _unpublish(newsroom, clock):
    story = newsroom["a"]
    story.status = Article.Status.DRAFT
    story.save()


def _schedule_passes(newsroom, clock):
    ArticleFactory(headline="Dock strike ends", slug="d", section=newsroom["a"].section,
                   author=newsroom["a"].author, tags=["ports"],
                   published_at=CHANGED + timedelta(minutes=5))
    clock.shift(timedelta(minutes=5))


def _mark_ai_assisted(newsroom, clock):
    story = newsroom["a"]
    story.ai_involvement = Article.AIInvolvement.ASSISTED
    story.ai_reviewed_by = staff("Editors", username="ai-reviewer")
    story.ai_reviewed_at = CHANGED
    story.save()


def _correct(newsroom, clock):
    CorrectionFactory(article=newsroom["a"], text="The harbour reopened on Tuesday.")


def _comment(newsroom, clock):
    CommentFactory(article=newsroom["a"], body="Second comment, approved at once.")


def _hide_comment(newsroom, clock):
    decide_comments(Comment.objects.filter(article=newsroom["a"]), Comment.Status.HIDDEN,
                    UserFactory(is_staff=True))


def _file_bias_report(newsroom, clock):
    BiasReportFactory(article=newsroom["a"])


def _decide_bias_report(newsroom, clock):
    with time_machine.travel(T0, tick=False):
        report = BiasReportFactory(article=newsroom["a"])
    decide_bias_report(report, BiasReport.Status.UPHELD, UserFactory(is_staff=True))


def _rename_author(newsroom, clock):
    author = newsroom["a"].author
    author.name = "Ines Duarte-Silva"
    author.save()


def _rename_section(newsroom, clock):
    section = newsroom["c"].section
    section.name = "Money"
    section.save()


def _rename_tag(newsroom, clock):
    tag = Tag.objects.get(slug="ports")
    tag.name = "Harbours"
    tag.save()


def _merge_tags(newsroom, clock):
    """taggit's merge, in the tags' admin: story A's ports becomes markets, B's is dropped."""
    editor = Client()
    editor.force_login(staff("Editors"))
    ports = Tag.objects.get(slug="ports")
    editor.post("/admin/taggit/tag/",
                {"action": "render_tag_form", "_selected_action": [ports.pk]})
    assert editor.post("/admin/taggit/tag/merge-tags/",
                       {"into": "markets", "tags": [ports.pk]}).status_code == 302
    assert sorted(newsroom["a"].tags.names()) == ["markets"]


def _pick_related(newsroom, clock):
    RelatedArticle.objects.create(from_article=newsroom["c"], to_article=newsroom["a"],
                                  position=1)


def _rewrite_about(newsroom, clock):
    page = Page.objects.get(slug="about")
    page.body = "A rewritten about page."
    page.save()


NEW_STORY_IN_PORTS = EVERY_STORY | {"world", "tag ports", "story a", "story b"}

CASES = [
    (_publish, NEW_STORY_IN_PORTS, {"front": "Dock strike ends"}),
    (_edit, SHOWS_A, {"story a": "Harbour reopens at dawn", "story b": "Harbour reopens at dawn",
                      "front": "Harbour reopens at dawn"}),
    (_unpublish, SHOWS_A | EVERY_STORY | {"comments a"}, {}),
    (_schedule_passes, NEW_STORY_IN_PORTS, {"front": "Dock strike ends",
                                            "story a": "Dock strike ends"}),
    # The report counts stories by their AI involvement: it was left stale.
    (_mark_ai_assisted, SHOWS_A | {"transparency"}, {"story a": "AI involvement: assisted"}),
    # A correction is its story's last change: the feed's and sitemap's dates count it.
    (_correct, SHOWS_A | REVIEW_RECORD | {"corrections"},
     {"story a": "The harbour reopened on Tuesday.",
      "corrections": "The harbour reopened on Tuesday."}),
    (_comment, {"comments a", "comments page a"},
     {"comments a": "Second comment, approved at once."}),
    (_hide_comment, {"comments a", "comments page a", "transparency"}, {}),
    (_file_bias_report, set(), {}),
    (_decide_bias_report, SHOWS_A - {"feed", "sitemap"} | REVIEW_RECORD, {}),
    (_rename_author, {"front", "latest", "story a", "story b", "story c", "world", "business", "tag ports", "tag markets", "authors", "ines",
                      "feed", "sitemap", "transparency"},
     {"story b": "Ines Duarte-Silva", "business": "Ines Duarte-Silva"}),
    (_rename_section, NAV, {"about": "Money", "business": "Money"}),
    (_rename_tag, {"story a", "story b", "tag ports", "feed", "sitemap"},
     {"story a": "Harbours", "tag ports": "Harbours"}),
    # A's and B's tags change: their pages and cards (story-<pk>, as for any change of
    # a story's tags) and the feed; both tags' lists, and C's related stories, read them.
    (_merge_tags, SHOWS_A | {"nova", "story c", "tag markets"},
     {"tag markets": "Harbour reopens", "story a": "/tags/markets/"}),
    (_pick_related, {"front", "latest", "story c", "story b", "business", "tag markets", "ines"},
     {"story c": "Harbour reopens"}),
    (_rewrite_about, {"about"}, {"about": "A rewritten about page."}),
]


@pytest.mark.parametrize(("change", "expected", "shown"), CASES,
                         ids=[change.__name__.strip("_") for change, _, _ in CASES])
def test_a_change_stales_exactly_the_pages_that_show_it(newsroom, client, change, expected,
                                                        shown):
    purged, pages = _purged_by(client, change, newsroom)
    assert purged == expected, (f"rendered anew but not expected: {purged - expected}; "
                                f"served from cache but showing the change: {expected - purged}")
    for name, text in shown.items():
        assert text in pages[name], name


def test_a_tagging_moved_to_another_tag_stales_both_tags_lists(newsroom):
    """As taggit's merge moves them: the list the story leaves shifts too (its later pages)."""
    markets, ports = Tag.objects.get(slug="markets"), Tag.objects.get(slug="ports")
    moved = TaggedItem.objects.get(object_id=newsroom["c"].pk, tag=markets)
    with mock.patch("core.pagecache.changed") as changed:
        moved.tag = ports
        moved.save()
    (tags,), _ = changed.call_args
    assert {f"story-{newsroom['c'].pk}", f"stories-tag-{markets.pk}",
            f"stories-tag-{ports.pk}"} <= tags


def _schedule_for_later(newsroom, clock):
    ArticleFactory(headline="Dock strike ends", slug="d", section=newsroom["a"].section,
                   author=newsroom["a"].author, tags=["ports"],
                   published_at=CHANGED + timedelta(minutes=5))


def test_scheduling_a_story_renews_the_lists_it_will_join_for_edge_caches(newsroom, client,
                                                                          settings):
    """An edge cache keeps a list no longer than the next scheduled story only when it
    fetched the list after the scheduling: the lists are renewed at once, and kept
    (here and at the edge) only until the story's time, when it shows."""
    settings.EDGE_CACHE_TAGS = True
    purged, pages = _purged_by(client, _schedule_for_later, newsroom)
    assert purged == NEW_STORY_IN_PORTS
    assert "Dock strike ends" not in pages["front"]
    with time_machine.travel(CHANGED + timedelta(seconds=2), tick=False):
        front = client.get("/")
    assert front["X-Page-Cache"] == "hit"
    # The edge's lifetime, not the 600 s a page lives; readers' is the page's own.
    assert front["Surrogate-Control"] == "max-age=298"
    assert "s-maxage=599," in front["Cache-Control"]


def test_a_takedown_is_never_served_stale(newsroom, client, rf):
    """Even while another request is rendering it anew, an unpublished story is gone."""
    with time_machine.travel(RENDERED, tick=False):
        assert client.get("/articles/a/").status_code == 200
        assert client.get("/").status_code == 200
    with time_machine.travel(CHANGED, tick=False):
        _unpublish(newsroom, None)
        # Another request holds the render lock for both pages.
        for url in ("/articles/a/", "/"):
            cache.add(_render_lock(rf, url), 1, 30)
        assert client.get("/articles/a/").status_code == 404
        front = client.get("/")
        assert front["X-Page-Cache"] != "stale" and "Harbour reopens" not in front.content.decode()


def test_a_hidden_comment_is_taken_down_from_its_story_and_only_counted_again_in_the_report(
        newsroom, client, rf):
    """The report shows counts, not the comment: while one request counts a million
    comments anew (seconds), the others get the previous figures, not a count each."""
    with time_machine.travel(RENDERED, tick=False):
        for url in ("/articles/a/comments/?partial=1", "/transparency/"):
            assert client.get(url).status_code == 200
    with time_machine.travel(CHANGED, tick=False):
        _hide_comment(newsroom, None)
        for url in ("/articles/a/comments/?partial=1", "/transparency/"):
            cache.add(_render_lock(rf, url), 1, 30)
        block = client.get("/articles/a/comments/?partial=1")
        assert block["X-Page-Cache"] != "stale"
        assert "First comment on the harbour." not in block.content.decode()
        assert client.get("/transparency/")["X-Page-Cache"] == "stale"


def test_while_one_request_renders_an_edited_page_the_others_get_the_previous_copy(
        newsroom, client, rf):
    with time_machine.travel(RENDERED, tick=False):
        client.get("/articles/b/")
    with time_machine.travel(CHANGED, tick=False) as clock:
        _edit(newsroom, clock)
        cache.add(_render_lock(rf, "/articles/b/"), 1, 30)
        stale = client.get("/articles/b/")
        assert stale["X-Page-Cache"] == "stale" and "Harbour reopens at dawn" not in (
            stale.content.decode())
        # No other cache may keep the previous copy.
        assert "no-cache" in stale["Cache-Control"] and "public" not in stale["Cache-Control"]
        clock.shift(timedelta(seconds=pagecache.GRACE + 2))
        fresh = client.get("/articles/b/")  # past the grace, nobody waits any longer
        assert fresh["X-Page-Cache"] == "miss" and "Harbour reopens at dawn" in (
            fresh.content.decode())


def test_pages_name_their_tags_for_edge_caches(newsroom, client, settings):
    settings.EDGE_CACHE_TAGS = True  # sent only for an edge cache (tests/test_pagecache_http.py)
    with time_machine.travel(RENDERED, tick=False):
        story = newsroom["a"]
        for _ in range(2):  # the miss and the hit say the same
            tags = set(client.get("/articles/a/")["xkey"].split())
            assert {f"story-{story.pk}", f"author-{story.author_id}",
                    f"section-{story.section_id}", "sections", "site"} <= tags
            assert f"story-{newsroom['b'].pk}" in tags  # related


def test_renditions_made_by_the_worker_renew_the_pages_showing_the_image(newsroom, client):
    """The task stores them with update(), which sends no signal: it stamps the tags itself."""
    story, author = newsroom["a"], newsroom["a"].author
    with time_machine.travel(T0, tick=False):
        # Saved in the fixture's transaction: the queued tasks wait for the worker.
        story.image, story.image_alt = image_file("harbour.jpg"), "The harbour at dawn"
        story.save()
        author.avatar = image_file("ines.jpg", size=(300, 300))
        author.save()
    with time_machine.travel(RENDERED, tick=False):
        assert f'src="/media/{story.image.name}"' in client.get("/articles/a/").content.decode()

    def hero_made(newsroom, clock):
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == "stored"

    purged, pages = _purged_by(client, hero_made, newsroom)
    assert purged == SHOWS_A
    for name in ("story a", "front", "story b", "world"):
        assert f'src="/media/{story.image.name}"' not in pages[name], name
        assert "-960w.jpeg" in pages[name], name

    def avatar_made(newsroom, clock):
        assert make_avatar_renditions.call(pk=author.pk, source=author.avatar.name) == "stored"

    purged, pages = _purged_by(client, avatar_made, newsroom)
    # Every page tagged with her (author-<pk>): her bylines and cards, the authors' list.
    # Not the feed, the sitemap or the comments page, which show no avatar.
    assert purged == {"front", "latest", "story a", "story b", "story c",
                      "world", "business", "tag ports", "tag markets", "authors", "ines"}
    assert "-96w.jpeg" in pages["story a"] and "-96w.jpeg" in pages["ines"]
