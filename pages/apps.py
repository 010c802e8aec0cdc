from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"

    def ready(self):
        from core import pagecache

        from .models import Page

        pagecache.invalidate_on_change(Page, _page_change)


def _page_change(page, event):
    from core.pagecache import Change

    return Change(frozenset({f"page-{page.slug}"}), takedown=event == "deleted")
