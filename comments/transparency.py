"""What the transparency report (standards) says about comments: received and moderated."""

from articles.models import Article
from core.periods import counted, shares

from .models import Comment

# What the report calls each comment status: "pending" comments are held for review.
COMMENT_STATES = {Comment.Status.APPROVED: "approved", Comment.Status.PENDING: "held",
                  Comment.Status.HIDDEN: "hidden"}


def comment_figures(periods, now):
    """("comments", one block per period), counted in one query: comments on public stories."""
    blocks = [{"received": 0, **dict.fromkeys(COMMENT_STATES.values(), 0)} for _ in periods]
    # Comments on public stories, as a list of those stories: joined to the
    # stories, PostgreSQL looked each of a million comments' story up in turn
    # (1.5 s; 0.7 s with the list).
    rows = counted(Comment.objects.filter(article__in=Article.objects.published(now)),
                   "created_at", periods, ["status"])
    for row in rows:
        for i, block in enumerate(blocks):
            block["received"] += row[f"p{i}"]
            block[COMMENT_STATES[row["status"]]] += row[f"p{i}"]
    # The shares of one row (a month, a total) add up to 100.0%, not 99.9% or 100.1%.
    states = list(COMMENT_STATES.values())
    for block in blocks:
        for state, value in zip(states, shares([block[state] for state in states])):
            block[f"share_{state}"] = value
    return "comments", blocks
