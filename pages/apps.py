from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"

    def ready(self):
        from core import pagecache

        from .models import Page

        pagecache.invalidate_on_change(Page)
