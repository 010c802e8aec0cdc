"""core.migration_operations.ConcurrentIndex: the four index migrations' shared operation."""

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import OperationWriter

from core.migration_operations import ConcurrentIndex

pytestmark = pytest.mark.django_db(transaction=True)

OPERATION = ConcurrentIndex("qa_target_idx", "comments_moderationaction", "target",
                            postgresql_columns="target varchar_pattern_ops")


def _indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "comments_moderationaction")
    return {name for name, about in constraints.items() if about["index"]}


def _run(direction):
    state = ProjectState()
    with connection.schema_editor(atomic=False) as editor:
        getattr(OPERATION, f"database_{direction}")("comments", editor, state, state)


def test_the_index_is_made_and_dropped_in_the_database_as_it_stands():
    assert "qa_target_idx" not in _indexes()
    _run("forwards")
    try:
        assert "qa_target_idx" in _indexes()
        _run("forwards")  # IF NOT EXISTS: a migration run again after a failure goes on
    finally:
        _run("backwards")
    assert "qa_target_idx" not in _indexes()


def test_the_sql_is_concurrent_on_postgresql_with_its_operator_class():
    state = ProjectState()
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        OPERATION.database_forwards("comments", editor, state, state)
        OPERATION.database_backwards("comments", editor, state, state)
    create, drop = editor.collected_sql
    if connection.vendor == "postgresql":
        assert create == ("CREATE INDEX CONCURRENTLY IF NOT EXISTS qa_target_idx "
                          "ON comments_moderationaction (target varchar_pattern_ops);")
        assert drop == "DROP INDEX CONCURRENTLY IF EXISTS qa_target_idx;"
    else:
        assert create == ("CREATE INDEX IF NOT EXISTS qa_target_idx "
                          "ON comments_moderationaction (target);")
        assert drop == "DROP INDEX IF EXISTS qa_target_idx;"


def test_it_is_written_into_a_migration_as_it_was_given():
    written, imports = OperationWriter(OPERATION).serialize()
    assert "import core.migration_operations" in imports
    namespace = {}
    # As a migration lists it: "core.migration_operations.ConcurrentIndex(…),".
    exec("\n".join([*imports, f"operation = {written.rstrip(',')}"]), namespace)
    assert namespace["operation"].deconstruct() == OPERATION.deconstruct()
    assert OPERATION.describe().startswith("Create index qa_target_idx")
