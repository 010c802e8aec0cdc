"""Bodies stored before typographic quotes are rendered again by migration 0010."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def test_stored_bodies_get_typographic_quotes():
    executor = _migrate([("articles", "0009_image_is_illustration")])
    apps = executor.loader.project_state([("articles", "0009_image_is_illustration")]).apps
    section = apps.get_model("articles", "Section").objects.create(name="World", slug="world")
    author = apps.get_model("authors", "Author").objects.create(name="Ada Reyes", slug="ada-reyes")
    article = apps.get_model("articles", "Article").objects.create(
        headline="Quay", slug="quay", body='The mayor said "not yet". It\'s `a "code" span`.',
        body_html='<p>The mayor said "not yet". It\'s <code>a "code" span</code>.</p>',
        section=section, author=author, status="published", published_at=T)

    executor = _migrate(executor.loader.graph.leaf_nodes())

    from articles.models import Article
    body_html = Article.objects.get(pk=article.pk).body_html
    assert "\u201cnot yet\u201d" in body_html and "It\u2019s" in body_html
    assert '<code>a "code" span</code>' in body_html or "a &quot;code&quot; span" in body_html
