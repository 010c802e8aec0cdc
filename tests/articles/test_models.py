from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

import articles.models
from articles.models import CARD_FIELDS, Article
from authors.models import Author
from authors.tasks import make_avatar_renditions
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 4, 23, 6, tzinfo=dt_timezone.utc)


@time_machine.travel(NOW, tick=False)
def test_published_crosses_status_and_time_boundaries():
    past = ArticleFactory(published_at=NOW - timedelta(seconds=1))
    exactly_now = ArticleFactory(published_at=NOW)
    future = ArticleFactory(published_at=NOW + timedelta(seconds=1))
    draft_in_past = ArticleFactory(status=Article.Status.DRAFT,
                                   published_at=NOW - timedelta(days=1))
    draft_without_time = ArticleFactory(draft=True)

    public = set(Article.objects.published())

    assert public == {past, exactly_now}
    assert future not in public and draft_in_past not in public
    assert draft_without_time not in public
    assert past.is_published() and exactly_now.is_published()
    assert not future.is_published() and not draft_in_past.is_published()


@time_machine.travel(NOW, tick=False)
def test_scheduled_story_becomes_public_at_its_time_with_no_job():
    scheduled = ArticleFactory(published_at=NOW + timedelta(hours=2))
    assert scheduled not in Article.objects.published()
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert scheduled in Article.objects.published()


def test_save_renders_body_and_reading_time():
    article = ArticleFactory(body="# Title\n\n" + "word " * 401)
    assert article.body_html.startswith("<h2>Title</h2>")
    assert article.reading_minutes == 3
    article.body = "short"
    article.save()
    article.refresh_from_db()
    assert article.body_html == "<p>short</p>"
    assert article.reading_minutes == 1


@pytest.mark.parametrize(
    ("source", "photographer", "ai", "credit"),
    [
        ("Unsplash", "Robert Bye", False, "Photo: Unsplash / Robert Bye"),
        ("Unsplash", "", False, "Photo: Unsplash"),
        ("", "Robert Bye", False, "Photo: Robert Bye"),
        ("EVA DAILY", "", True, "Photo: EVA DAILY (AI-generated image)"),
        ("", "", False, ""),
    ],
)
def test_image_credit_format(source, photographer, ai, credit):
    article = Article(image_credit_source=source, image_credit_photographer=photographer,
                      image_is_ai_generated=ai)
    assert article.image_credit == credit


@pytest.mark.parametrize(
    ("source", "artist", "ai", "credit"),
    [
        ("EVA DAILY", "Noor Lindqvist", False, "Illustration: EVA DAILY / Noor Lindqvist"),
        ("", "Noor Lindqvist", False, "Illustration: Noor Lindqvist"),
        ("EVA DAILY", "", True, "Illustration: EVA DAILY (AI-generated image)"),
    ],
)
def test_an_illustration_is_credited_as_one(source, artist, ai, credit):
    article = Article(image_credit_source=source, image_credit_photographer=artist,
                      image_is_ai_generated=ai, image_is_illustration=True)
    assert article.image_credit == credit


def test_renditions_are_made_once_on_save(django_assert_num_queries,
                                          django_capture_on_commit_callbacks):
    # The save queues them for the task worker, which runs when the transaction
    # commits (here the tests' backend runs it at once).
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(with_image=True, renditions=False)
        assert article.image_renditions == {"source": article.image.name, "width": 1200,
                                            "height": 800}
    article.refresh_from_db()
    renditions = article.image_renditions
    assert [r["width"] for r in renditions["webp"]] == [480, 960, 1200]
    assert [r["width"] for r in renditions["jpeg"]] == [480, 960, 1200]
    storage = article.image.storage
    assert all(storage.exists(r["name"]) for r in renditions["webp"] + renditions["jpeg"])
    # Saving again without a new image makes no new renditions.
    article.headline = "Changed"
    article.save()
    assert Article.objects.get(pk=article.pk).image_renditions == renditions
    # Reading the hero costs nothing: no queries.
    fresh = Article.objects.get(pk=article.pk)
    with django_assert_num_queries(0):
        hero = fresh.hero
    assert hero["width"] == 1200 and hero["height"] == 800
    assert "480w" in hero["webp_srcset"] and hero["url"].endswith("-960w.jpeg")


def test_related_articles_picks_first_then_shared_tags_newest_first():
    section = SectionFactory()
    story = ArticleFactory(section=section, tags=["a", "b", "c"])
    pick_two = ArticleFactory()
    pick_one = ArticleFactory()
    story.related_links.create(to_article=pick_one, position=0)
    story.related_links.create(to_article=pick_two, position=1)
    one_tag_newer = ArticleFactory(tags=["a"])
    two_tags = ArticleFactory(tags=["a", "b"],
                              published_at=timezone.now() - timedelta(days=3))
    ArticleFactory(tags=["c"], published_at=timezone.now() - timedelta(days=9))
    ArticleFactory(tags=["a", "b", "c"], draft=True)
    ArticleFactory(tags=["a", "b", "c"], scheduled=True)
    picked_draft = ArticleFactory(draft=True)
    story.related_links.create(to_article=picked_draft, position=2)

    assert story.related_articles() == [pick_one, pick_two, two_tags, one_tag_newer]


