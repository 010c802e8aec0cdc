"""The bias reports a signed-in reader filed, on their account page (accounts shows it
through core.hooks)."""

from articles.models import story_named, story_text

from .models import BiasReport

# Reports listed on the account page, the latest first.
REPORTS_SHOWN = 20

# What each status means to the reader who filed the report.
STATUS_TEXT = {
    BiasReport.Status.NEW: "Waiting for a moderator",
    BiasReport.Status.IN_REVIEW: "Being reviewed",
    BiasReport.Status.UPHELD: "Upheld",
    BiasReport.Status.DISMISSED: "Dismissed",
}


def bias_report_history(request):
    """The reader's bias reports, newest first, each linking to its page (the outcome and
    the moderator's note to them); None for a reader who filed none.

    A report's page was the one place to read its outcome without an email, and only the
    link on the form's answer led there: a reader who left no address, or lost the
    email, could not find it again.
    """
    # The stories' headlines and links, not their text.
    reports = list(BiasReport.objects.filter(reader=request.user).select_related("article")
                   .only("pk", "status", "created_at", "resolved_at", "article__slug",
                         "article__headline", "article__status", "article__published_at")
                   .order_by("-created_at", "-pk")[:REPORTS_SHOWN + 1])
    if not reports:
        return None
    entries = [{
        "report": report,
        "status": STATUS_TEXT[report.status],
        # A story taken down since is neither named nor linked, nor is its report's page.
        "article": report.article if report.article.is_published() else None,
    } for report in reports[:REPORTS_SHOWN]]
    return {"template": "accounts/sections/bias_reports.html",
            "context": {"entries": entries, "earlier": len(reports) > REPORTS_SHOWN}}


def bias_report_data(user):
    """The reader's bias reports, every one and the oldest first, with what they wrote and
    what a moderator decided and told them, for their copy of their data
    (core.hooks.account_data)."""
    reports = (BiasReport.objects.filter(reader=user).select_related("article")
               .defer(*story_text("article__")).order_by("created_at", "pk"))
    return {"bias_reports": [{
        "reference": report.reference, "reported_at": report.created_at,
        "story": story_named(report.article),
        "reason": report.get_reason_display(), "quoted_passage": report.quoted_passage,
        "details": report.details, "evidence_link": report.evidence_url,
        "email_for_the_outcome": report.contact_email,
        "status": STATUS_TEXT[report.status], "decided_at": report.resolved_at,
        # Shown to the reporter once the report is decided, as on its page.
        "note_to_you": "" if report.is_open else report.resolution_note,
    } for report in reports]}
