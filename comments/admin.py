from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from . import moderation
from .models import (BiasReport, Comment, CommentReport, ModerationAction, Reader,
                     ReaderStanding, WordRule)


class ReasonActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason or note",
                             widget=forms.TextInput(attrs={"size": 40}))


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", "Needs review (pending or reported)")]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(Q(status=Comment.Status.PENDING) | Q(open_reports__gt=0))
        return queryset


class CommentReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    can_delete = False
    fields = ["reason", "reporter", "created_at", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["short_body", "reader_link", "article", "status", "hold_reason",
                    "open_reports", "created_at"]
    list_filter = [NeedsReviewFilter, "status", "created_at"]
    list_select_related = ["reader", "article"]
    search_fields = ["body", "reader__username"]
    action_form = ReasonActionForm
    actions = ["approve", "hide"]
    inlines = [CommentReportInline]
    fields = ["article", "reader", "body", "status", "hold_reason", "created_at",
              "moderator", "moderated_at", "moderation_reason"]
    readonly_fields = ["article", "reader", "body", "hold_reason", "created_at",
                       "moderator", "moderated_at"]

    def get_queryset(self, request):
        # Annotate before the admin orders by the annotation (get_ordering).
        return Comment.objects.moderation_queue()

    def get_ordering(self, request):
        return ["needs_review", "created_at", "pk"]

    @admin.display(description="comment")
    def short_body(self, comment):
        return comment.body if len(comment.body) <= 80 else comment.body[:79] + "…"

    @admin.display(description="reader", ordering="reader__username")
    def reader_link(self, comment):
        if not comment.reader_id:
            return "a former reader"
        return format_html('<a href="../reader/{}/change/">{}</a>', comment.reader_id,
                           comment.reader.get_username())

    @admin.display(description="open reports", ordering="open_reports")
    def open_reports(self, comment):
        return comment.open_reports

    def _decide(self, request, queryset, status):
        reason = request.POST.get("reason", "").strip()
        count = moderation.decide_comments(queryset, status, request.user, reason)
        self.message_user(request, f"{count} comment{'s' if count != 1 else ''} {status}.",
                          messages.SUCCESS)

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, Comment.Status.APPROVED)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide(self, request, queryset):
        self._decide(request, queryset, Comment.Status.HIDDEN)

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            moderation.decide_comments([obj], obj.status, request.user,
                                       form.cleaned_data.get("moderation_reason", ""))
        else:
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReaderStandingInline(admin.StackedInline):
    model = ReaderStanding
    fk_name = "reader"
    can_delete = False
    fields = ["is_premoderated", "suspended_until", "is_banned", "note"]
    verbose_name_plural = "Commenting standing"


class ReaderCommentInline(admin.TabularInline):
    model = Comment
    fk_name = "reader"
    extra = 0
    can_delete = False
    fields = ["created_at", "article", "body", "status", "moderation_reason"]
    readonly_fields = fields
    ordering = ["-created_at"]
    verbose_name_plural = "Comments (all, newest first)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReaderReportInline(admin.TabularInline):
    model = CommentReport
    fk_name = "reporter"
    extra = 0
    can_delete = False
    fields = ["created_at", "comment", "reason", "resolved_at"]
    readonly_fields = fields
    verbose_name_plural = "Comments this reader reported"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reader)
