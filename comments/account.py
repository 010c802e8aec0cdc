"""The reader's comments, and what moderators decided about their commenting, on their
account page (accounts shows them through core.hooks)."""

from django.db.models import Q
from django.utils.text import capfirst

from articles.models import story_named, story_text
from core.pagination import strict_page

from .models import (Comment, CommentReport, ModerationAction, ReaderStanding,
                     reader_reference)
from .moderation import RESTRICTED

# Comments a page of the history; ?page= on /accounts/ turns it.
HISTORY_PER_PAGE = 20

# What each status means to the reader who wrote the comment.
STATUS_TEXT = {
    Comment.Status.APPROVED: "Published",
    Comment.Status.PENDING: "Waiting for a moderator",
    Comment.Status.HIDDEN: "Hidden by a moderator",
}


def comment_history(request):
    """Every comment the reader wrote, newest first, with its story and where it stands."""
    # The stories' headlines and links, not their text.
    comments = (Comment.objects.filter(reader=request.user).select_related("article")
                .defer(*story_text("article__"))
                .order_by("-created_at", "-pk"))
    page = strict_page(request, comments, HISTORY_PER_PAGE)
    entries = [{
        "comment": comment,
        "status": STATUS_TEXT[comment.status],
        # A story taken down or unpublished since is neither named nor linked.
        "article": comment.article if comment.article.is_published() else None,
    } for comment in page]
    return {"template": "accounts/sections/comments.html",
            "context": {"page_obj": page, "entries": entries}}


# Decisions about a reader's standing listed on their account page, the latest first.
STANDING_DECISIONS_SHOWN = 20
UNDONE_RESTRICTION = f"undo {RESTRICTED}"
# How moderation.log_standing and carry_standing write the standing into the log's reason.
_NOTE_OPENS, _CARRIED_OPENS = ". Note: “", ", at the same email address: "


def standing_record(request):
    """How the reader may comment now, and each decision moderators made about it: when,
    what, and the reason given.

    Never who decided: the site names no moderator to readers (a comment is "Hidden by a
    moderator", a bias report's outcome comes from "a moderator"). The log's own words
    are not shown as they are either: an undo's names the moderator who changed the
    standing since, and a carried-over standing's names the other account by its id.
    """
    user = request.user
    if user.is_staff:  # a newsroom account's standing holds nothing back (applies())
        return None
    standing = ReaderStanding.objects.filter(reader=user).first()
    if standing is None:  # every decision about a standing leaves one
        return None
    standing.reader = user  # read by its refusal(), not read again
    found = list(_standing_decisions(user)[:STANDING_DECISIONS_SHOWN + 1])
    if not found and not _restricted_now(standing):
        return None
    return {"template": "accounts/sections/standing.html",
            "context": {"now": _standing_now(standing),
                        "decisions": [_decision(entry)
                                      for entry in found[:STANDING_DECISIONS_SHOWN]],
                        "earlier": len(found) > STANDING_DECISIONS_SHOWN}}


def _standing_decisions(user):
    """The decisions about how user may comment, the latest first."""
    return (ModerationAction.objects.filter(reader=user).filter(
        Q(target=reader_reference(user.pk)) | Q(action__in=[RESTRICTED, UNDONE_RESTRICTION]))
        .only("created_at", "action", "reason"))


def _restricted_now(standing):
    return standing.is_premoderated or standing.is_suspended()


def _standing_now(standing):
    """The standing in the words the reader is told it elsewhere (ReaderStanding.refusal)."""
    if refusal := standing.refusal():
        return refusal
    if standing.is_premoderated:
        return "Your comments wait for a moderator’s review before they are published."
    return "You can comment freely."


def _decision(entry):
    """One decision as the reader reads it: {'at', 'what', 'reason'}."""
    what, reason = entry.reason, ""
    if entry.action == RESTRICTED:
        what = ("A moderator hid one of your comments and put your account in "
                "pre-moderation: your comments wait for review before they are published")
        reason = entry.reason
    elif entry.action == UNDONE_RESTRICTION:
        what = ("A moderator took back an earlier decision to hide one of your comments "
                "and put your account in pre-moderation")
    elif entry.reason.startswith("Carried over from "):
        standing = entry.reason.rpartition(_CARRIED_OPENS)[2].removesuffix(".")
        what = (f"{capfirst(standing)}, carried over from another account at the same "
                f"email address")
    else:  # "reader standing": the standing as set, then the moderator's note
        standing, _, note = entry.reason.partition(_NOTE_OPENS)
        what, reason = capfirst(standing), note.removesuffix("”")
    return {"at": entry.created_at, "what": what, "reason": reason}


def account_data(user):
    """The reader's comments, the comments they reported, and how they may comment with each
    decision about it, for their copy of their data (core.hooks.account_data): as the
    account page words them, every one and the oldest first."""
    comments = (Comment.objects.filter(reader=user).select_related("article")
                .defer(*story_text("article__")).order_by("created_at", "pk"))
    reports = (CommentReport.objects.filter(reporter=user)
               .select_related("comment__article").defer(*story_text("comment__article__"))
               .order_by("created_at", "pk"))
    data = {
        "comments": [{"posted_at": comment.created_at, "text": comment.body,
                      "status": STATUS_TEXT[comment.status], "story": story_named(comment.article)}
                     for comment in comments],
        "comments_you_reported": [{
            "reported_at": report.created_at, "reason": report.get_reason_display(),
            "story": story_named(report.comment.article),
            # Another reader's words, while they are public only.
            "comment": report.comment.body if _public(report.comment) else None,
            "dealt_with_at": report.resolved_at,
        } for report in reports],
    }
    standing = (ReaderStanding.objects.filter(reader=user).first()
                if not user.is_staff else None)
    if standing is not None:
        standing.reader = user
        data["commenting"] = {"now": _standing_now(standing),
                              "decisions": [_decision(entry) for entry
                                            in _standing_decisions(user).reverse()]}
    return data


def _public(comment):
    return comment.status == Comment.Status.APPROVED and comment.article.is_published()
