"""Emails the mail server cannot take yet are sent again later (core/mail.py, @sends_mail).

The tasks wait in the database queue, as in production; a worker runs them
when the test makes them due. The mail server fails as the test tells it to
(the flaky_mail fixture, tests/tasks.py).
"""

import smtplib
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from core.mail import SEND_AGAIN_AFTER, queue_email
from tests.factories import UserFactory
from tests.tasks import queued_wait, run_due_tasks


def statuses():
    return list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))


def test_an_email_the_server_cannot_take_yet_goes_out_a_minute_later(flaky_mail, caplog):
    flaky_mail.failure = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    queue_email("Your bias report BR-000001: upheld", "Thank you.", ["ana@example.org"])
    run_due_tasks()
    assert mail.outbox == []
    assert statuses() == ["SUCCESSFUL", "READY"]
    first, again = DBTaskResult.objects.order_by("enqueued_at")
    assert first.return_value == ("not sent yet: SMTPServerDisconnected, "
                                  "trying again in 60 seconds")
    assert again.task_path == "core.mail.send_email"
    assert again.args_kwargs["kwargs"] == {**first.args_kwargs["kwargs"], "attempt": 1}
    assert queued_wait(again) == 60
    assert "core.mail.send_email: the mail server could not take it" in caplog.text

    flaky_mail.failure = None
    run_due_tasks()
    assert statuses() == ["SUCCESSFUL", "SUCCESSFUL"]
    [message] = mail.outbox
    assert (message.subject, message.to) == ("Your bias report BR-000001: upheld",
                                             ["ana@example.org"])


def test_the_waits_grow_and_then_the_failure_fails_the_task(flaky_mail):
    flaky_mail.failure = ConnectionRefusedError(111, "Connection refused")
    queue_email("Subject", "Body", ["ana@example.org"])
    waits = []
    for _ in range(len(SEND_AGAIN_AFTER) + 2):
        run_due_tasks()
        waiting = DBTaskResult.objects.filter(status="READY")
        if not waiting:
            break
        waits.append(queued_wait(waiting.get()))
    assert waits == [60, 300, 1800, 7200]
    assert statuses() == ["SUCCESSFUL"] * 4 + ["FAILED"]
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    assert mail.outbox == []


@pytest.mark.parametrize("failure, again", [
    (smtplib.SMTPRecipientsRefused({"ana@example.org": (550, b"5.1.1 No such user")}), False),
    (smtplib.SMTPRecipientsRefused({"ana@example.org": (450, b"4.2.0 Greylisted")}), True),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),
    (smtplib.SMTPDataError(554, b"5.7.1 Message refused"), False),
    (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), True),
    (smtplib.SMTPConnectError(421, b"Too many connections"), True),
    (TimeoutError("timed out"), True),
])
def test_only_a_failure_that_may_pass_is_tried_again(flaky_mail, failure, again):
    """A 5xx answer is the server's last word; a 4xx one, or no answer, may pass."""
    flaky_mail.failure = failure
    queue_email("Subject", "Body", ["ana@example.org"])
    run_due_tasks()
    assert statuses() == (["SUCCESSFUL", "READY"] if again else ["FAILED"])


def test_a_reset_link_the_server_could_not_take_is_made_and_sent_later(flaky_mail, client):
    """The task holds the address, not the link: the worker makes a fresh one when it sends."""
    UserFactory(username="ana", email="ana@example.org")
    flaky_mail.failure = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    response = client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    assert response.status_code == 302
    run_due_tasks()
    assert mail.outbox == []
    again = DBTaskResult.objects.get(status="READY")
    assert again.task_path == "accounts.views.send_password_reset"
    assert sorted(again.args_kwargs["kwargs"]) == ["attempt", "domain", "email", "protocol",
                                                   "user_ids"]
    assert again.args_kwargs["kwargs"]["attempt"] == 1

    flaky_mail.failure = None
    run_due_tasks()
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    form = client.get(urlsplit(link).path, follow=True)
    assert "Choose a new password" in form.content.decode()
