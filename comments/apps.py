from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Readers"

    def ready(self):
        from core import hooks, pagecache

        from . import signals
        from .account import comment_history
        from .models import Comment
        from .moderation import comment_queues, log_decision, purge_held_standings
        from .transparency import comment_figures

        pagecache.invalidate_on_change(Comment, _comment_change)
        # Deleting an account turns its name under each comment into "former reader".
        pre_delete.connect(_reader_leaving, sender=settings.AUTH_USER_MODEL,
                           dispatch_uid="comments-reader-leaving")
        hooks.transparency_figures.register(comment_figures)
        hooks.moderation_queues.register(comment_queues)
        hooks.account_sections.register(comment_history)
        hooks.moderated.connect(log_decision, dispatch_uid="comments-moderation-log")
        hooks.personal_data.register(purge_held_standings)
        # A restricted reader's standing follows their mailbox to a new account.
        signals.connect()


def _comment_change(comment, event):
    """A comment shows in its story's comments block, once approved.

    A new held comment is shown nowhere. A decision also changes the
    transparency report's moderation figures; a hidden or deleted comment is
    taken down from its story, and only counted again in the report. New
    comments alone leave the report's "received" figures to lag by at most
    one page lifetime (PAGE_CACHE_SECONDS).
    """
    from core.pagecache import Change

    from .models import Comment

    block = f"comments-{comment.article_id}"
    if event == "created":
        return Change(frozenset({block})) if comment.status == Comment.Status.APPROVED else None
    return Change(frozenset({block}), counted=frozenset({"transparency"}),
                  takedown=event == "deleted" or comment.status != Comment.Status.APPROVED)


def _reader_leaving(sender, instance, **kwargs):
    from core.pagecache import changed

    from .models import Comment

    stories = set(Comment.objects.filter(reader=instance).values_list("article_id", flat=True))
    if stories:
        changed({f"comments-{pk}" for pk in stories}, takedown=True)
