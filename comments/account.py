"""The reader's comments on their account page (accounts shows it through core.hooks)."""

from articles.models import story_text
from core.pagination import strict_page

from .models import Comment

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
