from django.contrib import admin

from core.admin import DeclaredLookupsOnly, EditConflictMixin

from .models import Page


@admin.register(Page)
class PageAdmin(DeclaredLookupsOnly, EditConflictMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["updated_at"]
    fields = ["slug", "title", "description", "body", "updated_at"]

    def has_add_permission(self, request):
        """Only while one of the site's pages (Page.Slug) is missing: with all of them there,
        an add form could only be refused after its body was written."""
        missing = set(Page.Slug.values) - set(Page.objects.values_list("slug", flat=True))
        return bool(missing) and super().has_add_permission(request)
