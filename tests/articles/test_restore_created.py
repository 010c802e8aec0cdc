"""A deleted story restored from its revision keeps the day it was created, and so its id
in feeds (articles.feeds.story_id): it had been given the day of the restore."""

from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
import time_machine

from articles.feeds import story_id
from articles.models import Article
from tests.articles.newsroom import article_form, history_url, staff
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)


def test_a_restored_story_keeps_its_creation_day_and_feed_id(client):
    client.force_login(staff("Editors", username="editor"))
    with time_machine.travel(CREATED, tick=False):
        article = ArticleFactory(headline="Ferry strike ends", published_at=CREATED)
    guid = story_id(article)
    assert client.post(f"/admin/articles/article/{article.pk}/delete/",
                       {"post": "yes"}).status_code == 302
    url = f"{history_url(article)}{article.history.get(history_type='+').pk}/"
    form = client.get(url).context["adminform"].form
    data = {**article_form(form.instance, tags=form.initial["tags"]),
            "_save": "Revert", "_edit_version": form.edit_version}

    assert client.post(url, data).status_code == 302

    restored = Article.objects.get(pk=article.pk)
    assert restored.created_at == CREATED
    assert story_id(restored) == guid


def test_a_new_story_is_created_now():
    with time_machine.travel(CREATED, tick=False):
        assert ArticleFactory().created_at == CREATED
