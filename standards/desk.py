"""The moderation desk's bias-report triage (/admin/moderation/bias-reports/).

Open reports come first, oldest first; decided ones sit behind a filter.
Each report shows its story with the quoted passage marked where it occurs,
so that a moderator judges the words in place. Editors read the page
(they act on upheld reports) but get no buttons, and never see who filed a
report or their contact email, which are for moderators only (DESIGN.md
section 7; BiasReportAdmin likewise hides the email from them).
"""

from urllib.parse import quote, urlsplit, urlunsplit

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.encoding import punycode
from django.utils.http import url_has_allowed_host_and_scheme

from core.rowlocks import still_there
from core.text import (has_invisible_characters, has_visible_text, invisible_characters,
                       normalize)

from . import workflow
from .admin import draft_correction_url
from .models import BiasReport
from .passages import excerpt, mark_passage, story_blocks

PER_PAGE = 10
STATES = {"open": "Open", "decided": "Decided"}
DECISIONS = {
    "in_review": BiasReport.Status.IN_REVIEW,
    "uphold": BiasReport.Status.UPHELD,
    "dismiss": BiasReport.Status.DISMISSED,
}


def _can_decide(user):
    return user.has_perm("standards.change_biasreport")


def _reports(state):
    open_on_story = (BiasReport.objects.open().filter(article=OuterRef("article"))
                     .values("article").annotate(n=Count("pk")).values("n"))
    reports = (BiasReport.objects.open().order_by("created_at", "pk") if state == "open"
               else BiasReport.objects.decided().order_by("-resolved_at", "-pk"))
    return (reports.select_related("article__author", "reader", "moderator")
            .prefetch_related("corrections")
            .annotate(open_on_story=Coalesce(Subquery(open_on_story), 0)))


def _reporters(reports):
    """How many reports each signed-in reporter on the page has filed, and how many were upheld."""
    readers = {report.reader_id for report in reports if report.reader_id}
    rows = (BiasReport.objects.filter(reader_id__in=readers).values("reader_id")
            .annotate(total=Count("pk"), upheld=Count("pk", filter=Q(status="upheld")))
            .order_by())
    return {row["reader_id"]: row for row in rows}


def _item(report, user, reporters):
    article = report.article
    blocks = story_blocks(article.headline, article.dek, article.body_html)
    found = mark_passage(blocks, report.quoted_passage) if report.quoted_passage else 0
    corrections = list(report.corrections.all())
    may_draft = (user.has_perm("standards.add_correction")
                 and report.status == BiasReport.Status.UPHELD and not corrections)
    return {
        "report": report,
        "reason_help": BiasReport.REASON_HELP.get(report.reason, ""),
        "found": found,
        "excerpt": excerpt(blocks),
        "blocks": blocks,
        "reporter": reporters.get(report.reader_id),
        "corrections": corrections,
        "draft_url": draft_correction_url(report) if may_draft else "",
        **_evidence(report.evidence_url),
        # Unpublished, or moved back to a future time, since it was reported: its link is
        # a 404 for the reporter (and for readers).
        "story_is_public": article.is_published(),
    }


def _evidence(url):
    """The evidence link as the desk shows it.

    evidence_shown: the link with its host in ASCII (IDNA's "xn--" form: "аррӏе.com" in
    Cyrillic letters is not apple.com) and what does not show percent-encoded (a
    direction control drew "…/\u202egpj.exe" as "exe.jpg"); evidence_host: the host
    alone, where the link leads; evidence_misleads: whether the link reads as another
    address than the one it leads to (a name before "@" in its address, a character
    that does not show), which the form refuses now (BiasReportForm.clean_evidence_url)
    and older reports may hold; evidence_is_web: whether it is a web link to follow,
    which a misleading one is not.
    """
    if not url:
        return {"evidence_shown": "", "evidence_host": "", "evidence_is_web": False,
                "evidence_misleads": False}
    try:
        parts = urlsplit(url)
    except ValueError:  # an address urllib cannot read (an unclosed "[")
        parts = None
    host = (parts.hostname or "") if parts else ""
    shown = url
    if host:
        userinfo, at, address = parts.netloc.rpartition("@")
        try:
            ascii_host = punycode(host)
        except UnicodeError:  # a label IDNA refuses: shown as it is
            ascii_host = host
        if not address.startswith("["):  # an IPv6 address is ASCII already
            port = address.partition(":")[2]
            netloc = f"{userinfo}{at}{ascii_host}{':' + port if port else ''}"
            shown = urlunsplit(parts._replace(netloc=netloc))
        host = ascii_host
    shown = invisible_characters().sub(lambda found: quote(found[0]), shown)
    misleads = parts is None or "@" in parts.netloc or has_invisible_characters(url)
    return {
        "evidence_shown": shown,
        "evidence_host": host,
        "evidence_is_web": url.lower().startswith(("https://", "http://")) and not misleads,
        "evidence_misleads": misleads,
    }


