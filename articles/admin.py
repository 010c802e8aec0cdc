"""The newsroom: editors write, schedule, revise and correct stories here."""

import datetime
import difflib
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag
from taggit.utils import edit_string_for_tags, parse_tags

from core.admin import DeclaredLookupsOnly, StaffUserChoiceField
from core.images import CheckedImageField, thumbnail

from .models import Article, RelatedArticle, Section, reviewing_editors

# Fields shown when two revisions are compared, in the order of the form.
REVISION_FIELDS = [
    "headline", "slug", "dek", "body", "section", "author", "status", "published_at",
    "is_featured", "image", "image_alt", "image_caption", "image_credit_source",
    "image_credit_photographer", "image_is_ai_generated", "ai_involvement",
    "ai_reviewed_by", "ai_reviewed_at",
]
# Long text is shown once, with the words taken out and put in marked.
LONG_TEXT_FIELDS = {"dek", "body"}


class ArticleAdminForm(forms.ModelForm):
    new_tags = forms.CharField(
        label="New tags", required=False,
        help_text="Tags not in the list yet, separated by commas.",
    )

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reviewer = self.fields.get("ai_reviewed_by")
        if reviewer is not None and self.instance.ai_reviewed_by_id is not None:
            # The reviewer on record stays a choice, even one who has since lost the right.
            reviewer.queryset = reviewer.queryset.model.objects.filter(
                Q(pk__in=reviewing_editors().values("pk"))
                | Q(pk=self.instance.ai_reviewed_by_id)).order_by("username")
        revision = to_historic(self.instance)
        if revision is not None and "tags" in self.fields:
            # Restoring a revision restores its tags too.
            names = parse_tags(revision.tag_names)
            existing = list(Tag.objects.filter(name__in=names))
            known = {tag.name for tag in existing}
            self.initial["tags"] = [tag.pk for tag in existing]
            self.initial["new_tags"] = edit_string_for_tags(
                [Tag(name=name) for name in names if name not in known]
            )

    def clean(self):
        cleaned_data = super().clean()
        if "tags" in self.fields:
            tags = list(cleaned_data.get("tags") or [])
            known = {tag.name.lower() for tag in tags}
            for name in parse_tags(cleaned_data.get("new_tags", "")):
                if name.lower() not in known:
                    known.add(name.lower())
                    tags.append(name)
            cleaned_data["tags"] = tags
        return cleaned_data


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Article.State.choices

    def queryset(self, request, queryset):
        match self.value():
            case Article.State.DRAFT:
                return queryset.drafts()
            case Article.State.SCHEDULED:
                return queryset.scheduled()
            case Article.State.PUBLISHED:
                return queryset.published()
        return queryset


