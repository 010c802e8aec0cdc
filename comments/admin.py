import csv
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from core.admin import DeclaredLookupsOnly

from . import moderation
from .models import (BiasReport, Comment, CommentReport, ModerationAction, Reader,
                     ReaderStanding, WordRule)


class ReasonActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason or note",
                             widget=forms.TextInput(attrs={"size": 40}))


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _when(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


class CSVExportMixin:
    """An "Export CSV" link on the changelist: the rows as filtered, searched and sorted there."""

    change_list_template = "admin/comments/export_change_list.html"
    csv_name = ""
    csv_header = []

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export.csv", self.admin_site.admin_view(self.export_csv), name=name)
        return [export, *super().get_urls()]

    def export_csv(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Those filters do not apply here.")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_name}-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(self.csv_header)
        for row in self.csv_rows(changelist.queryset.iterator(chunk_size=2000)):
            writer.writerow([_cell(value) for value in row])
        return response


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
class CommentAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
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
class ReaderAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
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
class WordRuleAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
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


def draft_correction_url(report):
    """The correction form, prefilled to cite this report."""
    # A factual error is corrected; the other reasons usually call for a clarification.
    kind = "correction" if report.reason == BiasReport.Reason.FACTUAL_ERROR else "clarification"
    query = urlencode({"article": report.article_id, "bias_report": report.pk, "kind": kind})
    return f"{reverse('admin:articles_correction_add')}?{query}"


@admin.register(BiasReport)
class BiasReportAdmin(DeclaredLookupsOnly, CSVExportMixin, admin.ModelAdmin):
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
              "moderator", "resolved_at", "follow_up"]
    readonly_fields = ["reference", "article", "reason", "quoted_passage", "details",
                       "evidence_url", "contact_email", "created_at", "moderator",
                       "resolved_at", "follow_up", "follow_up_for_editors"]
    # Reporters' emails and fingerprints stay out of the export.
    csv_name = "bias-reports"
    csv_header = ["reference", "story", "story_url", "reason", "status", "created",
                  "resolved", "waiting_days"]

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
        # Those who may add corrections are offered to draft one.
        if request.user.has_perm("articles.add_correction"):
            fields[fields.index("follow_up")] = "follow_up_for_editors"
        return fields

    def csv_rows(self, reports):
        now = timezone.now()
        for report in reports:
            waited = (report.resolved_at or now) - report.created_at
            yield [report.reference, report.article.headline,
                   settings.SITE_URL + report.article.get_absolute_url(), report.reason,
                   report.status, _when(report.created_at), _when(report.resolved_at),
                   f"{waited.total_seconds() / 86400:.1f}"]

    def _follow_up(self, report, offer_draft):
        corrections = list(report.corrections.order_by("date", "pk"))
        if corrections:
            story = report.article.get_absolute_url()
            return format_html_join(
                ", ", '<a href="{}#correction-{}">{} of {}</a>',
                ((story, c.pk, c.get_kind_display(),
                  date_format(timezone.localtime(c.date), "M j, Y")) for c in corrections))
        if report.status != BiasReport.Status.UPHELD:
            return "None"
        if offer_draft:
            return format_html('<a href="{}">Draft a correction citing {}</a>',
                               draft_correction_url(report), report.reference)
        return "None yet: an editor drafts it."

    @admin.display(description="correction")
    def follow_up(self, report):
        return self._follow_up(report, offer_draft=False)

    @admin.display(description="correction")
    def follow_up_for_editors(self, report):
        return self._follow_up(report, offer_draft=True)

    def _offer_correction(self, request, report):
        """After an upheld decision: offer to draft the correction, or say who will."""
        if request.user.has_perm("articles.add_correction"):
            self.message_user(request, format_html(
                '{} upheld. <a href="{}">Draft a correction citing it</a>.',
                report.reference, draft_correction_url(report)), messages.INFO)
        else:
            self.message_user(request, f"{report.reference} upheld: an editor can now draft "
                                       f"the correction from the report's page.", messages.INFO)

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
        reports = list(queryset.select_related("article"))
        for report in reports:
            moderation.decide_bias_report(report, status, request.user, note)
        self.message_user(request, f"{len(reports)} report(s) marked {status}.",
                          messages.SUCCESS)
        if status == BiasReport.Status.UPHELD:
            for report in reports:
                self._offer_correction(request, report)

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
            if "status" in form.changed_data and obj.status == BiasReport.Status.UPHELD:
                self._offer_correction(request, obj)
        else:
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(DeclaredLookupsOnly, CSVExportMixin, admin.ModelAdmin):
    list_display = ["created_at", "moderator", "action", "target", "reason"]
    list_filter = ["action", "created_at"]
    list_select_related = ["moderator"]
    search_fields = ["target", "reason"]
    date_hierarchy = "created_at"
    csv_name = "moderation-log"
    csv_header = ["created", "moderator", "action", "target", "reason"]

    def csv_rows(self, actions):
        for action in actions:
            moderator = action.moderator.get_username() if action.moderator_id else ""
            yield [_when(action.created_at), moderator, action.action, action.target,
                   action.reason]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
