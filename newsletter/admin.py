"""The task queue in the admin, under the site's rule for list filters (core.E001).

django-tasks-db registers its own ModelAdmin for the queue; it is registered
again here with DeclaredLookupsOnly, as the system check requires of every
list. Only superusers see it: no newsroom role is given its permissions.

A task that failed for good (an email the mail server would not take after
every try, say) or that a worker left unfinished (killed, or its machine
lost) can be queued again from the list, once: the action "Queue again". Each
one queued again is on the admin's record (LogEntry), in both tasks' histories.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import InvalidTask
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from core.admin import DeclaredLookupsOnly

# No task here runs this long: one a worker started longer ago and never
# finished was left by a worker that stopped.
ABANDONED_AFTER = timedelta(minutes=30)


class TaskAbandoned(Exception):
    """A worker started the task and stopped before it finished."""


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DeclaredLookupsOnly, DBTaskResultAdmin):
    actions = ["queue_again"]

    @admin.action(description="Queue again (failed, or left unfinished by a worker)")
    def queue_again(self, request, queryset):
        queued, left, broken = 0, 0, []
        for result in queryset.order_by("enqueued_at"):
            abandoned = self.is_abandoned(result)
            if not (result.status == TaskResultStatus.FAILED or abandoned) \
                    or self.queued_since(result):
                left += 1
                continue
            try:
                task = result.task  # as queued before: its run_after has passed, it runs now
            except (ImportError, SuspiciousOperation, InvalidTask):
                broken.append(result.task_path)
                continue
            with transaction.atomic():
                if abandoned:
                    started = date_format(timezone.localtime(result.started_at),
                                          "DATETIME_FORMAT")
                    result.set_failed(TaskAbandoned(
                        f"Started {started} and never finished; queued again from the admin "
                        f"by {request.user.get_username()}."))
                again = task.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
                # On the admin's record, as every other staff change is: both tasks'
                # histories say who queued which again.
                self.log_change(request, result, (
                    f"Marked failed (left unfinished by a worker) and queued again as {again.id}."
                    if abandoned else f"Queued again as {again.id}."))
                self.log_addition(request, again.db_result,
                                  f"Queued again from {result.pk}.")
            queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} task{'s' if queued != 1 else ''} "
                              "again.", messages.SUCCESS)
        if left:
            self.message_user(
                request, f"{left} left as {'they were' if left != 1 else 'it was'}: only a "
                "task that failed, or that a worker left unfinished for "
                f"{ABANDONED_AFTER.seconds // 60} minutes, is queued again, and only once.",
                messages.WARNING)
        for path in broken:
            self.message_user(request, f"Not queued again: {path} is no longer a task.",
                              messages.ERROR)

    @staticmethod
    def is_abandoned(result):
        return (result.status == TaskResultStatus.RUNNING and result.started_at is not None
                and result.started_at < timezone.now() - ABANDONED_AFTER)

    @staticmethod
    def queued_since(result):
        """Whether the same task with the same arguments was queued after it and did not fail."""
        return (DBTaskResult.objects
                .filter(task_path=result.task_path, args_kwargs=result.args_kwargs,
                        enqueued_at__gt=result.enqueued_at)
                .exclude(status=TaskResultStatus.FAILED).exists())
