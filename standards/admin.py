"""Bias reports and corrections in the newsroom: deciding reports, drafting the notes that follow."""

import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from simple_history.admin import SimpleHistoryAdmin

from articles.admin import ArticleAdmin
from articles.models import Article, record_time, story_text
from core.admin import (ConditionFilter, CSVExportMixin, DecisionsInHistoryMixin,
                        DeclaredLookupsOnly, EditConflictMixin, ReadOnlyRevisionsMixin,
                        ReasonActionForm, ReasonedActions, decision_action, local_iso,
                        reason_field)
from core.revisions import ComparedRevisionsMixin, require_numbers
from core.rowlocks import still_there
from core.text import normalize

from . import notices, workflow
from .models import (REPORT_ON_ANOTHER_STORY, BiasReport, Correction, decided_report,
                     open_report)

# BR-000123, as reporters and moderators see it; "br-123" and "123" are read alike.
REPORT_REFERENCE = re.compile(r"(?:BR-?)?0*([1-9]\d{0,18})", re.IGNORECASE)


class BiasReportReferenceField(forms.CharField):
    """A bias report chosen by its reference (BR-000123) rather than by its database id."""

    default_error_messages = {
        "invalid": "Give the bias report’s reference, like BR-000123.",
        "unknown": "There is no bias report %(reference)s.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "BR-000123",
                                                           "size": 12}))
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        # The stored id (or a ?bias_report=<id> link) is shown as its reference;
        # anything else typed is shown as typed.
        number = _report_id(value)
        return value if number is None else BiasReport(pk=number).reference

    def number(self, value):
        """The report id a reference names, None when empty; ValidationError when malformed."""
        text = super().to_python(value)
        if not text:
            return None
        match = REPORT_REFERENCE.fullmatch(text)
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(match[1])

    def to_python(self, value):
        number = self.number(value)
        if number is None:
            return None
        report = BiasReport.objects.filter(pk=number).first() if number < 2**63 else None
        if report is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown",
                                  params={"reference": BiasReport(pk=number).reference})
        return report

    def has_changed(self, initial, data):
        try:
            return _report_id(initial) != self.number(data)
        except ValidationError:
            return True


def _report_id(value):
    """The id in a stored or linked value (a report, an id, digits), else None."""
    if isinstance(value, BiasReport):
        return value.pk
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


class CorrectionForm(forms.ModelForm):
    bias_report = BiasReportReferenceField(
        label="Bias report", help_text="The reference of the reader’s bias report that led "
                                       "to this note, if any (BR-000123). Once the report is "
                                       "upheld, its reporter is emailed a link to the note.")

    class Meta:
        model = Correction
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
        # A story being added has no reports yet; the model's check, which compares
        # saved stories, cannot tell.
        article = cleaned_data.get("article")
        if (cleaned_data.get("bias_report") is not None and article is not None
                and article.pk is None):
            self.add_error("bias_report", REPORT_ON_ANOTHER_STORY)
        # Deleted by another editor since it was chosen: a 500 at the commit (the story's
        # key), the text lost, as a story's section was (ArticleAdminForm.clean).
        if article is not None and article.pk is not None and not still_there(article):
            self.add_error("article", "This story was deleted while the correction was being "
                                      "saved. Choose another; nothing else was lost.")
        return cleaned_data


class CorrectionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # A correction readers may have seen stays on the record, also when the story is
        # taken down in the same save (Correction.deletion_refusal).
        chosen = [form.instance.pk for form in self.deleted_forms if form.instance.pk]
        if self.instance.pk is None or not chosen:
            return
        refusals = [correction.deletion_refusal() for correction in Correction.objects
                    .select_related("article").filter(pk__in=chosen).order_by("date", "pk")]
        if any(refusals):
            # Errors of a form marked for deletion are not shown: these are the formset's.
            raise ValidationError([ValidationError(refusal, code="on_the_record")
                                   for refusal in refusals if refusal])

    def after_save(self):
        """Called by ArticleAdmin.save_formset once the story's corrections are saved."""
        _tell_reporters(f for f in self.forms if f not in self.deleted_forms)


class CorrectionInline(admin.StackedInline):
    model = Correction
    form = CorrectionForm
    formset = CorrectionFormSet
    fields = ["kind", "date", "text", "bias_report"]
    extra = 0
    verbose_name_plural = "Corrections and editor's notes"


