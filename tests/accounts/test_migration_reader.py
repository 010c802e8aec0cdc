"""The readers' admin moves from comments to accounts with its permissions and log entries."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Reader

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before the Reader proxy left comments (issue 13).
BEFORE = [("accounts", "0002_username_skeletons_of_existing_users"),
          ("comments", "0004_biasreport_moved_to_standards")]
T = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def test_the_move_keeps_the_content_type_permissions_and_log_entries():
    executor = _migrate(BEFORE)
    moved_apps = {app for app, _ in BEFORE}
    today = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved_apps]
    apps = executor.loader.project_state(today + BEFORE).apps
    ContentType_ = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # A database at those migrations knows the proxy under comments only (migrating
    # this test database back leaves the newer content type behind).
    ContentType_.objects.filter(app_label="accounts", model="reader").delete()
    reader_type, _ = ContentType_.objects.get_or_create(app_label="comments", model="reader")
    desk = apps.get_model("auth", "Group").objects.create(name="Reader desk")
    for action in ("view", "change"):
        permission, _ = Permission.objects.get_or_create(
            content_type=reader_type, codename=f"{action}_reader",
            defaults={"name": f"Can {action} reader"})
        desk.permissions.add(permission)
    user = apps.get_model("auth", "User").objects.create(username="ana", date_joined=T)
    apps.get_model("admin", "LogEntry").objects.create(
        user=user, content_type=reader_type, object_id=str(user.pk), object_repr="ana",
        action_flag=2, action_time=T)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()  # this process cached the row's old id

    moved = ContentType.objects.get_for_model(Reader, for_concrete_model=False)
    assert (moved.pk, moved.app_label) == (reader_type.pk, "accounts")
    assert not ContentType.objects.filter(app_label="comments", model="reader").exists()
    assert {f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name="Reader desk").permissions.all()} == {
        "accounts.view_reader", "accounts.change_reader"}
    assert LogEntry.objects.get().get_edited_object() == Reader.objects.get(username="ana")
    moderators = {f"{p.content_type.app_label}.{p.codename}"
                  for p in Group.objects.get(name="Moderators").permissions.all()}
    assert {"accounts.view_reader", "accounts.change_reader"} <= moderators
