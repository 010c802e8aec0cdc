from django.contrib import admin

from core.admin import DeclaredLookupsOnly, EditConflictMixin

from .models import Page


@admin.register(Page)
class PageAdmin(DeclaredLookupsOnly, EditConflictMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["updated_at"]
    fields = ["slug", "title", "description", "body", "updated_at"]
