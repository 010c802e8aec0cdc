from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Readers"

    def ready(self):
        from core import hooks, pagecache

        from . import signals
        from .account import account_data, comment_history, standing_record
        from .models import Comment
        from .moderation import (comment_queues, decisions_about, log_decision,
                                 purge_held_standings)
        from .transparency import comment_figures

        pagecache.invalidate_on_change(Comment, _comment_change)
        # Deleting an account turns its name under each comment into "former reader".
        pre_delete.connect(_reader_leaving, sender=settings.AUTH_USER_MODEL,
                           dispatch_uid="comments-reader-leaving")
        # A reader's username is shown under each comment. Django names the proxy an
        # account was saved through (accounts.Reader) as the sender, not the user model.
        for model in self.apps.get_models():
            if model._meta.concrete_model is get_user_model():
                label = model._meta.label_lower
                pre_save.connect(_reader_renaming, sender=model,
                                 dispatch_uid=f"comments-reader-renaming-{label}")
                post_save.connect(_reader_renamed, sender=model,
                                  dispatch_uid=f"comments-reader-renamed-{label}")
                post_delete.connect(_standing_made_meanwhile, sender=model,
                                    dispatch_uid=f"comments-standing-made-meanwhile-{label}")
        hooks.transparency_figures.register(comment_figures)
        hooks.moderation_queues.register(comment_queues)
        hooks.account_sections.register(standing_record)
        hooks.account_sections.register(comment_history)
        hooks.account_data.register(account_data)
        hooks.moderated.connect(log_decision, dispatch_uid="comments-moderation-log")
        hooks.decisions_about.register(decisions_about)
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


def _standing_made_meanwhile(sender, instance, **kwargs):
    """A standing the desk gave the reader while the account was being deleted goes with it,
    held as the deletion holds one (moderation.forget_reader).

    The desk holds the reader FOR KEY SHARE only (moderation._restrict), which the
    deletion's lock lets through: made after the deletion had looked for what goes
    with the account, the standing still named it at the commit, a 500 that kept the
    account. The account's row is deleted by now, so any such save has ended.
    """
    from .models import ReaderStanding
    from .moderation import forget_reader

    made = ReaderStanding.objects.filter(reader_id=instance.pk)
    if made.exists():
        forget_reader(sender, user=instance)
        made.delete()


def _shown_fields(user_model):
    """What decides the name under an account's comments (Comment.shown_name)."""
    return (user_model.USERNAME_FIELD, "is_staff", "first_name", "last_name")


def _reader_renaming(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before an account is saved: what its comments show of it, when the save may
    change it (a sign-in saves last_login alone, and reads nothing here)."""
    instance.__dict__.pop("_commenter_before", None)
    fields = _shown_fields(sender)
    if raw or instance._state.adding or (update_fields is not None
                                         and not set(fields) & set(update_fields)):
        return
    instance._commenter_before = (sender._default_manager.filter(pk=instance.pk)
                                  .values_list(*fields).first())


def _reader_renamed(sender, instance, **kwargs):
    """An account was saved: if what its comments show of it changed (its username, or
    its name and mark as the newsroom's), the comments blocks showing it."""
    from core.pagecache import changed

    from .models import Comment

    before = instance.__dict__.pop("_commenter_before", None)
    after = tuple(getattr(instance, field) for field in _shown_fields(type(instance)))
    if before is None or tuple(before) == after:
        return
    stories = set(Comment.objects.filter(reader=instance).values_list("article_id", flat=True))
    if stories:
        changed({f"comments-{pk}" for pk in stories})
