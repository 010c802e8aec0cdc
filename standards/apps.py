from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "Standards"

    def ready(self):
        from articles.authors import register_author_annotations
        from articles.views import register_story_annotations
        from core import hooks, pagecache

        from .models import BiasReport, Correction
        from .personal_data import purge_reporters
        from .views import author_review_counts, story_review_counts

        for model in (Correction, BiasReport):
            pagecache.invalidate_on_change(model)
        register_story_annotations(story_review_counts)
        register_author_annotations(author_review_counts)
        hooks.personal_data.register(purge_reporters)
