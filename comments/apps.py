from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Readers"

    def ready(self):
        from core import hooks, pagecache

        from .models import Comment
        from .moderation import comment_queues, log_decision
        from .transparency import comment_figures

        pagecache.invalidate_on_change(Comment, when_saved=_moderated)
        hooks.transparency_figures.register(comment_figures)
        hooks.moderation_queues.register(comment_queues)
        hooks.moderated.connect(log_decision, dispatch_uid="comments-moderation-log")


def _moderated(comment, created, update_fields):
    """A comment's status changed: the transparency report counts it (approved, held, hidden).

    A new comment does not bump: every comment would empty the whole cache.
    The report's "comments received" may lag instead, by at most one page
    lifetime (PAGE_CACHE_SECONDS); decisions show at once.
    """
    return not created and (update_fields is None or "status" in update_fields)
