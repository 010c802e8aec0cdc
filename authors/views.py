from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import ListView

from articles.models import Article
from articles.views import StrictPageMixin

from .models import Author


class AuthorListView(ListView):
    template_name = "authors/author_list.html"
    context_object_name = "authors"

    def get_queryset(self):
        public = Q(articles__status=Article.Status.PUBLISHED,
                   articles__published_at__lte=timezone.now())
        return Author.objects.annotate(public_count=Count("articles", filter=public))


class AuthorDetailView(StrictPageMixin, ListView):
    """An author's profile and their public stories, paginated."""

    template_name = "authors/author_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        # Counted in the author's own query, so the page costs no extra one.
        corrections = Count("articles__corrections", filter=Q(
            articles__status=Article.Status.PUBLISHED,
            articles__published_at__lte=timezone.now(),
        ))
        authors = Author.objects.annotate(correction_count=corrections)
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        return Article.objects.published().by_author(self.author).for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