class ReaderAdmin(admin.ModelAdmin):
    """Per-reader history and standing: suspend, ban or pre-moderate."""

    list_display = ["username", "date_joined", "comment_count", "standing_summary"]
    search_fields = ["username"]
    fields = ["username", "date_joined", "last_login"]
    readonly_fields = fields
    inlines = [ReaderStandingInline, ReaderCommentInline, ReaderReportInline]

    def get_queryset(self, request):
        return (super().get_queryset(request).filter(is_staff=False)
                .select_related("standing").annotate(comment_total=Count("comments")))

    @admin.display(description="comments", ordering="comment_total")
    def comment_count(self, reader):
        return reader.comment_total

    @admin.display(description="standing")
    def standing_summary(self, reader):
        standing = getattr(reader, "standing", None)
        if standing is None:
            return "free to comment"
        if standing.is_banned:
            return "suspended for good"
        if standing.is_suspended():
            return f"suspended until {timezone.localtime(standing.suspended_until):%Y-%m-%d %H:%M}"
        return "pre-moderated" if standing.is_premoderated else "free to comment"

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, ReaderStanding):
                instance.updated_by = request.user
                instance.save()
                moderation.log(
                    request.user, "reader standing", instance.reader,
                    f"pre-moderation={'yes' if instance.is_premoderated else 'no'}, "
                    f"suspended until={instance.suspended_until or '-'}, "
                    f"for good={'yes' if instance.is_banned else 'no'}")
        formset.save_m2m()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin):
    list_display = ["word", "kind"]
    list_filter = ["kind"]
    search_fields = ["word"]


class BiasReportStatusFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open (new or in review)"), ("decided", "Decided")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "decided":
            return queryset.decided()
        return queryset


@admin.register(BiasReport)
class BiasReportAdmin(admin.ModelAdmin):
    list_display = ["reference", "article", "reason", "status", "waiting",
                    "open_on_story", "created_at"]
    list_filter = [BiasReportStatusFilter, "status", "reason",
                   ("article__section", admin.RelatedOnlyFieldListFilter),
                   ("article__author", admin.RelatedOnlyFieldListFilter),
                   ("article__author__is_ai", admin.BooleanFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["article__headline", "details", "quoted_passage"]
    action_form = ReasonActionForm
    actions = ["mark_in_review", "uphold", "dismiss"]
    fields = ["reference", "article", "reason", "quoted_passage", "details",
              "evidence_url", "contact_email", "created_at", "status", "resolution_note",
              "moderator", "resolved_at"]
    readonly_fields = ["reference", "article", "reason", "quoted_passage", "details",
                       "evidence_url", "contact_email", "created_at", "moderator",
                       "resolved_at"]

    def get_queryset(self, request):
        open_on_story = (BiasReport.objects.open().filter(article=OuterRef("article"))
                         .values("article").annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(
            open_count=Coalesce(Subquery(open_on_story), 0))

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        # Reporters' emails are for moderators only (DESIGN.md section 7).
        if not request.user.has_perm("comments.change_biasreport"):
            fields.remove("contact_email")
        return fields

    @admin.display(description="reference", ordering="pk")
    def reference(self, report):
        return report.reference

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, report):
        end = report.resolved_at or timezone.now()
        return timesince(report.created_at, end)

    @admin.display(description="open reports on story", ordering="open_count")
    def open_on_story(self, report):
        return report.open_count

    def _decide(self, request, queryset, status):
        note = request.POST.get("reason", "").strip()
        for report in queryset.select_related("article"):
            moderation.decide_bias_report(report, status, request.user, note)
        self.message_user(request, f"{queryset.count()} report(s) marked {status}.",
                          messages.SUCCESS)

    @admin.action(description="Mark selected reports in review", permissions=["change"])
    def mark_in_review(self, request, queryset):
        self._decide(request, queryset, BiasReport.Status.IN_REVIEW)

    @admin.action(description="Uphold selected reports", permissions=["change"])
    def uphold(self, request, queryset):
        self._decide(request, queryset, BiasReport.Status.UPHELD)

    @admin.action(description="Dismiss selected reports", permissions=["change"])
    def dismiss(self, request, queryset):
        self._decide(request, queryset, BiasReport.Status.DISMISSED)

    def save_model(self, request, obj, form, change):
        if change and {"status", "resolution_note"} & set(form.changed_data):
            moderation.decide_bias_report(obj, obj.status, request.user,
                                          form.cleaned_data.get("resolution_note", ""))
        else:
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "moderator", "action", "target", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["target", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
