"""Page-cache invalidation: any change a reader could see makes every cached page stale.

Bumping one site-wide version is exact (no page can miss a change that
affects it) and cheap: publishing is rare next to reading.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from evadaily.pagecache import bump_site_version


def _changed(sender, **kwargs):
    bump_site_version()


def _comment_moderated(sender, created, update_fields=None, **kwargs):
    """A comment's status changed: the transparency report counts it (approved, held, hidden).

    A new comment does not bump: every comment would empty the whole cache.
    The report's "comments received" may lag instead, by at most one page
    lifetime (PAGE_CACHE_SECONDS); decisions show at once.
    """
    if not created and (update_fields is None or "status" in update_fields):
        bump_site_version()


def connect():
    from articles.models import Article, Correction, RelatedArticle, Section
    from authors.models import Author
    from comments.models import BiasReport, Comment
    from pages.models import Page

    for model in (Article, Section, Author, Correction, RelatedArticle, Tag, TaggedItem,
                  Page, BiasReport):
        post_save.connect(_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"pagecache-delete-{model}")
    m2m_changed.connect(_changed, sender=Article.tags.through, dispatch_uid="pagecache-tags")
    post_save.connect(_comment_moderated, sender=Comment, dispatch_uid="pagecache-comment-status")
    post_delete.connect(_changed, sender=Comment, dispatch_uid="pagecache-comment-delete")
