from django.apps import AppConfig


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self):
        from core import pagecache

        from .models import Author

        pagecache.invalidate_on_change(Author, _author_change)


def _author_change(author, event):
    """An author's byline is on every card and story of theirs, and on the authors' pages."""
    from core.pagecache import Change

    return Change(frozenset({f"author-{author.pk}", "authors", "syndication"}), takedown=event == "deleted")
