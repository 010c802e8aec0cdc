from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Readers"

    def ready(self):
        from core import pagecache

        from .models import Comment

        pagecache.invalidate_on_change(Comment, when_saved=_moderated)


def _moderated(comment, created, update_fields):
    """A comment's status changed: the transparency report counts it (approved, held, hidden).

    A new comment does not bump: every comment would empty the whole cache.
    The report's "comments received" may lag instead, by at most one page
    lifetime (PAGE_CACHE_SECONDS); decisions show at once.
    """
    return not created and (update_fields is None or "status" in update_fields)
