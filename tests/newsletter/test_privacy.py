"""What the newsletter keeps, and purge_personal_data removing it on time."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def purge():
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    return out.getvalue()


def test_unconfirmed_addresses_go_after_7_days_and_confirmed_ones_stay(clock):
    now = timezone.now()
    old = Subscriber.objects.create(email="old@example.org", created_at=now - timedelta(days=8))
    fresh = Subscriber.objects.create(email="fresh@example.org",
                                      created_at=now - timedelta(days=6))
    kept = Subscriber.objects.create(email="kept@example.org", created_at=now - timedelta(
        days=400), confirmed_at=now - timedelta(days=399))
    output = purge()
    assert ("Removed 1 unconfirmed newsletter addresses and 0 finished tasks older than "
            "7 days.") in output
    assert "older than 30 days." in output  # the other rules, unchanged
    remaining = set(Subscriber.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, kept.pk} and old.pk not in remaining


def test_finished_tasks_holding_addresses_go_after_7_days(clock):
    now = timezone.now()

    def task(status, finished_days_ago):
        finished = now - timedelta(days=finished_days_ago) if finished_days_ago else None
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {"to": ["ana@example.org"]}},
            task_path="core.mail.send_email", backend_name="default", run_after=now,
            status=status, finished_at=finished)

    old_sent, old_failed = task("SUCCESSFUL", 8), task("FAILED", 9)
    recent, waiting = task("SUCCESSFUL", 2), task("READY", None)
    assert "and 2 finished tasks older than 7 days." in purge()
    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, waiting.pk}
    assert not remaining & {old_sent.pk, old_failed.pk}
