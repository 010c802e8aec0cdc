from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from taggit.models import Tag, TaggedItem

        from core import pagecache

        from . import invalidation as changes
        from .models import Article, RelatedArticle, Section

        pagecache.remember_before_save(Article, changes.snapshot)
        pagecache.invalidate_on_change(Article, changes.article_change)
        pagecache.invalidate_on_change(Section, changes.section_change)
        pagecache.invalidate_on_change(RelatedArticle, changes.related_change)
        pagecache.invalidate_on_change(Tag, changes.tag_change)
        # taggit adds and removes a story's tags as TaggedItem rows, with their signals.
        pagecache.remember_before_save(TaggedItem, changes.tagging_snapshot)
        pagecache.invalidate_on_change(TaggedItem, changes.tagging_change)
        pagecache.publication_sweep_from(changes.next_publication, changes.published_between)
