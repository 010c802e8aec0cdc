"""The bias-report workflow: new -> in review -> upheld or dismissed, logged and told."""

from django.db import transaction
from django.utils import timezone

from core.hooks import record_decision

from .models import BiasReport
from .notices import send_outcome


@transaction.atomic
def decide_bias_report(report, status, moderator, note=""):
    """Move a bias report along new -> in_review -> upheld/dismissed; tell the reporter."""
    report.status = status
    report.moderator = moderator
    if note:
        report.resolution_note = note
    decided = status in (BiasReport.Status.UPHELD, BiasReport.Status.DISMISSED)
    report.resolved_at = timezone.now() if decided else None
    report.save()
    record_decision(moderator, f"bias report {status}", report.reference, note)
    if decided and report.contact_email:
        transaction.on_commit(lambda: send_outcome(report))
