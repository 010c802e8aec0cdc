from django.apps import AppConfig


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self):
        from core import pagecache

        from .models import Author

        pagecache.invalidate_on_change(Author)
