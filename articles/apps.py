from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save
        from taggit.models import Tag, TaggedItem

        from core import images, pagecache

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
        # A story's pictures are its readers' once it is public; every change to
        # the story goes stale with story-<pk>, its pictures at the edge with it.
        images.shown_with(Article._meta.get_field("image"),
                          public=lambda stories: stories.published(),
                          tags=lambda pk: [f"story-{pk}"], permission="articles.view_article")
        # A story's page names its reviewer. Django names the proxy an account was
        # saved through (accounts.Reader) as the sender, not the user model.
        user = get_user_model()
        for model in self.apps.get_models():
            if model._meta.concrete_model is user:
                label = model._meta.label_lower
                pre_save.connect(changes.reviewer_snapshot, sender=model,
                                 dispatch_uid=f"articles-reviewer-before-{label}")
                post_save.connect(changes.reviewer_renamed, sender=model,
                                  dispatch_uid=f"articles-reviewer-renamed-{label}")
