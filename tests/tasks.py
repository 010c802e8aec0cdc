"""Queued tasks in tests that use the database queue, as production does."""

import io

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def run_due_tasks():
    """Make every queued task due now and run them all in a worker, as db_worker would later."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0,
                 stdout=io.StringIO())


def queued_wait(task):
    """Seconds between a task being queued and when it may run."""
    return round((task.run_after - task.enqueued_at).total_seconds())
