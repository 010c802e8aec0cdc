"""What a reporter is told: the decision on their bias report, and the correction that followed.

A reporter's address was never confirmed, so what it is sent is limited: each
outcome email takes one of the inbox's allowance that every form emailing an
address shares (core.ratelimit.INBOX_LIMITS), and the reports one address
filed, decided together (a list's bulk decision), go to it in one email.

A correction's link is sent only while its story is public: one written
while the story is taken down is held (HeldNotice), and sent when the story
is saved public again (story_saved).
"""

import logging

from django.conf import settings
from django.db import transaction

from core import ratelimit
from core.mail import queue_email

from .models import BiasReport, Correction, HeldNotice

logger = logging.getLogger(__name__)

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

# What the moderator is told when a decision's email did not go (report.outcome_not_sent).
NOT_SENT_LIMIT = ("The reporter was not emailed: their address has had as many emails "
                  "from us as we send one address in an hour.")
NOT_SENT_UNAVAILABLE = ("The reporter was not emailed: the limit on emails to one address "
                        "could not be checked just now.")


def send_outcome(report):
    """Queue the decision for the reporter (their address is used for nothing else)."""
    send_outcomes([report])


def send_outcomes(reports):
    """Queue the decisions on decided reports for their reporters: one email to each
    address, whatever the number of its reports. Returns the reports whose reporter
    was not emailed, each with outcome_not_sent saying why (also said to the
    moderator); the others get outcome_not_sent "".
    """
    by_inbox = {}
    for report in reports:
        report.outcome_not_sent = ""
        if report.contact_email:
            by_inbox.setdefault(ratelimit.email_key(report.contact_email), []).append(report)
    not_sent = []
    for key, group in by_inbox.items():
        for report in group:
            _hold_unseen_corrections(report)
        try:
            reason = NOT_SENT_LIMIT if ratelimit.acquire(ratelimit.INBOX_LIMITS, key) else ""
        except ratelimit.Unavailable:
            reason = NOT_SENT_UNAVAILABLE
        if reason:
            logger.warning("Outcome of %s not emailed: %s",
                           ", ".join(r.reference for r in group), reason)
            for report in group:
                report.outcome_not_sent = reason
            not_sent += group
            continue
        _queue_outcome(group)
    return not_sent


def _queue_outcome(reports):
    """One email to the address of reports (one address's, all decided)."""
    if len(reports) == 1:
        (report,) = reports
        lines = ["Hello,", "",
                 f"Thank you for your report {report.reference} on “{report.article.headline}”.",
                 "", *_decision(report)]
        subject = (f"Your bias report {report.reference}: "
                   f"{report.get_status_display().lower()}")
    else:
        lines = ["Hello,", "", "Thank you for your reports. Our moderators have decided "
                               "on each of them."]
        for report in reports:
            lines += ["", f"{report.reference} on “{report.article.headline}”: "
                          f"{report.get_status_display().lower()}.", *_decision(report)]
        statuses = {report.get_status_display().lower() for report in reports}
        # Every reference in the subject: forgetting a reporter finds their emails by it
        # (standards.personal_data.forget_reporter).
        subject = (f"Your bias reports {', '.join(r.reference for r in reports)}: "
                   f"{statuses.pop() if len(statuses) == 1 else 'decided'}")
    lines += ["", "EVA DAILY"]
    queue_email(subject, "\n".join(lines), [reports[0].contact_email])


def _decision(report):
    """The lines telling one report's decision, what followed it and where the story is."""
    lines = [OUTCOME_TEXT[report.status]]
    if report.resolution_note:
        lines += ["", f"The moderator's note: {report.resolution_note}"]
    public = report.article.is_published()
    if report.status == BiasReport.Status.UPHELD:
        # A correction drafted before the decision is linked now; one written
        # after it is sent on its own when it is saved (correction_cites_report).
        corrections = list(report.corrections.select_related("article"))
        if corrections and public:
            lines += ["", "What we published:"]
            lines += [f"{c.get_kind_display()}: {correction_url(c)}" for c in corrections]
        elif corrections:
            # Its link would be a 404 for the reporter: held until the story is public.
            lines += ["", (f"We have written the {corrections[0].get_kind_display().lower()}"
                           f" that follows your report, and will email you its link"
                           if len(corrections) == 1 else
                           f"We have written the {len(corrections)} notes that follow your "
                           f"report, and will email you their links")
                      + " once the story is published again."]
        else:
            lines += ["", "We will email you a link to the correction once it is published."]
    if public:
        lines += ["", f"The story: {settings.SITE_URL}{report.article.get_absolute_url()}"]
    else:
        # Its address would be a 404 for the reporter: unpublished while the report was open.
        lines += ["", "The story is not published at the moment."]
    return lines


def _hold_unseen_corrections(report):
    """An upheld report's corrections on a story not public now: their links, which the
    outcome cannot give, are held for when it is public again."""
    if report.status != BiasReport.Status.UPHELD or report.article.is_published():
        return
    for correction in report.corrections.all():
        HeldNotice.objects.get_or_create(correction=correction)


def correction_url(correction):
    """Where readers see a correction: at the end of its story."""
    return (f"{settings.SITE_URL}{correction.article.get_absolute_url()}"
            f"#correction-{correction.pk}")


def correction_cites_report(correction):
    """A correction has just been set to cite a bias report: once the transaction
    commits, send its reporter the link, if the report is upheld and left an address.
    While the story is not public, the link would not open: it is held, and sent
    when the story is public again (story_saved).

    Call it only when the citation is new (a created correction, or a changed
    report), so that editing a correction never emails twice. A report still
    open gets the link with its decision instead (send_outcome).
    """
    report = correction.bias_report
    if (report is not None and report.status == BiasReport.Status.UPHELD
            and report.contact_email):
        if correction.article.is_published():
            transaction.on_commit(lambda: send_correction(correction))
        else:
            HeldNotice.objects.get_or_create(correction=correction)


def story_saved(sender, instance, raw=False, **kwargs):
    """A story was saved (post_save): public now, the correction emails held while it
    was not go out, each once, after the save commits."""
    if raw or not instance.is_published():
        return
    for pk, correction_id in HeldNotice.objects.filter(
            correction__article=instance).values_list("pk", "correction_id"):
        # Deleted by one save only: two saves at once send it once.
        if HeldNotice.objects.filter(pk=pk).delete()[0]:
            transaction.on_commit(lambda correction_id=correction_id: _send_held(correction_id))


def _send_held(correction_id):
    """Send a held correction's email, if it is still owed: the report still upheld with
    an address, the story still public (taken down again meanwhile, it is held again)."""
    correction = (Correction.objects.select_related("article", "bias_report")
                  .filter(pk=correction_id).first())
    if correction is not None:
        correction_cites_report(correction)


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
