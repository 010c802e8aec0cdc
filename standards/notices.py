"""What a reporter is told: the decision on their bias report, and the correction that followed."""

from django.conf import settings
from django.db import transaction

from core.mail import queue_email

from .models import BiasReport


OUTCOME_TEXT = {
    BiasReport.Status.UPHELD: (
        "Our moderators reviewed your report and agreed with it. The newsroom "
        "corrects or clarifies the story with a dated note at the end of it."
    ),
    BiasReport.Status.DISMISSED: (
        "Our moderators reviewed your report carefully and decided that the story "
        "does not need to change."
    ),
}


def send_outcome(report):
    """Queue the decision for the reporter (their address is used for nothing else)."""
    lines = [
        "Hello,",
        "",
        f"Thank you for your report {report.reference} on “{report.article.headline}”.",
        "",
        OUTCOME_TEXT[report.status],
    ]
    if report.resolution_note:
        lines += ["", f"The moderator's note: {report.resolution_note}"]
    if report.status == BiasReport.Status.UPHELD:
        # A correction drafted before the decision is linked now; one written
        # after it is sent on its own when it is saved (correction_cites_report).
        corrections = list(report.corrections.select_related("article"))
        if corrections:
            lines += ["", "What we published:"]
            lines += [f"{c.get_kind_display()}: {correction_url(c)}" for c in corrections]
        else:
            lines += ["", "We will email you a link to the correction once it is published."]
    if report.article.is_published():
        lines += ["", f"The story: {settings.SITE_URL}{report.article.get_absolute_url()}"]
    else:
        # Its address would be a 404 for the reporter: unpublished while the report was open.
        lines += ["", "The story is not published at the moment."]
    lines += ["", "EVA DAILY"]
    queue_email(f"Your bias report {report.reference}: {report.get_status_display().lower()}",
                "\n".join(lines), [report.contact_email])


def correction_url(correction):
    """Where readers see a correction: at the end of its story."""
    return (f"{settings.SITE_URL}{correction.article.get_absolute_url()}"
            f"#correction-{correction.pk}")


def correction_cites_report(correction):
    """A correction has just been set to cite a bias report: once the transaction
    commits, send its reporter the link, if the report is upheld and left an address.

    Call it only when the citation is new (a created correction, or a changed
    report), so that editing a correction never emails twice. A report still
    open gets the link with its decision instead (send_outcome).
    """
    report = correction.bias_report
    if (report is not None and report.status == BiasReport.Status.UPHELD
            and report.contact_email):
        transaction.on_commit(lambda: send_correction(correction))


def send_correction(correction):
    """Queue the email giving the reporter of an upheld report the correction that followed it."""
    report = correction.bias_report
    lines = [
        "Hello,",
        "",
        f"Your bias report {report.reference} on “{correction.article.headline}” was "
        f"upheld, and we have now published this {correction.get_kind_display().lower()}:",
        "",
        correction.text,
        "",
        f"It is shown, dated, at the end of the story: {correction_url(correction)}",
        "",
        "Thank you for helping us get it right.",
        "",
        "EVA DAILY",
    ]
    queue_email(f"Your bias report {report.reference}: the "
                f"{correction.get_kind_display().lower()} is published",
                "\n".join(lines), [report.contact_email])
