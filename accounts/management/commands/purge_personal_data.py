from datetime import timedelta

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list

from accounts.models import HeldName
from accounts.models import Session as AccountSession
from core import hooks

RETENTION_DAYS = 30
# Finished tasks keep what they were given (an email's address and text) for a
# week, to look into a failure; then they go.
TASK_RETENTION_DAYS = 7


class Command(BaseCommand):
    help = (f"Remove personal data older than {RETENTION_DAYS} days: bias reports' hashed "
            f"network addresses, and reporters' emails {RETENTION_DAYS} days after their "
            "report was decided (an open report keeps its email); and what keeps its own "
            "time (expired sessions, names and standings held from deleted accounts once "
            "their time is up, unconfirmed newsletter addresses, finished tasks, tasks a "
            "stopped worker left running).")

    def handle(self, *args, **options):
        now = timezone.now()
        cutoff = now - timedelta(days=RETENTION_DAYS)
        removed = []
        with transaction.atomic():
            # What other apps keep about readers (standards: bias reporters;
            # newsletter: unconfirmed addresses, under its own rule).
            for purge in hooks.personal_data:
                removed += purge(cutoff)
            # These go as soon as they are done with, whatever their age: a session
            # once it has expired, a name held from a deleted account (HeldName)
            # once the suspension it escaped would have ended.
            # Ours (accounts.sessions), and any left in Django's own table.
            sessions = sum(model.objects.filter(expire_date__lt=now).delete()[0]
                           for model in (AccountSession, Session))
            removed.append((sessions, "expired sessions", ""))
            held, _ = HeldName.objects.exclude(until__gt=now).delete()
            removed.append((held, "names held from deleted accounts whose suspension had "
                                  "ended", ""))
            if apps.is_installed("django_tasks_db"):
                from django_tasks_db.models import DBTaskResult

                tasks, _ = DBTaskResult.objects.finished().filter(
                    finished_at__lt=now - timedelta(days=TASK_RETENTION_DAYS)).delete()
                removed.append((tasks, "finished tasks", f"older than {TASK_RETENTION_DAYS} days"))
                # A worker killed mid-task leaves it RUNNING for good, never finished;
                # none runs for days, so one started a week ago has stopped.
                stuck, _ = DBTaskResult.objects.running().filter(
                    started_at__lt=now - timedelta(days=TASK_RETENTION_DAYS)).delete()
                removed.append((stuck, "tasks left running by a stopped worker",
                                f"started more than {TASK_RETENTION_DAYS} days ago"))
        # (count, what) is older than RETENTION_DAYS; (count, what, rule) says its own
        # ("" when `what` says it all).
        by_rule = {}
        for count, what, *rule in removed:
            by_rule.setdefault(rule[0] if rule else f"older than {RETENTION_DAYS} days",
                               []).append(f"{count} {what}")
        if options["verbosity"] == 0:
            return  # cron's -v 0: nothing to mail every night
        for rule, counts in by_rule.items():
            said = get_text_list(counts, "and")
            self.stdout.write(f"Removed {said} {rule}." if rule else f"Removed {said}.")
