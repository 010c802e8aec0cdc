"""seed_demo: the demo newsroom, built from demo/data/ through import_articles."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.html import strip_tags
from PIL import Image
from taggit.models import Tag

from articles.models import Article, RelatedArticle, Section
from authors.models import Author
from demo import illustrations

pytestmark = pytest.mark.django_db

SMALL_HERO = (356, 200)  # pixels, the least a hero may be; renditions of full-size pictures take most of a run
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def small_pictures(monkeypatch):
    monkeypatch.setattr(illustrations, "HERO_SIZE", SMALL_HERO)
    monkeypatch.setattr(illustrations, "AVATAR_SIZE", 48)


def seed(*options):
    out = io.StringIO()
    call_command("seed_demo", "--allow-without-debug", *options, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_public_newsroom_with_hidden_drafts(small_pictures):
    output = seed()

    public = Article.objects.published()
    assert public.count() >= 24
    assert Section.objects.filter(articles__in=public).distinct().count() >= 5
    assert Author.objects.count() >= 6
    ai_authors = Author.objects.filter(is_ai=True)
    assert ai_authors.count() >= 2
    for author in ai_authors:
        assert "Irene Sallis" in author.ai_disclosure and author.avatar
        assert author.avatar_renditions["jpeg"]
    assert public.filter(is_featured=True).count() == 2
    hidden = Article.objects.exclude(pk__in=public)
    assert hidden.filter(status=Article.Status.DRAFT).count() >= 2
    scheduled = hidden.filter(status=Article.Status.PUBLISHED)
    assert scheduled.count() == 1 and scheduled.get().published_at > timezone.now()
    assert Tag.objects.filter(taggit_taggeditem_items__isnull=False).count() > 10
    assert RelatedArticle.objects.count() >= 20
    for article in Article.objects.all():
        words = len(strip_tags(article.body_html).split())
        assert 300 <= words <= 900, article.slug
        assert article.image_renditions["width"] == SMALL_HERO[0]
        # Made by the seed itself: the demo needs no task worker.
        assert article.image_renditions["jpeg"] and len(article.image_renditions["crops"]) == 3
        assert article.published_at is None or article.published_at > timezone.now() - \
            timedelta(weeks=5)
    images = {a.image.read() for a in Article.objects.all()}
    assert len(images) == Article.objects.count()  # a different picture for every story
    for article in public.filter(author__is_ai=True):
        assert article.ai_reviewed_by.username == "editor"
    credits = {a.image_credit for a in public}
    assert "Illustration: EVA DAILY / Anja Roos" in credits
    assert any(credit.endswith("(AI-generated image)") for credit in credits)

    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["editor"].is_staff and users["editor"].groups.filter(name="Editors").exists()
    assert users["moderator"].groups.filter(name="Moderators").exists()
    assert not users["reader"].is_staff
    assert all(users[name].check_password("evadaily-demo")
               for name in ("editor", "moderator", "reader"))
    assert 'password "evadaily-demo"' in output

    # A second run leaves the stories in place; --if-empty then leaves everything alone.
    count = Article.objects.count()
    seed()
    assert Article.objects.count() == count
    assert "already has articles" in seed("--if-empty")


def test_pictures_are_full_size_unless_asked_otherwise():
    hero = Image.open(io.BytesIO(illustrations.hero_image("a-story", "city", "night")))
    assert (hero.format, hero.size) == ("JPEG", (1600, 900))
    avatar = Image.open(io.BytesIO(illustrations.avatar_image("Mara Ellison", (1, 2, 3), False)))
    assert (avatar.format, avatar.size) == ("PNG", (384, 384))


def _everything():
    """Every row of every model, as the database holds it."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values())
            for model in apps.get_models()}


def test_a_second_run_finds_the_newsroom_in_place_and_writes_nothing(small_pictures):
    with time_machine.travel(T0, tick=False):
        seed()
    before = _everything()
    assert len(before["comments.Comment"]) == 19 and len(before["standards.BiasReport"]) == 5

    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        output = seed()

    assert _everything() == before
    assert "The demo stories are already on the site; none was imported." in output
    assert "editor     staff, Editors (already existed; password left unchanged)" in output


def test_a_missing_demo_story_comes_back_and_nothing_else_changes(small_pictures):
    with time_machine.travel(T0, tick=False):
        seed()
    story = Article.objects.get(slug="port-traffic-first-quarter")
    author = story.author
    related = list(story.related_links.values_list("to_article__slug", flat=True))
    story.delete()
    before = _everything()

    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        output = seed()

    assert "Imported 1 article (1 created, 0 updated)." in output
    story = Article.objects.get(slug="port-traffic-first-quarter")
    assert story.author == author and story.author.avatar.name == author.avatar.name
    assert list(story.related_links.values_list("to_article__slug", flat=True)) == related
    assert story.ai_reviewed_by.username == "editor"
    assert story.published_at == T0 + timedelta(hours=5) - timedelta(days=6.3)
    after = _everything()
    for label in ("articles.Article", "articles.HistoricalArticle", "taggit.TaggedItem",
                  "articles.RelatedArticle"):
        assert [row for row in after[label] if row not in before[label]], label
        assert all(row in after[label] for row in before[label]), label
        after.pop(label), before.pop(label)
    assert after == before


def test_seed_demo_refuses_to_make_public_passwords_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Article.objects.exists()
