"""An author's AI flag stays fixed once readers have seen a story of theirs (QA, defect 1).

Unpublishing or deleting the stories used to free it: a persona's stories
could be taken down, the persona made a person, and the stories published
again under the same name without the AI badge. The import file's path is
checked here too: it asks the same question (Author.has_published_stories).
"""

import importlib
import io
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles.models import Article
from authors.models import AI_FLAG_FIXED, Author
from tests.articles.newsroom import LIST_URL, staff
from tests.factories import ArticleFactory, AuthorFactory
from tests.security.test_ai_rule import DISCLOSURE, author_form, author_url, html

pytestmark = pytest.mark.django_db

def act(client, action, stories):
    response = client.post(LIST_URL, {"action": action,
                                      "_selected_action": [story.pk for story in stories]})
    assert response.status_code == 302
    return response


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


@pytest.fixture
def tidewatch(editor):
    """EVA Tidewatch, an AI persona with two public stories."""
    persona = AuthorFactory(ai=True, name="EVA Tidewatch", slug="eva-tidewatch",
                            ai_disclosure=DISCLOSURE)
    stories = [ArticleFactory(author=persona, ai_involvement="generated", ai_reviewed_by=editor)
               for _ in range(2)]
    return persona, stories


class TestUnpublishedStoriesStillCount:
    def test_a_persona_whose_stories_were_unpublished_cannot_be_made_a_person(
            self, client, tidewatch):
        persona, stories = tidewatch
        act(client, "unpublish", stories)
        assert not Article.objects.published().filter(author=persona).exists()

        response = client.post(author_url(persona), author_form(persona, is_ai=None))

        assert response.status_code == 200
        assert AI_FLAG_FIXED in html(response)
        persona.refresh_from_db()
        assert persona.is_ai
        # Published again, the stories are still the persona's, with the badge.
        act(client, "publish_now", stories)
        client.logout()
        page = html(client.get(stories[0].get_absolute_url()))
        assert 'href="/authors/eva-tidewatch/#ai-disclosure"' in page

    def test_a_person_whose_stories_were_unpublished_cannot_be_made_a_persona(
            self, client, editor):
        person = AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
        story = ArticleFactory(author=person)
        act(client, "unpublish", [story])

        response = client.post(author_url(person),
                               author_form(person, is_ai="on", ai_disclosure=DISCLOSURE))

        assert response.status_code == 200
        assert AI_FLAG_FIXED in html(response)
        assert DISCLOSURE in html(response)  # what was typed is kept
        person.refresh_from_db()
        assert not person.is_ai

    def test_deleted_stories_count(self, client, tidewatch):
        persona, stories = tidewatch
        Article.objects.filter(pk__in=[story.pk for story in stories]).delete()

        response = client.post(author_url(persona), author_form(persona, is_ai=None))

        assert AI_FLAG_FIXED in html(response)
        assert Author.objects.get(pk=persona.pk).is_ai

    def test_a_story_given_another_byline_counts_for_the_first(self, editor):
        first, second = AuthorFactory(), AuthorFactory()
        story = ArticleFactory(author=first)
        story.author = second
        story.save()

        first.is_ai, first.ai_disclosure = True, DISCLOSURE
        with pytest.raises(Exception) as refused:
            first.save()
        assert refused.value.message_dict == {"is_ai": [AI_FLAG_FIXED]}

    def test_the_admin_says_the_flag_stays_fixed(self, client, tidewatch):
        persona, _ = tidewatch
        page = html(client.get(author_url(persona)))
        assert "stays so after the story is unpublished or deleted" in page

    def test_a_copy_loaded_before_the_takedown_does_not_clear_the_record(self, tidewatch):
        persona, stories = tidewatch
        stale = Author.objects.get(pk=persona.pk)
        for story in stories:
            story.status = Article.Status.DRAFT
            story.save()
        stale.title = "Tides desk"
        stale.save()
        assert Author.objects.get(pk=persona.pk).has_published


class TestWhatNeverWentOutLeavesTheFlagFree:
    def test_a_scheduled_story_withdrawn_before_its_time(self, client, editor):
        person = AuthorFactory(name="New Desk", slug="new-desk")
        story = ArticleFactory(author=person, published_at=timezone.now() + timedelta(days=1))
        act(client, "unpublish", [story])

        response = client.post(author_url(person),
                               author_form(person, is_ai="on", ai_disclosure=DISCLOSURE))

        assert response.status_code == 302, html(response)[:2000]
        assert Author.objects.get(pk=person.pk).is_ai

    def test_a_draft_deleted(self, editor):
        person = AuthorFactory()
        ArticleFactory(author=person, draft=True).delete()
        person.is_ai, person.ai_disclosure = True, DISCLOSURE
        person.save()
        assert Author.objects.get(pk=person.pk).is_ai


def test_the_import_file_is_refused_too(settings, tmp_path, tidewatch):
    persona, stories = tidewatch
    for story in stories:
        story.status = Article.Status.DRAFT
        story.save()
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [{
        "slug": "tides", "headline": "Tides", "body": "The tide turned.", "section": "World",
        "status": "draft", "author": {"name": "EVA Tidewatch", "is_ai": False}}]}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert f'field "author.is_ai": {AI_FLAG_FIXED}' in err.getvalue()
    assert Author.objects.get(pk=persona.pk).is_ai


class TestTheMigrationReadsTheRevisions:
    """Authors whose stories were public before has_published existed are marked from history."""

    def mark(self):
        migration = importlib.import_module("authors.migrations.0002_ai_flag_fixed_once_published")
        migration.mark_authors_readers_were_shown(apps, None)

    def forget(self):
        Author.objects.update(has_published=False)

    def test_a_story_public_then_unpublished(self):
        author = AuthorFactory()
        story = ArticleFactory(author=author)
        story.status = Article.Status.DRAFT
        story.save()
        self.forget()
        self.mark()
        assert Author.objects.get(pk=author.pk).has_published

    def test_a_story_public_then_deleted(self):
        author = AuthorFactory()
        ArticleFactory(author=author).delete()
        self.forget()
        self.mark()
        assert Author.objects.get(pk=author.pk).has_published

    def test_a_scheduled_story_withdrawn_in_time_and_a_draft(self):
        author = AuthorFactory()
        scheduled = ArticleFactory(author=author,
                                   published_at=timezone.now() + timedelta(days=1))
        scheduled.status = Article.Status.DRAFT
        scheduled.save()
        ArticleFactory(author=author, draft=True)
        self.mark()
        assert not Author.objects.get(pk=author.pk).has_published
