"""tests/fast_flush.py: the flush between tests that commit empties every table on
PostgreSQL with DELETE, in one transaction, and leaves what resets or cascades to Django;
on either database it leaves the content types and permissions post_migrate would make
again."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.sql import sql_flush
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations

from articles.models import Article, Section
from tests import fast_flush
from tests.factories import ArticleFactory, CommentFactory


@pytest.mark.postgresql
def test_it_is_installed_for_the_suite():
    assert DatabaseOperations.sql_flush is not fast_flush.SQL_FLUSH


def _rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_every_table():
    article = ArticleFactory(with_image=True, tags=["Shipping"])
    CommentFactory(article=article)  # rows that refer to others, deleted in any order
    assert _rows("comments_comment") == _rows("taggit_taggeditem") == 1
    # What TransactionTestCase asks for after each test.
    assert all(statement.startswith("DELETE FROM ")
               for statement in sql_flush(no_style(), connection, reset_sequences=False))
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    made_again = {"django_content_type", "auth_permission", "auth_group",
                  "auth_group_permissions"}  # by post_migrate, as after any flush
    tables = set(connection.introspection.django_table_names(only_existing=True)) - made_again
    assert [table for table in sorted(tables) if _rows(table)] == []
    # Sequences go on, as after Django's TRUNCATE without RESTART IDENTITY.
    assert Section.objects.create(name="World", slug="world").pk > article.section_id
    assert not Article.objects.exists() and not User.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db
def test_resetting_sequences_or_cascading_is_left_to_django():
    for options in ({"reset_sequences": True, "allow_cascade": False},
                    {"reset_sequences": False, "allow_cascade": True}):
        statements = sql_flush(no_style(), connection, **options)
        tables = connection.introspection.django_table_names(only_existing=True,
                                                             include_views=False)
        assert statements == fast_flush.SQL_FLUSH(
            connection.ops, no_style(), [table for table in tables if table not in fast_flush.KEPT],
            **options)
        assert statements[0].startswith("TRUNCATE ")


def _kept_rows():
    return (sorted(ContentType.objects.values_list("pk", "app_label", "model")),
            sorted(Permission.objects.values_list("pk", "content_type", "codename")))


@pytest.mark.django_db(transaction=True)
def test_content_types_and_permissions_stay_and_nothing_else_does():
    """On either database: the rows post_migrate would make again after the flush are left
    as they were (the same ids), and the rows that refer to them go."""
    kept = _kept_rows()
    assert len(kept[1]) > 100  # every model's four, and the site's own
    editors = Group.objects.create(name="Flushed")
    editors.permissions.add(Permission.objects.get(codename="change_article"))
    ArticleFactory(tags=["Shipping"])  # a tagged item refers to a content type
    statements = sql_flush(no_style(), connection, reset_sequences=False)
    assert not any(table in statement for statement in statements
                   for table in ('"django_content_type"', '"auth_permission"'))
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    assert _kept_rows() == kept
    assert not Group.objects.filter(name="Flushed").exists()
    assert not Article.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_group_permissions")
        assert cursor.fetchone()[0] == 0
