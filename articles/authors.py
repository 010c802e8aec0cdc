"""The author pages and feeds, served from articles: a story points at its author, so
authors knows no stories (DESIGN.md section 2)."""

from django.db.models import OuterRef
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.views.generic import ListView

from authors.models import Author
from core.pagecache import public_page, tag
from core.pagination import StrictPageMixin
from core.queries import count_of

from . import feeds
from .feeds import public_authors
from .invalidation import FEED_TAGS, tag_cards
from .models import Article

# Apps above articles count their rows about an author inside the author's own
# query (standards: corrections and the review record): the page costs no extra one.
_author_annotations = []


def register_author_annotations(annotations):
    """Add annotations(now) -> {name: expression over the author} to the author page's query."""
    _author_annotations.append(annotations)


class AuthorListView(ListView):
    template_name = "authors/author_list.html"
    context_object_name = "authors"

    def get_queryset(self):
        # An author with nothing public is listed nowhere; their page stays, unindexed.
        return public_authors().annotate(public_count=count_of(
            Article.objects.published().filter(author=OuterRef("pk"))))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Who is listed, and their counts, change with every story published.
        tag(self.request, "authors", "stories-all",
            *(f"author-{author.pk}" for author in context["authors"]))
        return context


class AuthorDetailView(StrictPageMixin, ListView):
    """An author's profile and their public stories, paginated."""

    template_name = "authors/author_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        now = timezone.now()
        authors = Author.objects.annotate(
            public_stories=count_of(Article.objects.published(now).filter(
                author=OuterRef("pk"))),
            newsroom_stories=count_of(Article.objects.published(now)),
        )
        for annotations in _author_annotations:
            authors = authors.annotate(**annotations(now))
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        return Article.objects.published(now).by_author(self.author).for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(author=self.author, **kwargs)
        # The profile sets the author's record beside the newsroom's (all stories,
        # corrections and decided bias reports).
        tag_cards(self.request, context["object_list"], f"author-{self.author.pk}",
                  f"stories-author-{self.author.pk}", "stories-all", "review-record")
        return context


# Included by evadaily/urls.py under the "authors" namespace: the URLs and their
# names are the authors' pages, wherever they are served from.
urlpatterns = [
    path("authors/", public_page(AuthorListView.as_view()), name="list"),
    path("authors/<slug:slug>/", public_page(AuthorDetailView.as_view(), params=("page",)),
         name="detail"),
    path("authors/<slug:slug>/feed/", public_page(feeds.AuthorFeed(), tags=FEED_TAGS),
         name="feed"),
    path("authors/<slug:slug>/feed/atom/", public_page(feeds.AuthorAtomFeed(), tags=FEED_TAGS),
         name="feed-atom"),
]
