"""core/rows.py: instances from hand-written SQL, as the ORM's select_related makes them."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from articles.models import Article, Section
from authors.models import Author
from core.rows import ModelRows, once_per_connection
from tests.factories import ArticleFactory

User = get_user_model()


def story_and_author(connection):
    name = connection.ops.quote_name
    # Field names in any order: the row holds them in the models' own order.
    rows = ModelRows(
        connection, Article, "a", ["image_renditions", "headline", "author", "id", "published_at"],
        related=[("ai_reviewed_by", "r", ["username", "id"]),  # outer-joined, no reviewer: None
                 ("author", "u", None)],
        extra=[("section_name", Section._meta.get_field("name").get_col("s"))])
    return rows, (f"SELECT {rows.columns}, s.{name('name')} "
                  f"FROM {name(Article._meta.db_table)} a "
                  f"LEFT JOIN {name(User._meta.db_table)} r ON r.id = a.ai_reviewed_by_id "
                  f"JOIN {name(Author._meta.db_table)} u ON u.id = a.author_id "
                  f"JOIN {name(Section._meta.db_table)} s ON s.id = a.section_id "
                  "WHERE a.id = %s")


@pytest.mark.django_db
def test_rows_make_the_instances_the_orm_makes():
    made = ArticleFactory(with_image=True)
    rows, sql = once_per_connection(connections["default"], "test-rows", story_and_author)
    assert once_per_connection(connections["default"], "test-rows", story_and_author)[0] is rows

    [story] = rows.fetch(sql, [made.pk])
    author = story.author

    expected = Article.objects.get(pk=made.pk)
    assert (story.pk, story.headline, story.author_id) == (made.pk, made.headline, made.author_id)
    assert story.published_at == expected.published_at  # an aware datetime on every database
    assert story.image_renditions == expected.image_renditions  # JSON read as the field reads it
    assert "body" in story.get_deferred_fields() and "headline" not in story.get_deferred_fields()
    assert story.ai_reviewed_by is None and story.section_name == made.section.name
    assert author == made.author and author.name == made.author.name
    assert story._state.db == author._state.db == "default" and not story._state.adding


def test_a_part_needs_its_primary_key_and_its_own_fields():
    with pytest.raises(ValueError, match="primary key"):
        ModelRows(connections["default"], Section, "s", ["name"])
    with pytest.raises(ValueError, match="concrete fields"):
        ModelRows(connections["default"], Section, "s", ["id", "articles"])
