from django.db.models import Count, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import ListView

from articles.feeds import public_authors
from articles.models import Article, public_story
from articles.views import bias_report_counts, count_of
from comments.models import BiasReport
from core.pagination import StrictPageMixin

from .models import Author


class AuthorListView(ListView):
    template_name = "authors/author_list.html"
    context_object_name = "authors"

    def get_queryset(self):
        # An author with nothing public is listed nowhere; their page stays, unindexed.
        return public_authors().annotate(public_count=count_of(
            Article.objects.published().filter(author=OuterRef("pk"))))


class AuthorDetailView(StrictPageMixin, ListView):
    """An author's profile and their public stories, paginated."""

    template_name = "authors/author_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        # Counted in the author's own query, so the page costs no extra one.
        now = timezone.now()
        corrections = Count("articles__corrections", filter=public_story("articles__", now))
        # An AI persona's review record beside the newsroom's, in the same query.
        public_reports = BiasReport.objects.filter(public_story("article__", now))
        newsroom = bias_report_counts(public_reports)
        authors = Author.objects.annotate(
            correction_count=corrections,
            **bias_report_counts(public_reports.filter(article__author=OuterRef("pk"))),
            public_stories=count_of(Article.objects.published(now).filter(
                author=OuterRef("pk"))),
            newsroom_reviewed=newsroom["bias_reports_reviewed"],
            newsroom_upheld=newsroom["bias_reports_upheld"],
            newsroom_stories=count_of(Article.objects.published(now)),
        )
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        return Article.objects.published(now).by_author(self.author).for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(author=self.author, **kwargs)
        if self.author.is_ai:
            a = self.author
            context["review_record"] = {
                "reviewed": a.bias_reports_reviewed, "upheld": a.bias_reports_upheld,
                "stories": a.public_stories, "newsroom_stories": a.newsroom_stories,
                "per_10": _per_10(a.bias_reports_reviewed, a.bias_reports_upheld,
                                  a.public_stories),
                "newsroom_per_10": _per_10(a.newsroom_reviewed, a.newsroom_upheld,
                                           a.newsroom_stories),
            }
        return context


def _per_10(reviewed, upheld, stories):
    """Reports reviewed and upheld per 10 public stories, to one decimal (None without stories)."""
    if not stories:
        return None
    return {"reviewed": round(10 * reviewed / stories, 1),
            "upheld": round(10 * upheld / stories, 1)}
