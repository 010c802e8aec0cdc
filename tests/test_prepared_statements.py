"""Public pages' queries are prepared on PostgreSQL; every other query is not.

core.backends.postgresql binds a query's parameters on the server and keeps
its plan while a public page is being answered (core.database,
core.pagecache.public_page), so PostgreSQL plans each of those few queries
once per connection. Everything else keeps Django's client-side binding,
with no limit on a query's parameters (tests/test_database_settings.py).
"""

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Section, _json_rows, story_by_slug
from articles.views import _story_annotations
from core.backends.postgresql.base import PreparedCursor
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory,
                             CorrectionFactory, SectionFactory, image_file)


def cursors_of(client, path):
    """(status, [whether each query ran on a preparing cursor]) of one request."""
    kinds = []

    def record(execute, sql, params, many, context):
        kinds.append(isinstance(context["cursor"].cursor, PreparedCursor))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path)
    return response.status_code, kinds


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql = false")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_story_pages_queries_are_prepared_and_the_next_story_reuses_them(client):
    first, second = (ArticleFactory(tags=["harbour", "ferries"]) for _ in range(2))
    CorrectionFactory(article=first)
    CorrectionFactory(article=second)

    status, kinds = cursors_of(client, first.get_absolute_url())
    assert status == 200 and kinds and all(kinds)
    kept = prepared_statements()
    assert len(kept) == len(kinds)  # the page's own queries, each kept once

    status, kinds = cursors_of(client, second.get_absolute_url())
    assert status == 200 and all(kinds)
    assert prepared_statements() == kept  # run again with the other story's values


@pytest.mark.postgresql
@pytest.mark.django_db
def test_other_pages_and_queries_after_a_public_page_are_not_prepared(client):
    story = ArticleFactory(tags=["harbour"])
    assert all(cursors_of(client, story.get_absolute_url())[1])

    status, kinds = cursors_of(client, "/search/?q=harbour")
    assert status == 200 and kinds and not any(kinds)
    status, kinds = cursors_of(client, "/accounts/login/")
    assert status == 200 and not any(kinds)
    # Between requests (commands, tasks, tests), queries go as Django sends them.
    with CaptureQueriesContext(connection):
        with connection.cursor() as cursor:
            assert not isinstance(cursor.cursor, PreparedCursor)
    assert not connection.prepare_queries


@pytest.mark.postgresql
@pytest.mark.django_db
def test_prepared_queries_show_their_values_in_captured_sql(client):
    story = ArticleFactory(slug="harbour-ferries-return")
    with CaptureQueriesContext(connection) as captured:
        client.get(story.get_absolute_url())
    assert any("'harbour-ferries-return'" in query["sql"] for query in captured.captured_queries)


def migrate_elsewhere(*statements):
    """Run DDL as a migration in another process would: its own connection, committed."""
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                         user=settings["USER"], dbname=settings["NAME"],
                         autocommit=True) as migration:
        for statement in statements:
            migration.execute(statement)


STORY_TABLES = ("taggit_tag", "articles_correction", "articles_article", "articles_section",
                "authors_author")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_column_added_by_a_migration_elsewhere_does_not_break_kept_plans(client):
    """Workers keep their plans while another process migrates: queries name their columns.

    A plan kept for SELECT t.* no longer fits once the table has another column.
    """
    story = ArticleFactory(tags=["harbour"])
    CorrectionFactory(article=story)
    assert client.get(story.get_absolute_url()).status_code == 200
    migrate_elsewhere(*(f'ALTER TABLE "{table}" ADD COLUMN added_later integer'
                        for table in STORY_TABLES))
    try:
        assert client.get(story.get_absolute_url()).status_code == 200
    finally:
        migrate_elsewhere(*(f'ALTER TABLE "{table}" DROP COLUMN added_later'
                            for table in STORY_TABLES))
        connection.close()  # the next test's plans start afresh


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_column_type_changed_elsewhere_is_planned_again(client):
    """PostgreSQL refuses a kept plan whose result changed type; the page plans afresh."""
    story = ArticleFactory(tags=["harbour"])
    assert client.get(story.get_absolute_url()).status_code == 200
    migrate_elsewhere('ALTER TABLE "articles_section" ALTER COLUMN "name" TYPE text')
    try:
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert story.section.name in response.content.decode()
    finally:
        migrate_elsewhere('ALTER TABLE "articles_section" ALTER COLUMN "name" TYPE varchar(80)')
        connection.close()  # the next test's plans start afresh


def orm_story(slug):
    stories = (Article.objects.select_related("section", "author", "ai_reviewed_by")
               .defer("ai_reviewed_by__password"))
    for annotations in _story_annotations:
        stories = stories.annotate(**annotations())
    return stories.get(slug=slug)


def fields(instance):
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


@pytest.mark.django_db
@pytest.mark.parametrize("reviewed", [False, True])
def test_the_story_query_loads_what_the_orm_loads(reviewed):
    # An AI persona's story names its reviewer (the factory's desk editor).
    author = AuthorFactory(ai=reviewed, avatar=image_file("portrait.jpg"))
    story = ArticleFactory(author=author, with_image=True, tags=["zebra", "apple"])
    story.tags.add("mango")  # the order they were added, not their ids' or their names'
    ArticleFactory(tags=["apple", "other"])
    BiasReportFactory(article=story, status="upheld")
    BiasReportFactory(article=story, status="dismissed")
    BiasReportFactory(article=story)
    annotations = {name: expression for made in _story_annotations
                   for name, expression in made().items()}

    SectionFactory(name="Alpha", position=story.section.position)  # ordered by name too
    SectionFactory(name="First", position=0)
    (loaded, tags, sections), expected = (story_by_slug(story.slug, annotations),
                                          orm_story(story.slug))

    assert fields(loaded) == fields(expected)
    assert [fields(tag) for tag in tags] == [fields(tag) for tag in expected.tags.all()]
    assert [tag.name for tag in tags] == ["zebra", "apple", "mango"]
    assert not any(tag._state.adding for tag in tags)
    assert [fields(section) for section in sections] == [
        fields(section) for section in Section.objects.all()]
    assert (loaded.bias_reports_reviewed, loaded.bias_reports_upheld) == (2, 1)
    assert fields(loaded.section) == fields(expected.section)
    assert fields(loaded.author) == fields(expected.author)
    assert loaded.hero == expected.hero and loaded.hero
    if reviewed:
        assert fields(loaded.ai_reviewed_by) == fields(expected.ai_reviewed_by)
        assert "password" in loaded.ai_reviewed_by.get_deferred_fields()
    else:
        assert loaded.ai_reviewed_by is None
    assert story_by_slug(ArticleFactory().slug, annotations)[1] == []  # no tags
    assert story_by_slug("no-such-story", annotations) is None


def test_rows_read_as_json_are_only_those_json_keeps_as_they_are():
    # A date would come back as text: the story's query refuses to read one so.
    with pytest.raises(ValueError, match="published_at"):
        _json_rows(connection, Article, "a", "articles_article a", "a.id")
