"""The task queue's admin list: queue a failed or abandoned task again, once (newsletter/admin.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.mail import queue_email
from tests.factories import UserFactory
from tests.tasks import failed_email, run_due_tasks

LIST = "/admin/django_tasks_database/dbtaskresult/"


@pytest.fixture
def admin_client(client, transactional_db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def queue_again(client, *results):
    return client.post(LIST, {"action": "queue_again", "index": "0", "select_across": "0",
                              "_selected_action": [str(r.pk) for r in results]}, follow=True)


def texts(response):
    return [str(message) for message in response.context["messages"]]


def test_a_failed_email_is_queued_again_once_and_sent(flaky_mail, admin_client):
    failed = failed_email()
    response = queue_again(admin_client, failed)
    assert texts(response) == ["Queued 1 task again."]
    again = DBTaskResult.objects.get(status="READY")
    assert (again.task_path, again.args_kwargs) == (failed.task_path, failed.args_kwargs)
    assert again.run_after <= timezone.now()  # due at once

    # A second click (or a colleague's) queues nothing more.
    response = queue_again(admin_client, failed)
    assert texts(response)[0].startswith("1 left as it was: only a task that failed")
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    run_due_tasks()
    [message] = mail.outbox
    assert message.subject == "Your bias report BR-000007: upheld"


def test_a_task_a_worker_left_unfinished_is_marked_and_queued_again(flaky_mail, admin_client):
    queue_email("Welcome", "Hello.", ["bo@example.org"])
    result = DBTaskResult.objects.get()
    started = timezone.now() - timedelta(minutes=31)
    DBTaskResult.objects.filter(pk=result.pk).update(status="RUNNING", started_at=started)

    assert texts(queue_again(admin_client, result)) == ["Queued 1 task again."]
    result.refresh_from_db()
    assert result.status == "FAILED"
    assert result.exception_class_path == "newsletter.admin.TaskAbandoned"
    assert "never finished; queued again from the admin by root" in result.traceback
    run_due_tasks()
    assert [m.to for m in mail.outbox] == [["bo@example.org"]]


def test_running_waiting_and_finished_tasks_are_left_as_they_are(flaky_mail, admin_client):
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        queue_email("Subject", "Body", [address])
    waiting, running, done = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=running.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=5))
    DBTaskResult.objects.filter(pk=done.pk).update(status="SUCCESSFUL")

    response = queue_again(admin_client, waiting, running, done)
    assert texts(response) == [
        "3 left as they were: only a task that failed, or that a worker left unfinished "
        "for 30 minutes, is queued again, and only once."]
    assert DBTaskResult.objects.count() == 3


def test_a_task_that_no_longer_exists_is_named_and_not_queued(flaky_mail, admin_client):
    failed = failed_email()
    DBTaskResult.objects.filter(pk=failed.pk).update(task_path="core.mail.gone_task")
    response = queue_again(admin_client, failed)
    assert texts(response) == ["Not queued again: core.mail.gone_task is no longer a task."]
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_only_superusers_reach_the_queue(flaky_mail, client):
    client.force_login(UserFactory(username="ed", is_staff=True))
    assert client.get(LIST).status_code == 403
