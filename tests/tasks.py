"""Queued tasks in tests that use the database queue, as production does, and a mail
server for them that fails as a test tells it to."""

import io
import smtplib
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.mail import SEND_AGAIN_AFTER, queue_email

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_due_tasks():
    """Make every queued task due now and run them all in a worker, as db_worker would later."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0,
                 stdout=io.StringIO())


def queued_wait(task):
    """Seconds between a task being queued and when it may run."""
    return round((task.run_after - task.enqueued_at).total_seconds())


class FlakyServer:
    """MAILERS' backend: raises `failure` while it is set, else delivers to mail.outbox.

    settings.MAILERS = {"default": {"BACKEND": "tests.tasks.FlakyServer"}}
    """

    failure = None

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def send_messages(self, messages):
        if FlakyServer.failure is not None:
            raise FlakyServer.failure
        mail.outbox.extend(messages)
        return len(messages)


def failed_email(subject="Your bias report BR-000007: upheld", to="ana@example.org"):
    """A notice the mail server would not take after every try: its task, FAILED."""
    FlakyServer.failure = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    queue_email(subject, "Thank you.", [to])
    for _ in range(len(SEND_AGAIN_AFTER) + 1):
        run_due_tasks()
    FlakyServer.failure = None
    return DBTaskResult.objects.get(status="FAILED", args_kwargs__kwargs__subject=subject)


def kept_pictures_time_up():
    """Every picture kept after it was cleared or replaced reaches its time, and its queued
    deletion runs (core.images.delete_kept_image); their names."""
    import time_machine

    from core.images import delete_kept_image
    from core.models import KeptImage

    names = []
    for kept in KeptImage.objects.order_by("kept_until"):
        with time_machine.travel(kept.kept_until + timedelta(seconds=1)):
            delete_kept_image.call(name=kept.name)
        names.append(kept.name)
    return names
