from django.apps import AppConfig
from django.utils import timezone


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from taggit.models import Tag, TaggedItem

        from core import pagecache

        from .models import Article, RelatedArticle, Section

        for model in (Article, Section, RelatedArticle, Tag, TaggedItem):
            pagecache.invalidate_on_change(model)
        pagecache.invalidate_on_m2m_change(Article.tags.through)
        pagecache.next_publication_from(_next_publication)


def _next_publication():
    """When the next scheduled story goes public, or None."""
    from .models import Article

    return (Article.objects.scheduled(timezone.now()).order_by("published_at")
            .values_list("published_at", flat=True).first())