def _require_story(correction_id):
    """404 for the history of a correction deleted with its story: its revisions name a
    story that no longer exists (the page was a server error, and Revert could not
    restore it: a story's revision restores the story without its corrections)."""
    if Correction.objects.filter(pk=correction_id).exists():
        return
    latest = Correction.history.filter(id=correction_id).order_by("-history_id").first()
    if latest is not None and not Article.objects.filter(pk=latest.article_id).exists():
        raise Http404("This correction was deleted with its story.")


# Corrections on public stories named when "Delete selected" is refused.
DELETIONS_NAMED = 5


def _tell_reporters(forms):
    """Corrections newly citing an upheld bias report: its reporter gets the link."""
    for form in forms:
        if form.instance.pk is not None and "bias_report" in form.changed_data:
            notices.correction_cites_report(form.instance)



@admin.register(Correction)
class CorrectionAdmin(DeclaredLookupsOnly, EditConflictMixin, ComparedRevisionsMixin,
                      ReadOnlyRevisionsMixin, SimpleHistoryAdmin):
    list_display = ["article", "kind", "date", "amended", "report_reference"]
    list_filter = ["kind"]
    list_select_related = ["article"]
    search_fields = ["text", "article__headline"]
    # The add form takes ?article=<id>&bias_report=<id>&kind=... as its initial
    # values: upholding a bias report links here to draft the correction.
    fields = ["article", "bias_report", "kind", "date", "text", "amended"]
    readonly_fields = ["amended"]
    form = CorrectionForm
    autocomplete_fields = ["article"]
    # Deleting is refused while the story is public (Correction.deletion_refusal).
    actions = ["delete_selected"]
    # Its history compares any two revisions, as a story's does (ComparedRevisionsMixin).
    revision_fields = ["article", "bias_report", "kind", "date", "text", "amended_at"]
    long_text_fields = {"text"}
    revision_noun = "correction"

    @admin.display(description="amended", ordering="amended_at")
    def amended(self, correction):
        if correction.amended_at is None:
            return "—"
        return record_time(correction.amended_at)

    def delete_view(self, request, object_id, extra_context=None):
        correction = self.get_object(request, unquote(object_id))
        if correction is not None and self.has_delete_permission(request, correction):
            refusal = correction.deletion_refusal()
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                return redirect("admin:standards_correction_change", correction.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=delete_selected.short_description, permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's "Delete selected", refused while any chosen correction is on the record
        (Correction.deletion_refusal)."""
        refusals = [refusal for correction in queryset.select_related("article")
                    .order_by("date", "pk") if (refusal := correction.deletion_refusal())]
        if not refusals:
            return delete_selected(self, request, queryset)
        for refusal in refusals[:DELETIONS_NAMED]:
            self.message_user(request, f"Not deleted: {refusal}", messages.ERROR)
        if len(refusals) > DELETIONS_NAMED:
            self.message_user(request, f"Not deleted either: {len(refusals) - DELETIONS_NAMED} "
                                       "more of the corrections chosen are on the record.",
                              messages.ERROR)
        self.message_user(request, "Nothing was deleted. Choose corrections readers have not "
                                   "seen, or amend the others.", messages.WARNING)
        return None

    def require_history(self, object_id):
        require_numbers(object_id)
        _require_story(object_id)

    def history_view(self, request, object_id, extra_context=None):
        self.require_history(unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        require_numbers(unquote(object_id), str(version_id))
        _require_story(unquote(object_id))
        # django-simple-history checks only view permission before saving a revert.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description="after bias report", ordering="bias_report")
    def report_reference(self, correction):
        # The reference alone needs no query: BR-000123 is made from the id.
        report_id = correction.bias_report_id
        return BiasReport(pk=report_id).reference if report_id else ""

    def save_model(self, request, correction, form, change):
        super().save_model(request, correction, form, change)
        _tell_reporters([form])


# After the editor's picks, as before the move (issue 13).
ArticleAdmin.inlines = [*ArticleAdmin.inlines, CorrectionInline]


class BiasReportStatusFilter(ConditionFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open (new or in review)"), ("decided", "Decided")]

    def conditions(self):
        return {"open": open_report(), "decided": decided_report()}


def draft_correction_url(report):
    """The correction form, prefilled to cite this report."""
    # A factual error is corrected; the other reasons usually call for a clarification.
    kind = "correction" if report.reason == BiasReport.Reason.FACTUAL_ERROR else "clarification"
    query = urlencode({"article": report.article_id, "bias_report": report.pk, "kind": kind})
    return f"{reverse('admin:standards_correction_add')}?{query}"


class BiasReportForm(forms.ModelForm):
    """A report's own page: a dismissal carries its note to the reporter, as on the desk."""

    def clean(self):
        cleaned_data = super().clean()
        note = normalize(cleaned_data.get("resolution_note", ""))
        if "resolution_note" in self.changed_data and len(note) > workflow.NOTE_MAX_CHARS:
            # As on the desk and the list: refused, never cut, and never emailed whole.
            self.add_error("resolution_note", ValidationError(
                "A note can be at most %(max)s characters, and this one has %(length)s: "
                "shorten it, then save again.", code="max_length",
                params={"max": f"{workflow.NOTE_MAX_CHARS:,}", "length": f"{len(note):,}"}))
        elif "status" in self.changed_data and workflow.lacks_its_note(
                cleaned_data.get("status"), note):
            self.add_error("resolution_note",
                           "Write the note the reporter will receive with the dismissal."
                           if self.instance.contact_email else
                           "Write a note for the record saying why (the reporter left no "
                           "email, so it is not sent).")
        return cleaned_data


# A list's decision says this many refusals, and offers this many drafts, one by one; the
# rest in a sentence.
SAID_ONE_BY_ONE = 5


def _reports(count, noun="report"):
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _listed(references):
    """References in a sentence, the first SAID_ONE_BY_ONE named and the rest counted."""
    named = references[:SAID_ONE_BY_ONE]
    if len(references) > SAID_ONE_BY_ONE:
        return f"{', '.join(named)} and {len(references) - SAID_ONE_BY_ONE:,} more"
    return " and ".join(filter(None, [", ".join(named[:-1]), named[-1]]))


class BiasReportReasonForm(ReasonActionForm):
    """The report list's action form: a note as long as the triage's, refused beyond it."""

    reason = reason_field(workflow.NOTE_MAX_CHARS, "reports")


@admin.register(BiasReport)
class BiasReportAdmin(DeclaredLookupsOnly, EditConflictMixin, CSVExportMixin, ReasonedActions,
                      DecisionsInHistoryMixin, admin.ModelAdmin):
    form = BiasReportForm
    list_display = ["reference", "article", "reason", "status", "waiting",
                    "open_on_story", "created_at"]
    list_filter = [BiasReportStatusFilter, "status", "reason",
                   ("article__section", admin.RelatedOnlyFieldListFilter),
                   ("article__author", admin.RelatedOnlyFieldListFilter),
                   ("article__author__is_ai", admin.BooleanFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["article__headline", "details", "quoted_passage"]
    action_form = BiasReportReasonForm
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

    def get_search_results(self, request, queryset, search_term):
        """The reports whose story, details or passage have the words, and the report whose
        reference the search is (BR-000123, br-123, 123): what reporters quote."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if (match := REPORT_REFERENCE.fullmatch(search_term.strip())) and \
                int(match[1]) < 2**63:
            found |= queryset.filter(pk=int(match[1]))
        return found, may_have_duplicates

    def get_queryset(self, request):
        open_on_story = (BiasReport.objects.open().filter(article=OuterRef("article"))
                         .values("article").annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(
            open_count=Coalesce(Subquery(open_on_story), 0)).defer(
            *story_text("article__"))

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        # Reporters' emails are for moderators only (DESIGN.md section 7).
        if not request.user.has_perm("standards.change_biasreport"):
            fields.remove("contact_email")
        # Those who may add corrections are offered to draft one.
        if request.user.has_perm("standards.add_correction"):
            fields[fields.index("follow_up")] = "follow_up_for_editors"
        return fields

    def csv_rows(self, reports):
        now = timezone.now()
        for report in reports:
            waited = (report.resolved_at or now) - report.created_at
            yield [report.reference, report.article.headline,
                   settings.SITE_URL + report.article.get_absolute_url(), report.reason,
                   report.status, local_iso(report.created_at), local_iso(report.resolved_at),
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
        if request.user.has_perm("standards.add_correction"):
            self.message_user(request, format_html(
                '{} upheld. <a href="{}">Draft a correction citing it</a>.',
                report.reference, draft_correction_url(report)), messages.INFO)
        else:
            self.message_user(request, f"{report.reference} upheld: an editor can now draft "
                                       f"the correction from the report's page.", messages.INFO)

    def _offer_corrections(self, request, reports):
        """After many upheld at once: one message, not one a report."""
        upheld = f"{_listed([report.reference for report in reports])} upheld"
        if request.user.has_perm("standards.add_correction"):
            self.message_user(request, f"{upheld}: draft each correction from its report's "
                                       f"page, or from the triage's decided reports.",
                              messages.INFO)
        else:
            self.message_user(request, f"{upheld}: an editor can now draft each correction "
                                       f"from its report's page.", messages.INFO)

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
        """Decide the chosen reports by the desk's rule (workflow.refusal), each refusal said.

        A list loaded before another moderator decided a report no longer
        decides it again: only its own page reopens a decided report.
        """
        # At most NOTE_MAX_CHARS: ReasonedActions refused a longer one before this.
        note = normalize(request.POST.get("reason", ""))
        decided, refused = [], []
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                # The moderator's account first (standards/desk.py says why).
                if not still_there(request.user):
                    raise PermissionDenied("Nothing more was decided: your account has been "
                                           "deleted.")
                # Its moderator read after the lock (standards/desk.py says why).
                report = (BiasReport.objects.select_for_update(of=("self",))
                          .select_related("article").filter(pk=pk).first())
                if report is None:
                    # Its story deleted while the others were decided: a 500 had left
                    # their reporters unemailed.
                    refused.append(f"{BiasReport(pk=pk).reference} no longer exists: it was "
                                   f"deleted meanwhile, or its story was. Nothing was decided "
                                   f"for it.")
                    continue
                refusal = workflow.refusal(report, status, note, request.user)
                if refusal:
                    refused.append(refusal)
                    continue
                workflow.decide_bias_report(report, status, request.user, note, tell=False)
                decided.append(report)
        # One email to each reporter's address, however many of its reports were chosen.
        not_sent = {}
        if status != BiasReport.Status.IN_REVIEW:
            for report in notices.send_outcomes(decided):
                not_sent.setdefault(report.outcome_not_sent, []).append(report.reference)
        if decided:
            self.message_user(request, f"{len(decided)} report{'' if len(decided) == 1 else 's'} "
                                       f"marked {BiasReport.Status(status).label.lower()}.",
                              messages.SUCCESS)
        # Said one by one up to a few, then counted: 500 refusals (a list decided by someone
        # else meanwhile) or drafts offered pushed the list off the screen.
        for refusal in refused[:SAID_ONE_BY_ONE]:
            self.message_user(request, refusal, messages.WARNING)
        if (more := len(refused) - SAID_ONE_BY_ONE) > 0:
            self.message_user(request, f"{_reports(more, 'more report')} chosen "
                                       f"{'was' if more == 1 else 'were'} not decided either, "
                                       f"for the same kinds of reason.", messages.WARNING)
        for reason, references in not_sent.items():  # the same reason for each reference
            self.message_user(request, f"{_listed(references)}: {reason}", messages.WARNING)
        if status == BiasReport.Status.UPHELD:
            if len(decided) <= SAID_ONE_BY_ONE:
                for report in decided:
                    self._offer_correction(request, report)
            else:
                self._offer_corrections(request, decided)

    mark_in_review = decision_action(BiasReport.Status.IN_REVIEW,
                                     "Mark selected reports in review")
    uphold = decision_action(BiasReport.Status.UPHELD, "Uphold selected reports")
    dismiss = decision_action(BiasReport.Status.DISMISSED, "Dismiss selected reports")

    def save_model(self, request, obj, form, change):
        note = form.cleaned_data.get("resolution_note", "")
        # A decision or a note's edit is logged under the moderator: the account held first
        # (standards/desk.py says why).
        if change and {"status", "resolution_note"} & set(form.changed_data) and not (
                still_there(request.user)):
            raise PermissionDenied("Nothing was saved: your account has been deleted.")
        if change and "status" in form.changed_data:
            workflow.decide_bias_report(obj, obj.status, request.user, note)
            if obj.status == BiasReport.Status.UPHELD:
                self._offer_correction(request, obj)
        elif change and "resolution_note" in form.changed_data:
            # The note alone: the decision is not made again (no new date, no second email).
            workflow.edit_note(obj, request.user, note)
        else:
            super().save_model(request, obj, form, change)

    def decision_target(self, report):
        return report.reference, False  # as workflow.decide_bias_report names it

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
