"""Migration 0025: text stored before stray direction controls were stripped on save
loses them, as a save would strip them now; paired controls and everything else stay."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from taggit.models import Tag

from articles.models import Article
from authors.models import Author
from comments.models import Comment
from core.text import strip_stray_bidi
from tests.factories import ArticleFactory, AuthorFactory, CommentFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("articles.migrations.0025_strip_stored_direction_controls")
RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"


def migrate():
    MIGRATION.strip_stored_direction_controls(django_apps,
                                              SimpleNamespace(connection=connection))


def stored(model, pk, **fields):
    """Write fields past save(), as a row saved before this round was."""
    model.objects.filter(pk=pk).update(**fields)


def test_rows_stored_with_stray_controls_lose_them_and_paired_ones_stay():
    story = ArticleFactory(headline="Harbour news")
    paired = f"Said {RLI}\u05e9\u05dc\u05d5\u05dd{PDI} twice"
    stored(Article, story.pk, headline=f"Harbour news {RLO}", dek=paired,
           body=f"One {RLO}line\n\nTwo", body_html=f"<p>One {RLO}line</p>\n<p>Two</p>")
    author = AuthorFactory(name="Ada Quay")
    stored(Author, author.pk, bio=f"Writes {RLO}about ports")
    comment = CommentFactory(article=story, body="Fine words")
    stored(Comment, comment.pk, body=f"Fine {RLO}words")
    tag = Tag.objects.create(name="ports", slug="ports")
    stored(Tag, tag.pk, name=f"ports{RLO}")
    updated_at = Article.objects.values_list("updated_at", flat=True).get(pk=story.pk)

    migrate()

    story = Article.objects.get(pk=story.pk)
    assert story.headline == "Harbour news "
    assert story.dek == paired
    assert story.body == "One line\n\nTwo"
    assert story.body_html == "<p>One line</p>\n<p>Two</p>"
    assert story.updated_at == updated_at  # nothing a reader would call an update
    assert Author.objects.get(pk=author.pk).bio == "Writes about ports"
    assert Comment.objects.get(pk=comment.pk).body == "Fine words"
    assert Tag.objects.get(pk=tag.pk).name == "ports"


def test_it_cleans_as_a_save_does():
    for value in (f"a{RLO}b", f"a{RLI}b{PDI}c", f"a{RLI}b\nc{PDI}", f"a{PDF}b", "plain"):
        assert MIGRATION.strip_stray_bidi(value) == strip_stray_bidi(value)


def test_a_cleaned_name_another_row_has_is_kept_and_said(capsys):
    Tag.objects.create(name="ports", slug="ports")
    twin = Tag.objects.create(name="ports two", slug="ports-two")
    stored(Tag, twin.pk, name=f"ports{RLO}")
    migrate()
    assert Tag.objects.get(pk=twin.pk).name == f"ports{RLO}"
    assert "is taken; kept as stored" in capsys.readouterr().out


def test_rows_with_nothing_to_clean_are_not_written():
    ArticleFactory(headline="Plain harbour news")
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as queries:
        migrate()
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
