"""seed_scale writes stories the model's own rules accept, QA round 6.

It wrote AI-persona stories with AI involvement "None" and AI stories with
no reviewing editor, rows Article.clean() refuses: on those stories the
admin's "Unpublish" was refused, and the bench's churn had to leave them out.
"""

import io

import pytest
from django.core.management import call_command

from articles.models import REVIEW_LEAD, Article
from tests.articles.newsroom import LIST_URL

pytestmark = pytest.mark.django_db


def seed(articles=300):
    call_command("seed_scale", articles=articles, comments=20, readers=5,
                 allow_without_debug=True, stdout=io.StringIO())


def test_every_story_it_writes_passes_the_models_rules():
    seed()
    stories = list(Article.objects.select_related("author", "ai_reviewed_by"))
    by_persona = [story for story in stories if story.author.is_ai]
    to_review = [story for story in stories
                 if story.status == Article.Status.PUBLISHED and story.needs_ai_review()]
    assert by_persona and to_review  # the rules below are not met by having no such story
    for story in stories:
        story._stored_times = {}  # its times checked as if just given (_review_time_error)
        story.clean()
    for story in to_review:
        assert story.ai_reviewed_by is not None
        began = min(story.created_at, story.published_at)
        assert began - REVIEW_LEAD <= story.ai_reviewed_at <= story.created_at
    assert {story.ai_involvement for story in by_persona} == {"assisted", "generated"}


def test_the_admin_unpublishes_an_ai_personas_story(client, editor):
    seed(articles=60)
    story = Article.objects.filter(author__is_ai=True, status=Article.Status.PUBLISHED).first()
    response = client.post(LIST_URL, {"action": "unpublish", "_selected_action": [story.pk]},
                           follow=True)
    assert [str(message) for message in response.context["messages"]] == [
        "Unpublished 1 story."]
    assert Article.objects.get(pk=story.pk).status == Article.Status.DRAFT