def test_related_articles_show_each_story_once_picks_first_up_to_the_limit():
    story = ArticleFactory(tags=["a", "b"])
    shared_pick = ArticleFactory(tags=["a", "b"])  # a pick that shares tags: once, as a pick
    pick = ArticleFactory()
    story.related_links.create(to_article=shared_pick, position=0)
    story.related_links.create(to_article=pick, position=1)
    both = ArticleFactory(tags=["a", "b"], published_at=timezone.now() - timedelta(days=2))
    one = ArticleFactory(tags=["b"])

    assert story.related_articles() == [shared_pick, pick, both, one]
    assert story.related_articles(limit=3) == [shared_pick, pick, both]
    assert story.related_articles(limit=1) == [shared_pick]
    assert story.related_articles(tag_ids=[]) == [shared_pick, pick]
    assert both.related_articles() == [shared_pick, story, one]  # newest first on a tie


def test_related_articles_count_shared_tags_among_the_newest_tagged_stories_only(monkeypatch):
    story = ArticleFactory(tags=["a", "b"])
    older = ArticleFactory(tags=["a", "b"])  # shares more tags, but is not among the newest
    newer = ArticleFactory(tags=["a"])
    newest = ArticleFactory(tags=["b"])
    assert story.related_articles()[0] == older
    monkeypatch.setattr(articles.models, "RELATED_CANDIDATES", 2)
    assert set(story.related_articles()) == {newer, newest}


def test_tagged_items_are_indexed_by_tag_for_the_newest_of_each_tag():
    """related_sql() reads each tag's newest stories in order from this index (0011)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "taggit_taggeditem")
    index = constraints["taggeditem_tag_object_idx"]
    assert index["index"] and index["columns"] == ["content_type_id", "tag_id", "object_id"]


def test_related_articles_are_loaded_as_the_orm_loads_cards(django_assert_num_queries):
    story = ArticleFactory(tags=["a"])
    pick = ArticleFactory(with_image=True, author=AuthorFactory(ai=True))
    story.related_links.create(to_article=pick, position=0)
    tagged = ArticleFactory(tags=["a"], with_image=True, renditions=False)
    newer = ArticleFactory(tags=["a"], author=pick.author)
    tag_ids = [tag.pk for tag in story.tag_list()]
    with django_assert_num_queries(1):
        cards = story.related_articles(tag_ids=tag_ids)
    loaded = (Article.objects.select_related("section", "author").only(*CARD_FIELDS)
              .in_bulk([card.pk for card in cards]))
    assert cards == [pick, newer, tagged]
    with django_assert_num_queries(0):
        for card in cards:
            expected = loaded[card.pk]
            for path in ("pk", "section_id", "author_id", *CARD_FIELDS):
                mine, orm = card, expected
                *relations, name = path.split("__")
                for relation in relations:
                    mine, orm = getattr(mine, relation), getattr(orm, relation)
                assert getattr(mine, name) == getattr(orm, name), path
                assert type(getattr(mine, name)) is type(getattr(orm, name)), path
            assert card.hero == expected.hero and card.get_absolute_url()
            assert card.section.get_absolute_url() == expected.section.get_absolute_url()
            assert card.author.get_absolute_url() == expected.author.get_absolute_url()
    for card in cards:
        expected = loaded[card.pk]
        assert card.get_deferred_fields() == expected.get_deferred_fields()
        assert card.section.get_deferred_fields() == expected.section.get_deferred_fields()
        assert card.author.get_deferred_fields() == expected.author.get_deferred_fields()
        assert not (card._state.adding or card.section._state.adding or card.author._state.adding)


def test_tag_list_is_the_tags_in_the_order_they_were_added():
    story = ArticleFactory(tags=["zebra", "apple"])
    story.tags.add("mango")
    ArticleFactory(tags=["apple", "other"])
    assert [tag.name for tag in story.tag_list()] == ["zebra", "apple", "mango"]
    assert story.tag_list() == list(story.tags.all())
    assert ArticleFactory().tag_list() == []


def test_author_avatar_gets_renditions():
    from tests.factories import image_file

    author = AuthorFactory(avatar=image_file("face.png", size=(400, 400), fmt="PNG"),
                           renditions=False)
    assert author.avatar_image["url"] == f"/media/{author.avatar.name}"  # until the worker runs
    assert make_avatar_renditions.call(pk=author.pk, source=author.avatar.name) == "stored"
    author = Author.objects.get(pk=author.pk)
    assert [r["width"] for r in author.avatar_renditions["webp"]] == [96, 192]
    assert author.avatar_image["url"].endswith("-96w.jpeg")
