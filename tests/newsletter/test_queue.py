"""Every email goes through the database queue: the request stores a task, a worker sends it.

These tests use django-tasks-db as production does and run its db_worker
in-process (`--batch`: until the queue is empty); tests/integration/ runs it
as a separate process against a real SMTP server.
"""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from standards.models import BiasReport
from standards.workflow import decide_bias_report
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_a_password_reset_is_queued_without_its_link_and_sent_by_the_worker(client):
    UserFactory(username="ana", email="ana@example.org")
    response = client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []  # the request did not send it
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "accounts.views.send_password_reset"
    assert "/reset/" not in str(task.args_kwargs)  # no live link waits in the database
    run_worker()
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Reset your EVA DAILY password"
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    form = client.get(urlsplit(link.strip()).path, follow=True)
    assert "Choose a new password" in form.content.decode()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_reset_is_not_sent_if_the_account_changed_its_address_meanwhile(client):
    user = UserFactory(username="ana", email="ana@example.org")
    client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    user.email = "new@example.org"
    user.save()
    run_worker()
    assert mail.outbox == []


def test_sign_up_and_bias_report_outcomes_go_through_the_queue(client):
    client.post("/accounts/signup/", {"username": "bo", "email": "bo@example.org",
                                      "password1": "a-long-test-passphrase",
                                      "password2": "a-long-test-passphrase"})
    report = BiasReport.objects.create(article=ArticleFactory(), reason="other",
                                       details="d", contact_email="cy@example.org")
    decide_bias_report(report, BiasReport.Status.DISMISSED, UserFactory(is_staff=True))
    assert mail.outbox == []
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "accounts.notices.send_notice", "core.mail.send_email"]
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["bo@example.org", "cy@example.org"]


def test_a_subscription_and_its_edition_go_through_the_queue(client, newsroom):
    from tests.newsletter.conftest import links, post_subscribe
    from tests.newsletter.test_edition import send_edition

    post_subscribe(client, "ana@example.org")
    assert mail.outbox == []
    run_worker()
    (confirm,) = links(mail.outbox[0], "/newsletter/confirm/")
    client.post(confirm)
    assert send_edition().startswith("Queued the edition")
    assert len(mail.outbox) == 1
    run_worker()
    assert [m.subject for m in mail.outbox][1] == "EVA DAILY for Wednesday, December 2, 2026"
    # The watcher waits in the queue for its time; it finishes the edition then.
    (watcher,) = DBTaskResult.objects.filter(status="READY")
    assert watcher.task_path == "newsletter.tasks.watch_edition"