class AuthorKindFilter(admin.SimpleListFilter):
    title = "AI or human author"
    parameter_name = "author_kind"

    def lookups(self, request, model_admin):
        return [("ai", "AI persona"), ("human", "Human")]

    def queryset(self, request, queryset):
        if self.value() in ("ai", "human"):
            return queryset.filter(author__is_ai=self.value() == "ai")
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = Tag.objects.filter(article__isnull=False).distinct().order_by("name")
        return [(tag.slug, tag.name) for tag in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset


# django-taggit registers its own admin for tags; this one adds the lookup rule.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(DeclaredLookupsOnly, TaggitTagAdmin):
    pass


@admin.register(Section)
class SectionAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class RelatedArticleInline(admin.TabularInline):
    model = RelatedArticle
    fk_name = "from_article"
    autocomplete_fields = ["to_article"]
    extra = 0
    verbose_name = "related story (editor's pick)"
    verbose_name_plural = "Related stories: editor's picks, in order"


@admin.register(Article)
class ArticleAdmin(DeclaredLookupsOnly, SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = ["thumbnail", "headline", "section", "byline", "state", "is_featured",
                    "published_at", "updated_at", "site_link"]
    list_display_links = ["headline"]
    list_filter = [StateFilter, "section", "author", AuthorKindFilter, "is_featured",
                   "ai_involvement", TagFilter]
    list_select_related = ["section", "author"]
    search_fields = ["headline", "dek", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["author", "section"]
    readonly_fields = ["image_preview", "state_note"]
    # Apps above articles add theirs (standards: corrections) from their own admin.
    inlines = [RelatedArticleInline]
    actions = ["publish_now", "unpublish", "feature", "unfeature"]
    fieldsets = [
        ("Story", {"fields": ["headline", "slug", "dek", "body", "section"]}),
        ("Byline", {
            "fields": ["author", "ai_involvement", "ai_reviewed_by", "ai_reviewed_at"],
            "description": "A story by an AI persona, or generated by AI, needs a named "
                           "reviewing editor before it is published.",
        }),
        ("Photo", {"fields": ["image", "image_preview", "image_alt", "image_caption",
                              "image_credit_source", "image_credit_photographer",
                              "image_is_ai_generated"]}),
        ("Publishing", {
            "fields": ["status", "published_at", "state_note", "is_featured"],
            "description": "A published story with a publication time still to come is "
                           "scheduled: it becomes public at that time by itself.",
        }),
        ("Related", {"fields": ["tags", "new_tags"]}),
    ]
    object_history_list_template = "admin/articles/article/object_history_list.html"
    compare_template = "admin/articles/article/compare_revisions.html"

    # The changelist.

    @admin.display(description="")
    def thumbnail(self, article):
        if not article.image:
            return ""
        return thumbnail(article.image_renditions, article.image.storage, article.image_alt, 80)

    @admin.display(description="author", ordering="author__name")
    def byline(self, article):
        if article.author.is_ai:
            return format_html('{} <abbr title="AI persona">(AI)</abbr>', article.author.name)
        return article.author.name

    @admin.display(description="state", ordering="status")
    def state(self, article):
        return article.state.label

    @admin.display(description="on site")
    def site_link(self, article):
        label = "View on site" if article.is_published() else "Preview"
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), label)

    # The change form.

    def view_on_site(self, article):
        # Drafts and scheduled stories get the Preview link instead.
        return article.get_absolute_url() if article.is_published() else None

    @admin.display(description="current image")
    def image_preview(self, article):
        if not article.image:
            return "No image yet."
        return thumbnail(article.image_renditions, article.image.storage, article.image_alt, 240)

    @admin.display(description="state")
    def state_note(self, article):
        if article.pk is None:
            return "Draft"
        if article.state == Article.State.SCHEDULED:
            return f"Scheduled: public from {_local(article.published_at)}"
        return article.state.label

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image":
            kwargs["form_class"] = CheckedImageField
        if db_field.name == "tags":
            return forms.ModelMultipleChoiceField(
                queryset=Tag.objects.all(), required=False,
                widget=AutocompleteSelectMultiple(db_field, self.admin_site),
                help_text="Existing tags; type to search.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ai_reviewed_by":
            kwargs["queryset"] = reviewing_editors()
            kwargs["form_class"] = StaffUserChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # An inline added from above (standards' corrections) acts on its saved rows.
        saved = getattr(formset, "after_save", None)
        if saved is not None:
            saved()

    def save_model(self, request, article, form, change):
        super().save_model(request, article, form, change)
        if article.state == Article.State.SCHEDULED:
            self.message_user(request, f"“{article}” is scheduled: it becomes public on "
                                       f"{_local(article.published_at)}.", messages.INFO)

    # Bulk actions. Each story is saved on its own so that it keeps a revision.

    def _save_each(self, request, queryset, change, verb):
        done, refused = 0, []
        for article in queryset.select_related("author", "ai_reviewed_by"):
            change(article)
            try:
                article.clean()
            except ValidationError as error:
                refused.append(f"“{article}”: {' '.join(error.messages)}")
                continue
            article._history_user = request.user
            article.save()
            done += 1
        if done:
            self.message_user(request, f"{verb} {done} {'story' if done == 1 else 'stories'}.",
                              messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not {verb.lower()}: {reason}", messages.ERROR)

    @admin.action(description="Publish selected stories now", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()

        def publish(article):
            if not article.is_published(now):
                article.status = Article.Status.PUBLISHED
                article.published_at = now

        self._save_each(request, queryset, publish, "Published")

    @admin.action(description="Unpublish selected stories (back to draft)",
                  permissions=["change"])
    def unpublish(self, request, queryset):
        def unpublish(article):
            article.status = Article.Status.DRAFT

        self._save_each(request, queryset, unpublish, "Unpublished")

    @admin.action(description="Feature selected stories", permissions=["change"])
    def feature(self, request, queryset):
        def feature(article):
            article.is_featured = True

        self._save_each(request, queryset, feature, "Featured")

    @admin.action(description="Unfeature selected stories", permissions=["change"])
    def unfeature(self, request, queryset):
        def unfeature(article):
            article.is_featured = False

        self._save_each(request, queryset, unfeature, "Unfeatured")

    # Revisions: listed on the history page, compared two at a time, restored.

    def get_urls(self):
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="articles_article_compare",
        )
        # Ahead of django-simple-history's "<id>/history/<version>/", which would match too.
        return [compare, *super().get_urls()]

    def get_historical_record_context_helper(self, request, historical_record):
        return RevisionContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        super().set_history_delta_changes(request, historical_records, **kwargs)
        records = list(historical_records)
        for newer, older in zip(records, records[1:]):
            if newer.tag_names != older.tag_names:
                newer.history_delta_changes = [
                    *getattr(newer, "history_delta_changes", []),
                    {"field": "Tags", "old": older.tag_names, "new": newer.tag_names},
                ]

    def history_view(self, request, object_id, extra_context=None):
        _require_numbers(unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _require_numbers(unquote(object_id), version_id)
        # django-simple-history checks only view permission here, and its form
        # would save a revert for a user who may view but not change articles.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def compare_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        revisions = article.history.select_related("history_user")
        try:
            chosen = [revisions.get(history_id=int(request.GET[key])) for key in ("from", "to")]
        except (KeyError, ValueError, ObjectDoesNotExist):
            raise Http404("Choose two revisions of this article.") from None
        older, newer = sorted(chosen, key=lambda r: (r.history_date, r.history_id))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare revisions: {article}",
            "opts": self.model._meta,
            "object": article,
            "older": older,
            "newer": newer,
            "rows": _compare_revisions(older, newer),
            "history_url": reverse("admin:articles_article_history", args=[article.pk]),
        }
        return TemplateResponse(request, self.compare_template, context)


def _require_numbers(*ids):
    """404 unless every id is a number: django-simple-history looks revisions up by
    ids as they come, and one that is not a number would be a server error."""
    if not all(value.isascii() and value.isdigit() for value in ids):
        raise Http404("No such revision.")


def _local(moment):
    return date_format(timezone.localtime(moment), "l, F j, Y \\a\\t g:i A")


def _display(field, value):
    """A field's value as an editor reads it."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return _local(value)
    return str(value)


def _revision_value(revision, name):
    try:
        value = getattr(revision, name)
    except ObjectDoesNotExist:
        return "(deleted)"
    return _display(Article._meta.get_field(name), value)


class RevisionContextHelper(HistoricalRecordContextHelper):
    """Shows changes on the history page as the form does: labels, local times, Yes/No."""

    def prepare_delta_change_value(self, change, value):
        return _display(self.model._meta.get_field(change.field), value)


def _word_diff(old, new):
    """(kind, text) runs, kind being "same", "removed" or "added", word by word."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    runs = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(old_words[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(new_words[j1:j2])))
    return runs


def _compare_revisions(older, newer):
    """One row per field: label, both values, whether it changed, a word diff for long text."""
    rows = []
    for name in REVISION_FIELDS:
        label = capfirst(Article._meta.get_field(name).verbose_name)
        old, new = _revision_value(older, name), _revision_value(newer, name)
        diff = None
        if name in LONG_TEXT_FIELDS and old != new:
            diff = _word_diff(getattr(older, name), getattr(newer, name))
        rows.append({"label": label, "old": old, "new": new, "changed": old != new,
                     "diff": diff})
    rows.append({"label": "Tags", "old": older.tag_names or "—", "new": newer.tag_names or "—",
                 "changed": older.tag_names != newer.tag_names, "diff": None})
    return rows
