from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "Standards"

    def ready(self):
        from django.db.models.signals import post_save

        from accounts.signals import account_deleting
        from articles.authors import register_author_annotations
        from articles.models import Article
        from articles.views import register_story_annotations
        from core import hooks, pagecache

        from .account import bias_report_data, bias_report_history
        from .models import BiasReport, Correction
        from .notices import story_saved
        from .personal_data import forget_reporter, purge_reporters
        from .views import author_review_counts, story_review_counts

        pagecache.invalidate_on_change(Correction, _correction_change)
        pagecache.invalidate_on_change(BiasReport, _bias_report_change)
        register_story_annotations(story_review_counts)
        register_author_annotations(author_review_counts)
        hooks.personal_data.register(purge_reporters)
        hooks.account_sections.register(bias_report_history)
        hooks.account_data.register(bias_report_data)
        account_deleting.connect(forget_reporter, dispatch_uid="standards-forget-reporter")
        # Correction emails held while a story was not public go when it is again.
        post_save.connect(story_saved, sender=Article, dispatch_uid="standards-held-notices")


def _correction_change(correction, event):
    """A correction shows on its story, in the corrections log and in the review record.

    On a public story it is also the story's last change, which its feed items
    and sitemap entries are dated by (articles.feeds.last_correction): saved
    on its own (its admin, a bias report's), it leaves the story's
    updated_at, and so the story's own "syndication", as they were.
    """
    from articles.models import Article
    from core.pagecache import Change

    tags = {f"story-{correction.article_id}", "corrections", "review-record"}
    if Article.objects.published().filter(pk=correction.article_id).exists():
        tags.add("syndication")
    return Change(frozenset(tags), takedown=event == "deleted")


def _bias_report_change(report, event):
    """A new report is shown nowhere; its decision is, on its story and in the review record.

    The transparency report's "received" figures may lag by one page lifetime.
    """
    from core.pagecache import Change

    if event == "created":
        return None
    return Change(frozenset({f"story-{report.article_id}", "review-record"}))
