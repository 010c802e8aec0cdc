"""The bias-report workflow: new -> in review -> upheld or dismissed, logged and told."""

from django.db import transaction
from django.utils import timezone

from core.hooks import record_decision
from core.text import has_visible_text

from .models import BiasReport
from .notices import send_outcome

# A decision's note to the reporter, at most (the desk's field and the lists' reason).
NOTE_MAX_CHARS = 2000


def lacks_its_note(status, note):
    """A dismissal goes to the reporter with the moderator's reason: it needs one that
    shows (a zero-width space alone is none)."""
    return status == BiasReport.Status.DISMISSED and not has_visible_text(note or "")


def note_refusal(note):
    """Why a note cannot go with a decision, or None: it is longer than NOTE_MAX_CHARS.

    Refused, never cut: the reporter would be emailed half a sentence.
    """
    if len(note) > NOTE_MAX_CHARS:
        return (f"Nothing was decided: a note can be at most {NOTE_MAX_CHARS:,} characters, "
                f"and this one has {len(note):,}. Shorten it, then decide again.")
    return None


def refusal(report, status, note, moderator=None):
    """Why a moderator's decision on a report from the desk or a list is not taken, or None.

    A decided report is reopened or decided again only from its own admin
    page, where the moderator sees the decision they change; one who decided
    it themselves (from another tab) is told it was them.
    """
    if not report.is_open:
        if moderator is not None and report.moderator_id == moderator.pk:
            by = "you"
        else:
            by = report.moderator.get_username() if report.moderator_id else "a moderator"
        return (f"{report.reference} was already {report.get_status_display().lower()} by {by}; "
                f"change it from the report’s admin page if it must be reopened.")
    if status == BiasReport.Status.IN_REVIEW and report.status == status:
        return f"{report.reference} is already in review."
    if lacks_its_note(status, note):
        if report.contact_email:
            return (f"{report.reference} was not dismissed: write the note the reporter will "
                    f"receive with the decision.")
        # No email to send it to: the note is the record's alone.
        return (f"{report.reference} was not dismissed: write a note for the record saying "
                f"why (the reporter left no email, so it is not sent).")
    return None


@transaction.atomic
def decide_bias_report(report, status, moderator, note="", tell=True):
    """Move a bias report along new -> in_review -> upheld/dismissed; tell the reporter.

    The note is this decision's: a decision without one leaves none, rather
    than the note of a decision it replaces. tell=False: the caller tells the
    reporters of what it decides together (notices.send_outcomes), one email
    to each address.
    """
    report.status = status
    report.moderator = moderator
    report.resolution_note = note
    decided = status in (BiasReport.Status.UPHELD, BiasReport.Status.DISMISSED)
    report.resolved_at = timezone.now() if decided else None
    report.save()
    record_decision(moderator, f"bias report {status}", report.reference, note)
    if decided and report.contact_email and tell:
        transaction.on_commit(lambda: send_outcome(report))


def edit_note(report, moderator, note):
    """Change a report's note alone: the decision stands as it was made, by whom and when.

    Logged as an edit; the reporter, told of the decision when it was made,
    is not told again.
    """
    report.resolution_note = note
    report.save(update_fields=["resolution_note"])
    record_decision(moderator, "bias report note edited", report.reference,
                    report.resolution_note)
