"""A decided bias report's note edited from its admin page: the decision stands as made.

The reporter was told of the decision when it was made; a later edit of its
note is logged as an edit, not as the decision made again.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from comments.models import ModerationAction
from standards.models import BiasReport
from standards.workflow import decide_bias_report
from tests.factories import BiasReportFactory, UserFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def dismissed(django_capture_on_commit_callbacks):
    """A report dismissed yesterday by "first", its reporter emailed the decision."""
    report = BiasReportFactory(contact_email="reporter@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.DISMISSED,
                           UserFactory(username="first", is_staff=True), "Fair as written.")
    BiasReport.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now() - timedelta(days=1))
    report.refresh_from_db()
    assert len(mail.outbox) == 1
    return report


def test_editing_a_decided_reports_note_does_not_decide_it_again(
        dismissed, django_capture_on_commit_callbacks):
    second = Editor("second", "Ben Second", "Moderators")
    second.open(f"/admin/standards/biasreport/{dismissed.pk}/change/")
    with django_capture_on_commit_callbacks(execute=True):
        saved = second.save(resolution_note="Fair as written: the quote is accurate.")

    assert saved.status_code == 302
    assert len(mail.outbox) == 1  # the reporter is not told twice
    report = BiasReport.objects.get(pk=dismissed.pk)
    assert report.resolution_note == "Fair as written: the quote is accurate."
    assert report.status == BiasReport.Status.DISMISSED
    assert report.resolved_at == dismissed.resolved_at
    assert report.moderator.username == "first"
    log = list(ModerationAction.objects.order_by("pk")
               .values_list("moderator__username", "action", "reason"))
    assert log == [("first", "bias report dismissed", "Fair as written."),
                   ("second", "bias report note edited",
                    "Fair as written: the quote is accurate.")]


def test_a_long_note_is_kept_whole_in_the_log():
    report = BiasReportFactory()
    note = "The story quotes both sides fairly. " * 20  # 720 characters
    decide_bias_report(report, BiasReport.Status.DISMISSED, UserFactory(), note)
    report.refresh_from_db()
    assert report.resolution_note == note
    # Cut to 300 there, the rest was on no record once the note was edited.
    assert ModerationAction.objects.get().reason == note
