"""Strict pagination: a ?page= that is not a plain positive number, or is out of range, is a 404."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404


def check_page_number(value):
    """Raise Http404 unless value (a ?page=, None when absent) is written in plain digits."""
    # Django's own pagination would also take "last", an empty value and other digits ("٣").
    if value is not None and not (value.isascii() and value.isdigit()):
        raise Http404("No such page.")


def strict_page(request, queryset, per_page):
    """The page of queryset that ?page= names (the first without one), for a function view."""
    page = request.GET.get("page", "1")
    check_page_number(page)
    try:
        return Paginator(queryset, per_page).page(page)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.") from None


class StrictPageMixin:
    """A list view's pages: 20 stories each (ARTICLES_PER_PAGE), a bad ?page= is a 404."""

    paginate_by = settings.ARTICLES_PER_PAGE

    def paginate_queryset(self, queryset, page_size):
        check_page_number(self.request.GET.get(self.page_kwarg))
        return super().paginate_queryset(queryset, page_size)
