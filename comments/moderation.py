"""Moderation workflows: which comments are held, and recording decisions."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from .models import Comment, CommentReport, ModerationAction, WordRule

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


def log_decision(sender, moderator, action, target, reason="", **kwargs):
    """Receiver of core.hooks.moderated: other apps' decisions land in the same log."""
    log(moderator, action, target, reason)


def comment_queues():
    """The comment queues on the moderation overview: held, and reported (open reports)."""
    changelist = reverse("admin:comments_comment_changelist")
    held = Comment.objects.filter(status=Comment.Status.PENDING)
    reported = Comment.objects.filter(reports__isnull=False,
                                      reports__resolved_at__isnull=True).distinct()
    return [
        {"label": "Comments held for review", "count": held.count(),
         "oldest": held.aggregate(at=Min("created_at"))["at"],
         "url": changelist + "?status__exact=pending"},
        {"label": "Reported comments", "count": reported.count(),
         "oldest": CommentReport.objects.filter(resolved_at__isnull=True)
         .aggregate(at=Min("created_at"))["at"],
         "url": changelist + "?queue=review"},
    ]


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
