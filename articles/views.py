from django.conf import settings
from django.db.models import BooleanField, Case, F, Func, OuterRef, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from comments.models import BiasReport

from .models import Article, Correction, Section

FRONT_PAGE_PER_SECTION = 4


def count_of(queryset):
    """How many rows `queryset` has, as a subquery: no extra query, no GROUP BY outside."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def bias_report_counts(reports):
    """Annotations counting decided reports (reviewed) and upheld ones among `reports`."""
    decided = reports.decided()
    return {"bias_reports_reviewed": count_of(decided),
            "bias_reports_upheld": count_of(decided.filter(status=BiasReport.Status.UPHELD))}


class StrictPageMixin:
    """A ?page= that is not a plain positive number, or is out of range, is a 404."""

    paginate_by = settings.ARTICLES_PER_PAGE

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get(self.page_kwarg)
        # ListView alone would also take "last" and an empty value.
        if page is not None and not (page.isascii() and page.isdigit()):
            raise Http404("No such page.")
        return super().paginate_queryset(queryset, page_size)


class PublishedArticlesMixin(StrictPageMixin):
    """Lists of public stories, newest first."""

    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published().for_listing()


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        public = Article.objects.published()
        lead = public.filter(is_featured=True).for_listing().first()
        if lead is None:
            lead = public.for_listing().first()
        sections = list(Section.objects.all())
        latest = public.latest_by_section(FRONT_PAGE_PER_SECTION + 1, sections)
        if lead is not None:
            latest = latest.exclude(pk=lead.pk)
        by_section = {}
        for article in latest:
            by_section.setdefault(article.section_id, []).append(article)
        context["is_home"] = True
        context["lead"] = lead
        context["section_blocks"] = [
            (section, by_section[section.pk][:FRONT_PAGE_PER_SECTION])
            for section in sections
            if section.pk in by_section
        ]
        return context


class ArticleListView(PublishedArticlesMixin, ListView):
    template_name = "articles/article_list.html"


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_object(self, queryset=None):
        # The review record is counted in the article's own query: no extra one.
        reports = BiasReport.objects.filter(article=OuterRef("pk"))
        articles = (Article.objects.select_related("section", "author", "ai_reviewed_by")
                    .annotate(**bias_report_counts(reports)))
        article = get_object_or_404(articles, slug=self.kwargs["slug"])
        self.is_preview = not article.is_published()
        user = self.request.user
        if self.is_preview and not (user.is_staff and user.has_perm("articles.view_article")):
            raise Http404("No public story at this address.")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["is_preview"] = self.is_preview
        context["tags"] = list(article.tags.all())
        upheld = When(bias_report__status=BiasReport.Status.UPHELD, then=Value(True))
        context["corrections"] = corrections = list(article.corrections.annotate(
            follows_upheld_report=Case(upheld, default=Value(False),
                                       output_field=BooleanField())))
        context["related_articles"] = article.related_articles(
            tag_ids=[tag.pk for tag in context["tags"]])
        # Shown once a report is decided; open reports are not.
        if article.bias_reports_reviewed:
            context["review_record"] = {
                "reviewed": article.bias_reports_reviewed,
                "upheld": article.bias_reports_upheld,
                "corrections": [c for c in corrections if c.follows_upheld_report],
            }
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.is_preview:
            add_never_cache_headers(response)
            response["Cache-Control"] += ", private"
        return response


class SectionView(PublishedArticlesMixin, ListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(PublishedArticlesMixin, ListView):
    template_name = "articles/tag_detail.html"
    allow_empty = False  # a tag with no public story is a 404: its name could leak one

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class CorrectionListView(StrictPageMixin, ListView):
    """The public log of corrections and notes, newest first, each linking to its story."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"

    def get_queryset(self):
        return Correction.objects.public().select_related("article").order_by("-date", "-pk")