def bias_report_triage(request):
    """Open reports oldest first; ?state=decided shows the decided ones, latest first."""
    if not request.user.has_perm("standards.view_biasreport"):
        raise PermissionDenied
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    page = Paginator(_reports(state), PER_PAGE).get_page(request.GET.get("page"))
    reports = list(page.object_list)
    # Who reported, and how to reach them, is for those who decide (as in BiasReportAdmin).
    show_reporter = _can_decide(request.user)
    reporters = _reporters(reports) if show_reporter else {}
    counts = {"open": BiasReport.objects.open().count(),
              "decided": BiasReport.objects.decided().count()}
    context = {
        **admin.site.each_context(request),
        "title": "Bias-report triage",
        "state": state,
        "states": [(key, label, counts[key], f"?state={key}") for key, label in STATES.items()],
        "page": page,
        "items": [_item(report, request.user, reporters) for report in reports],
        "can_decide": _can_decide(request.user),
        "show_reporter": show_reporter,
        "can_draft": request.user.has_perm("standards.add_correction"),
        "next_url": request.get_full_path(),
        "note_max": workflow.NOTE_MAX_CHARS,
    }
    return TemplateResponse(request, "admin/moderation/bias_reports.html", context)


def _next(request):
    target = request.POST.get("next", "")
    if not (target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        target = reverse("moderation-bias-reports")
    return target


def _back(request):
    return HttpResponseRedirect(_next(request), status=303)


def _not_decided(request, notice, status, note=""):
    """A page saying why nothing was decided, with the way back to the triage (the
    comment queue's page of the same name: admin/moderation/not_decided.html) and the
    note the moderator wrote, to copy: the triage's box would be empty again."""
    response = TemplateResponse(request, "admin/moderation/not_decided.html", {
        **admin.site.each_context(request), "title": "Nothing was decided", "notice": notice,
        "note": note, "back_url": _next(request),
        "back_label": "Back to the bias-report triage"}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def decide_bias_report(request, pk):
    """In review, Uphold (then draft the correction) or Dismiss with a note for the reporter."""
    if request.method != "POST":
        # After signing in again, the browser asks for the address the expired session
        # was posting to; the decision itself was lost with the session.
        return _not_decided(request, "A decision is sent with the buttons on the triage, "
                                     "not by opening its address. If you were just asked to "
                                     "sign in again, the decision you were sending was lost "
                                     "with your session: make it again from the triage.", 405)
    if not _can_decide(request.user):
        # Permissions changed since the triage was shown: the desk's page, with the note.
        return _not_decided(request, "Nothing was decided: your account may no longer decide "
                                     "bias reports. Its permissions were changed since the "
                                     "triage was shown; ask an administrator if that is a "
                                     "mistake.", 403,
                            note=normalize(request.POST.get("note", "")))
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        return HttpResponseBadRequest("In review, uphold or dismiss.")
    status = DECISIONS[decision]
    note = normalize(request.POST.get("note", ""))
    if not has_visible_text(note):
        note = ""  # a zero-width space alone is no note (workflow.lacks_its_note)
    if too_long := workflow.note_refusal(note):
        return _not_decided(request, too_long, 400, note=note)
    with transaction.atomic():
        # The moderator's account first, as an administrator deleting it takes it: the
        # decision named it at its commit, a 500 once it was deleted meanwhile.
        if not still_there(request.user):
            return _not_decided(request, "Nothing was decided: your account has been "
                                         "deleted.", 403, note=note)
        # Not the moderator with it: after waiting for another's lock, PostgreSQL reads the
        # report again but not the row joined to it, so a moderator who decided meanwhile
        # was None beside their id (a 500 for the second of two at once).
        locked = BiasReport.objects.select_for_update(of=("self",)).select_related("article")
        report = locked.filter(pk=pk).first()
        if report is None:
            return _not_decided(request, "That report no longer exists: it was deleted "
                                         "meanwhile, or its story was. Nothing was decided.",
                                404, note=note)
        refusal = workflow.refusal(report, status, note, request.user)
        if refusal and note:  # the triage again would show the note's box empty
            return _not_decided(request, refusal, 409, note=note)
        if refusal:
            messages.error(request, refusal)
            return _back(request)
        workflow.decide_bias_report(report, status, request.user, note)
    return _after(request, report)


def _after(request, report):
    """Where a decision leads: an upheld report to its correction draft, if one may be written."""
    # Set once the decision's email was or was not queued (notices.send_outcomes).
    not_sent = getattr(report, "outcome_not_sent", "")
    if not_sent:
        messages.warning(request, f"{report.reference}: {not_sent}")
    if report.status == BiasReport.Status.UPHELD:
        if request.user.has_perm("standards.add_correction"):
            messages.success(request, f"{report.reference} upheld. Draft the correction "
                                      f"citing it below.")
            return HttpResponseRedirect(draft_correction_url(report), status=303)
        messages.success(request, f"{report.reference} upheld: an editor drafts the "
                                  f"correction (the triage’s decided list offers them the draft).")
    elif report.status == BiasReport.Status.DISMISSED:
        told = (" The reporter is emailed your note." if report.contact_email and not not_sent
                else "")
        messages.success(request, f"{report.reference} dismissed.{told}")
    else:
        messages.success(request, f"{report.reference} is in review.")
    return _back(request)
