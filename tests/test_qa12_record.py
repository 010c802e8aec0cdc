"""QA round 12, the newsroom's record and its background tasks.

Staff actions that change something are on the admin's record (LogEntry): the task queue's
"Queue again" wrote nothing.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.mail import queue_email
from tests.factories import UserFactory
from tests.tasks import failed_email

TASKS = "/admin/django_tasks_database/dbtaskresult/"


@pytest.fixture
def root(client, transactional_db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def queue_again(client, *results):
    return client.post(TASKS, {"action": "queue_again", "index": "0", "select_across": "0",
                               "_selected_action": [str(r.pk) for r in results]}, follow=True)


def task_entries():
    kind = ContentType.objects.get_for_model(DBTaskResult)
    return {(entry.object_id, entry.action_flag, entry.user.username, entry.get_change_message())
            for entry in LogEntry.objects.filter(content_type=kind)}


def test_a_task_queued_again_is_on_the_record_of_both_tasks(flaky_mail, client, root):
    failed = failed_email()
    queue_again(client, failed)
    again = DBTaskResult.objects.get(status="READY")
    assert task_entries() == {
        (str(failed.pk), CHANGE, "root", f"Queued again as {again.pk}."),
        (str(again.pk), ADDITION, "root", f"Queued again from {failed.pk}."),
    }
    # Each task's history page shows it.
    page = client.get(f"{TASKS}{failed.pk}/history/").content.decode()
    assert f"Queued again as {again.pk}." in page and "root" in page

    # A second click queues nothing, and records nothing.
    queue_again(client, failed)
    assert len(task_entries()) == 2


def test_an_abandoned_task_marked_failed_and_queued_again_says_both(flaky_mail, client, root):
    queue_email("Welcome", "Hello.", ["bo@example.org"])
    left = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=left.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=31))
    queue_again(client, left)
    again = DBTaskResult.objects.get(status="READY")
    assert (str(left.pk), CHANGE, "root", "Marked failed (left unfinished by a worker) and "
            f"queued again as {again.pk}.") in task_entries()


def test_tasks_left_as_they_were_are_not_on_the_record(flaky_mail, client, root):
    queue_email("Subject", "Body", ["a@example.org"])
    queue_again(client, DBTaskResult.objects.get())  # waiting: left alone
    assert task_entries() == set()
