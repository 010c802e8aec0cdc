"""Moderation workflows: which comments are held, and recording decisions."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import BiasReport, Comment, ModerationAction, WordRule

_LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|net|org|info|io|ru|cn|xyz|top)\b)",
                   re.IGNORECASE)


def _words(text):
    return set(re.findall(r"\w+", text.casefold()))


def _rules():
    rules = {WordRule.Kind.SUSPECT: set(), WordRule.Kind.BANNED: set()}
    for word, kind in WordRule.objects.values_list("word", "kind"):
        rules[kind].add(word)
    return rules


def check_comment(reader, article, body):
    """Decide how a new comment arrives: returns (status, hold_reason).

    Raises ValidationError for a banned word: such a comment is refused outright.
    """
    rules = _rules()
    words = _words(body)
    banned = sorted(rules[WordRule.Kind.BANNED] & words)
    if banned:
        raise ValidationError(
            "This comment uses a word we do not publish (“%(word)s”). "
            "Please rephrase it.", params={"word": banned[0]}, code="banned_word")
    standing = getattr(reader, "standing", None)
    if standing is not None and standing.is_premoderated:
        return Comment.Status.PENDING, "Reader is in pre-moderation"
    if _LINK.search(body):
        return Comment.Status.PENDING, "Contains a link"
    suspect = sorted(rules[WordRule.Kind.SUSPECT] & words)
    if suspect:
        return Comment.Status.PENDING, f"Contains a suspect word: {suspect[0]}"
    previous = reader.comments.order_by("-created_at", "-pk").values_list("body", flat=True).first()
    if previous is not None and previous.casefold() == body.casefold():
        return Comment.Status.PENDING, "Repeats the reader's previous comment"
    return Comment.Status.APPROVED, ""


def comment_refusal(reader):
    """Why this reader may not comment now, or None."""
    standing = getattr(reader, "standing", None)
    if standing is None or not standing.is_suspended():
        return None
    if standing.is_banned:
        return "Your account can no longer post comments."
    local = timezone.localtime(standing.suspended_until)
    return f"Your account cannot post comments until {local:%B} {local.day}, {local:%Y}."


def log(moderator, action, target, reason=""):
    ModerationAction.objects.create(moderator=moderator, action=action,
                                    target=str(target)[:200], reason=reason[:300])


@transaction.atomic
def decide_comments(comments, status, moderator, reason=""):
    """Approve or hide comments; their open reports are resolved. Returns how many."""
    now = timezone.now()
    count = 0
    for comment in comments:
        comment.status = status
        comment.moderator = moderator
        comment.moderated_at = now
        comment.moderation_reason = reason
        comment.save(update_fields=["status", "moderator", "moderated_at",
                                    "moderation_reason"])
        comment.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
        log(moderator, f"comment {status}", f"comment {comment.pk} by {comment.author_name}",
            reason)
        count += 1
    return count


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
    log(moderator, f"bias report {status}", report.reference, note)
    if decided and report.contact_email:
        transaction.on_commit(lambda: send_outcome(report))


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
    """Email the reporter the decision on their report (their address is used for nothing else)."""
    story_url = settings.SITE_URL + report.article.get_absolute_url()
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
    lines += ["", f"The story: {story_url}", "", "EVA DAILY"]
    send_mail(
        subject=f"Your bias report {report.reference}: {report.get_status_display().lower()}",
        message="\n".join(lines),
        from_email=None,
        recipient_list=[report.contact_email],
    )


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
    """Email the reporter of an upheld report the correction that followed it."""
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
    send_mail(
        subject=f"Your bias report {report.reference}: the "
                f"{correction.get_kind_display().lower()} is published",
        message="\n".join(lines),
        from_email=None,
        recipient_list=[report.contact_email],
    )
