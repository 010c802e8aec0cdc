"""core/rows.py: instances from hand-written SQL, as the ORM's select_related makes them."""

import pytest
from django.db.models import signals
from django.contrib.auth import get_user_model
from django.db import connections

from articles.models import Article, Section
from authors.models import Author
from core.rows import ModelRows, loaded, once_per_connection
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


def _loaded_both_ways(model, pk, names):
    """The row of model pk as model.from_db() makes it and as loaded() does."""
    fields = [field for field in model._meta.concrete_fields if field.name in names]
    attnames = [field.attname for field in fields]
    values = list(model.objects.filter(pk=pk).values_list(*attnames).get())
    return (model.from_db("default", attnames, list(values)),
            loaded(model, "default", attnames)(list(values)))


def _state(instance):
    return {name: value for name, value in instance.__dict__.items() if name != "_state"}


@pytest.mark.django_db
def test_loaded_makes_what_from_db_makes():
    made = ArticleFactory(with_image=True, body="Some words.")
    # A card's fields, and every field: each with the file field, whose descriptor sets it.
    for names in (["id", "headline", "image", "author", "section", "image_renditions"],
                  [field.name for field in Article._meta.concrete_fields]):
        expected, story = _loaded_both_ways(Article, made.pk, names)
        assert type(story) is Article and _state(story) == _state(expected)
        assert story.get_deferred_fields() == expected.get_deferred_fields()
        assert (story._state.db, story._state.adding) == ("default", False)
        assert story.image.name == made.image.name and story.image.instance is story
        assert story.author == made.author  # the foreign key's id, read again on demand
    # after_load() ran (articles.models.Article): what clean() compares a new value with.
    assert story._stored_body == "Some words." and "published_at" in story._stored_times
    expected, section = _loaded_both_ways(Section, made.section_id, ["id", "name", "slug"])
    assert _state(section) == _state(expected) and "position" in section.get_deferred_fields()


@pytest.mark.django_db
def test_loaded_leaves_it_to_from_db_where_the_model_asks_for_more(monkeypatch):
    section = ArticleFactory().section
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    # A receiver of Model.__init__'s signals, connected after the maker was made.
    make = loaded(Section, "default", ["id", "name"])
    signals.post_init.connect(receiver, sender=Section)
    try:
        made = make([section.pk, section.name])
    finally:
        signals.post_init.disconnect(receiver, sender=Section)
    assert seen == [made] and made.name == section.name

    # A from_db() of the model's own.
    monkeypatch.setattr(Section, "from_db", classmethod(
        lambda cls, db, names, values: seen.append(values) or "its own"))
    assert loaded(Section, "default", ["id", "name"])([section.pk, "x"]) == "its own"
