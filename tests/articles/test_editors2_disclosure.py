"""A public story's AI record may grow, never shrink, on every save path: a revision
restored from its history page, the image's AI mark, and not before the story is public."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import LOWERED_IMAGE_DISCLOSURE, Article
from tests.articles.newsroom import article_form, change_url, form_errors, history_url, staff
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

LOWERED = ("Its AI record is part of the public record and cannot be lowered while it is "
           "published: add a correction, or unpublish it first.")


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


def html(response):
    return response.content.decode()


def revert_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    return {**article_form(form.instance, tags=form.initial["tags"]), "_save": "Revert",
            "_edit_version": form.edit_version}


@pytest.fixture
def raised_story(editor):
    """Published by a person with no AI involvement, then given to an AI persona."""
    story = ArticleFactory(headline="Tide tables for the winter", author=AuthorFactory(),
                           ai_involvement="none")
    first = story.history.get(history_type="+")
    story = Article.objects.get(pk=story.pk)
    story.author = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    story.ai_involvement, story.ai_reviewed_by = "generated", editor
    story.save()
    return story, first


class TestRevertingToALowerRecord:
    def test_is_refused_on_the_revert_page_and_nothing_is_saved(self, client, raised_story):
        story, first = raised_story
        url = f"{history_url(story)}{first.pk}/"
        revisions = story.history.count()

        response = client.post(url, revert_form(client, url))

        assert response.status_code == 200
        page = html(response)
        assert "Please correct the error below." in page
        assert "This story was published under an AI persona. " + LOWERED in page
        stored = Article.objects.select_related("author").get(pk=story.pk)
        assert stored.author.is_ai and stored.ai_involvement == "generated"
        assert story.history.count() == revisions
        client.logout()
        assert "AI-generated author" in html(client.get(story.get_absolute_url()))

    def test_lowering_the_involvement_alone_is_refused_too(self, client, editor):
        story = ArticleFactory(headline="Harbour fees", ai_involvement="assisted")
        first = story.history.get(history_type="+")
        story = Article.objects.get(pk=story.pk)
        story.ai_involvement, story.ai_reviewed_by = "generated", editor
        story.save()
        url = f"{history_url(story)}{first.pk}/"

        response = client.post(url, revert_form(client, url))

        assert response.status_code == 200
        assert ("This story was published as “Generated: an AI system wrote it”. "
                + LOWERED) in html(response)
        assert Article.objects.get(pk=story.pk).ai_involvement == "generated"

    def test_a_story_built_from_a_revision_is_compared_with_the_stored_row(self, raised_story):
        story, first = raised_story
        restored = first.instance  # as django-simple-history builds it: not loaded
        restored._state.adding = False
        with pytest.raises(ValidationError) as refused:
            restored.full_clean()
        assert "author" in refused.value.message_dict
        with pytest.raises(ValidationError):
            restored.save()
        assert Article.objects.select_related("author").get(pk=story.pk).author.is_ai

    def test_reverting_to_a_draft_revision_takes_it_down_as_a_takedown_may(self, client,
                                                                           editor):
        story = ArticleFactory(headline="Harbour fees", draft=True, ai_involvement="none")
        first = story.history.get(history_type="+")
        story = Article.objects.get(pk=story.pk)
        story.status, story.published_at = "published", timezone.now() - timedelta(hours=1)
        story.ai_involvement, story.ai_reviewed_by = "generated", editor
        story.save()
        url = f"{history_url(story)}{first.pk}/"

        assert client.post(url, revert_form(client, url)).status_code == 302
        stored = Article.objects.get(pk=story.pk)
        assert (stored.status, stored.ai_involvement) == ("draft", "none")


@pytest.fixture
def ai_image_story():
    return ArticleFactory(headline="Storm over the bay", with_image=True,
                          image_is_ai_generated=True)


class TestTheImagesAIMark:
    def test_unticking_it_on_a_public_story_is_refused(self, client, editor, ai_image_story):
        response = client.post(change_url(ai_image_story),
                               article_form(ai_image_story, image_is_ai_generated=False))
        assert response.status_code == 200
        assert LOWERED_IMAGE_DISCLOSURE in form_errors(response)
        assert Article.objects.get(pk=ai_image_story.pk).image_is_ai_generated
        client.logout()
        assert "(AI-generated image)" in html(client.get(ai_image_story.get_absolute_url()))

    def test_the_shell_is_refused_too(self, ai_image_story):
        story = Article.objects.get(pk=ai_image_story.pk)
        story.image_is_ai_generated = False
        with pytest.raises(ValidationError) as refused:
            story.save()
        assert refused.value.message_dict == {"image_is_ai_generated": [LOWERED_IMAGE_DISCLOSURE]}
        with pytest.raises(ValidationError):
            story.save(update_fields=["image_is_ai_generated"])
        assert Article.objects.get(pk=story.pk).image_is_ai_generated

    def test_ticking_it_or_taking_the_image_away_is_allowed(self, editor, ai_image_story):
        plain = Article.objects.get(pk=ArticleFactory(with_image=True).pk)
        plain.image_is_ai_generated = True
        plain.save()
        story = Article.objects.get(pk=ai_image_story.pk)
        story.image, story.image_is_ai_generated = "", False
        story.save()
        assert not Article.objects.get(pk=story.pk).image

    def test_a_draft_may_untick_it(self, client, editor):
        draft = ArticleFactory(with_image=True, image_is_ai_generated=True, draft=True)
        response = client.post(change_url(draft),
                               article_form(draft, image_is_ai_generated=False))
        assert response.status_code == 302, form_errors(response)
        assert not Article.objects.get(pk=draft.pk).image_is_ai_generated


class TestAScheduledStory:
    """Not yet public: nothing of it is on the record."""

    def test_may_lower_its_involvement(self, client, editor):
        story = ArticleFactory(scheduled=True, ai_involvement="generated")
        response = client.post(change_url(story), article_form(story, ai_involvement="none"))
        assert response.status_code == 302, form_errors(response)
        assert Article.objects.get(pk=story.pk).ai_involvement == "none"

    def test_a_public_one_may_not(self, client, editor):
        story = ArticleFactory(ai_involvement="generated")
        response = client.post(change_url(story), article_form(story, ai_involvement="none"))
        assert response.status_code == 200
        assert LOWERED in form_errors(response)

    def test_a_story_whose_time_came_while_it_was_open_is_public(self, editor):
        story = ArticleFactory(scheduled=True, ai_involvement="generated")
        story = Article.objects.get(pk=story.pk)
        Article.objects.filter(pk=story.pk).update(
            published_at=timezone.now() - timedelta(minutes=1))
        story.published_at = timezone.now() - timedelta(minutes=1)
        story.ai_involvement = "none"
        with pytest.raises(ValidationError):
            story.save()
