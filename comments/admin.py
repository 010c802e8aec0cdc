from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator, capfirst, smart_split, unescape_string_literal

from accounts.admin import ReaderAdmin
from accounts.models import Reader
from articles.models import CARD_DEFERRED, Article, story_text
from core.admin import (ChosenOnlyFilter, ConditionFilter, CSVExportMixin,
                        DecisionsInHistoryMixin, DeclaredLookupsOnly, DeletedWhileSaving,
                        EditConflictMixin, EditItem, NotesNeverCut, ReasonActionForm,
                        ReasonedActions, canonical, decision_action, drawn_at, local_iso,
                        reason_field)
from core.pagination import KeysFirstPaginator, Parts
from core.queries import count_of
from core.rowlocks import still_there

from . import moderation
from .forms import TryRulesForm
from .models import (Comment, CommentReport, ModerationAction, ReaderStanding, WordRule,
                     count_waiting, reported, waiting)


class NeedsReviewFilter(ConditionFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", "Needs review (pending or reported)")]

    def conditions(self):
        return {"review": waiting()}


class ReaderFilter(ChosenOnlyFilter):
    """One reader's comments, linked from the reader's page.

    By username, and listed only while it is chosen: a list of every reader
    would be longer than the comments it filters.
    """

    title = "reader"
    parameter_name = "reader"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(reader__username=self.value())
        return queryset


class CommentReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    can_delete = False
    fields = ["reason", "reporter", "created_at", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CommentChangeList(ChangeList):
    def get_ordering(self, request, queryset):
        """A column's order, and among equals the comments' own (posted, then
        id) the same way, as an index holds it (comment_queue_idx for their
        status). Django breaks the ties by id newest first whichever way the
        column goes, an order no index holds: sorted by status, a million
        comments took 1.9 s to show a hundred."""
        ordering = super().get_ordering(request, queryset)
        match ordering:
            case [str(column), "-pk"]:
                way = "-" if column.startswith("-") else ""
                ties = ["pk"] if column.lstrip("-") == "created_at" else ["created_at", "pk"]
                return [column, *(way + tie for tie in ties)]
        return ordering


def _in_parts(comments):
    """The comment list's comments, filtered and ordered, read in parts when their
    order puts some first by a value no index holds.

    Needing review first (the list's own order), or by their count of open
    reports: either way the database worked the value out for each of a
    million comments and sorted them all to show a hundred (0.4-2 s). The
    waiting or reported comments, a few thousand, are sorted apart from the
    rest, which are read in the order of comment_list_idx.
    """
    order = comments.query.order_by
    if order == ("needs_review", "created_at", "pk"):
        oldest = order[1:]
        return Parts(comments,
                     (comments.filter(waiting()).order_by(*oldest),
                      lambda: count_waiting(comments)),
                     (comments.exclude(waiting()).order_by(*oldest), None))
    if order and order[0] in ("open_reports", "-open_reports"):
        with_reports = (comments.filter(reported()).order_by(*order),
                        lambda: comments.filter(reported()).order_by().count())
        without = (comments.exclude(reported()).order_by(*order[1:]), None)
        if order[0].startswith("-"):
            return Parts(comments, with_reports, without)
        return Parts(comments, without, with_reports)
    return comments


def _search_terms(search_term):
    """The words and "quoted phrases" of an admin search, as Django's own search splits them."""
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            yield bit


def _chosen(request):
    """The ids of the rows ticked on the list (DeclaredLookupsOnly has checked they are ids)."""
    return [int(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)]


def _comments(count):
    return f"{count} comment{'' if count == 1 else 's'}"


def _named(comments, shown=5):
    """Comments as a moderator knows them: who wrote them and how they begin."""
    names = [f"{comment.author_name}’s “{Truncator(comment.body).chars(40)}”"
             for comment in comments[:shown]]
    if len(comments) > shown:
        names.append(f"{len(comments) - shown} more")
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _decided_and_unchanged(decided, unchanged, status):
    """What a bulk decision did, in a sentence: "2 comments approved; 1 was already approved." """
    label = Comment.Status(status).label.lower()
    if not unchanged:
        return f"{_comments(decided)} {label}." if decided else ""
    if decided:
        were = "1 was" if unchanged == 1 else f"{unchanged} were"
        return f"{_comments(decided)} {label}; {were} already {label}."
    return f"{_comments(unchanged)} {'was' if unchanged == 1 else 'were'} already {label}."


class CommentReasonForm(ReasonActionForm):
    """The comment list's action form: a reason the comment and the log can hold."""

    reason = reason_field(Comment._meta.get_field("moderation_reason").max_length, "comments")


class CommentAdminForm(NotesNeverCut, forms.ModelForm):
    uncut = ["moderation_reason"]


@admin.register(Comment)
class CommentAdmin(DeclaredLookupsOnly, EditConflictMixin, ReasonedActions,
                   DecisionsInHistoryMixin, admin.ModelAdmin):
    list_display = ["short_body", "reader_link", "article", "status", "hold_reason",
                    "open_reports", "created_at"]
    list_filter = [NeedsReviewFilter, "status", "created_at", ReaderFilter]
    # Readers and stories come in two queries of their own (get_queryset): joined in,
    # PostgreSQL sorted all of a million comments on disk before it took a page.
    list_select_related = ()
    search_fields = ["body", "reader__username"]
    form = CommentAdminForm
    action_form = CommentReasonForm
    actions = ["approve", "hide"]
    inlines = [CommentReportInline]
    paginator = KeysFirstPaginator  # pages of Parts (_in_parts) are read as they are
    fields = ["article", "reader", "body", "status", "hold_reason", "created_at",
              "moderator", "moderated_at", "moderation_reason"]
    readonly_fields = ["article", "reader", "body", "hold_reason", "created_at",
                       "moderator", "moderated_at"]

    def get_queryset(self, request):
        # Annotate before the admin orders by the annotation (get_ordering);
        # the list's order is get_ordering's or a column's alone.
        return Comment.objects.moderation_queue().order_by().prefetch_related(
            "reader", Prefetch("article", Article.objects.defer(*CARD_DEFERRED)))

    def get_ordering(self, request):
        return ["needs_review", "created_at", "pk"]

    def get_changelist(self, request, **kwargs):
        return CommentChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0,
                      allow_empty_first_page=True):
        return super().get_paginator(request, _in_parts(queryset), per_page, orphans,
                                     allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        """Comments with every word (or "quoted phrase") in their text or their reader's name.

        Django's search joined every comment to its reader to match either, so
        no index could answer (0.5-0.8 s for each of a search's two queries at a
        million comments). The readers whose names match are found first; on
        PostgreSQL the comments' text is then read through its trigram index
        (migration comments 0008).
        """
        for term in _search_terms(search_term):
            readers = list(get_user_model().objects.filter(username__icontains=term)
                           .values_list("pk", flat=True))
            queryset = queryset.filter(Q(body__icontains=term) | Q(reader_id__in=readers))
        return queryset, False

    @admin.display(description="comment")
    def short_body(self, comment):
        return comment.body if len(comment.body) <= 80 else comment.body[:79] + "…"

    @admin.display(description="reader", ordering="reader__username")
    def reader_link(self, comment):
        if not comment.reader_id:
            return "a former reader"
        if comment.by_newsroom:
            # Not a reader: the readers' admin would answer that it does not exist.
            return f"{comment.reader.get_username()} (newsroom)"
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:accounts_reader_change", args=[comment.reader_id]),
                           comment.reader.get_username())

    @admin.display(description="open reports", ordering="open_reports")
    def open_reports(self, comment):
        return comment.open_reports

    def _decide(self, request, queryset, status):
        """Decide the chosen comments but those decided since the list was drawn, and say so.

        A comment chosen but no longer in the list as filtered (decided since
        on a "needs review" list) is left alone too, and named. One already as
        the decision would leave it is left alone and counted apart, as the
        story actions count a story already published.
        """
        reason = request.POST.get("reason", "").strip()
        comments = list(queryset.order_by("pk"))
        decided, unchanged = moderation.decide_comments(
            comments, status, request.user, reason, drawn_at=drawn_at(request) or timezone.now())
        said = _decided_and_unchanged(len(decided), len(unchanged), status)
        if said:
            self.message_user(request, said, messages.SUCCESS if decided else messages.INFO)
        left = ({comment.pk for comment in comments}
                - {comment.pk for comment in decided + unchanged})
        if request.POST.get("select_across") != "1":
            left |= set(_chosen(request)) - {comment.pk for comment in comments}
        if left:
            others = list(Comment.objects.filter(pk__in=left).select_related("reader")
                          .order_by("pk"))
            if others:
                self.message_user(
                    request, f"Left as {'they are' if len(others) > 1 else 'it is'}, decided by "
                             f"someone else since this list was loaded: {_named(others)}. Look "
                             f"again before you decide.", messages.WARNING)
            if gone := len(left) - len(others):
                # Deleted since the list was drawn (or its story was): said, as the desk says it.
                self.message_user(
                    request, f"{_comments(gone)} chosen {'was' if gone == 1 else 'were'} "
                             f"deleted meanwhile: nothing was decided for "
                             f"{'it' if gone == 1 else 'them'}.", messages.WARNING)

    approve = decision_action(Comment.Status.APPROVED, "Approve selected comments")
    hide = decision_action(Comment.Status.HIDDEN, "Hide selected comments")

    def save_model(self, request, obj, form, change):
        # A decision or a reason's edit is logged under the moderator: the accounts it names
        # first, as an administrator deleting one takes them (moderation.accounts_held).
        if change and {"status", "moderation_reason"} & set(form.changed_data) and not (
                moderation.accounts_held(request.user, Comment.objects.filter(pk=obj.pk))):
            raise PermissionDenied("Nothing was saved: your account has been deleted.")
        if change and "status" in form.changed_data:
            # The decision starts from the comment as stored: the form has already
            # changed obj, and the decision keeps what it replaces for undo.
            stored = Comment.objects.select_for_update().get(pk=obj.pk)
            moderation.decide_comment(stored, obj.status, request.user,
                                      form.cleaned_data.get("moderation_reason", ""))
        elif change and "moderation_reason" in form.changed_data:
            # The reason alone: logged as an edit, the decision's moderator and time kept.
            moderation.edit_reason(obj, request.user, obj.moderation_reason)
        else:
            super().save_model(request, obj, form, change)

    def decision_target(self, comment):
        # Its reader named by id, or "a former reader" once the account is gone.
        return moderation.comment_target_start(comment.pk), True

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReaderStandingForm(NotesNeverCut, forms.ModelForm):
    """A reader's standing, refused plainly when another moderator set it first.

    Two moderators open a reader who has no standing yet; the first to save
    makes it. The second form still adds one, and Django's refusal (one
    standing per reader) fell on the hidden reader field, where no one saw it.
    (A standing changed since is refused by CommentingReaderAdmin's version check.)
    """

    uncut = ["note"]

    class Meta:
        help_texts = {"note": "The reader sees it on their account page with this decision "
                              "(never your name)."}

    def clean_suspended_until(self):
        """A suspension set now ends in the future; one that has ended is left as it is."""
        until = self.cleaned_data["suspended_until"]
        if ("suspended_until" in self.changed_data and until is not None
                and until <= timezone.now()):
            raise ValidationError("This date has passed: a suspension must end in the future.",
                                  code="suspension_passed")
        return until

    def validate_unique(self):
        if self.instance.pk is None and self.instance.reader_id is not None:
            standing = (ReaderStanding.objects.select_related("updated_by")
                        .filter(reader_id=self.instance.reader_id).first())
            if standing is not None:
                by = standing.updated_by.get_username() if standing.updated_by else "Someone"
                self.add_error(None, ValidationError(
                    f"{by} set this reader’s standing after you opened the page: "
                    f"{moderation.describe_standing(standing)}. Nothing was saved. Your choices "
                    f"are kept below; reload the page to start from the standing as it is now.",
                    code="standing_set_since"))
                return
        super().validate_unique()


class ReaderStandingInline(admin.StackedInline):
    model = ReaderStanding
    form = ReaderStandingForm
    fk_name = "reader"
    can_delete = False
    fields = ["is_premoderated", "suspended_until", "is_banned", "note"]
    verbose_name_plural = "Commenting standing"


class HistoryInline(admin.TabularInline):
    """A reader's record, shown as it is: nothing added or changed from here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LatestOnly(BaseInlineFormSet):
    """The latest `shown` rows of an inline: a reader with thousands of comments
    made a page that took seconds and a form that could not be saved (Django
    refuses a POST of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields)."""

    shown = 50

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:self.shown]
        return self._latest


class ReaderCommentInline(HistoryInline):
    model = Comment
    formset = LatestOnly
    fk_name = "reader"
    fields = ["created_at", "article", "body", "status", "moderation_reason"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    verbose_name_plural = f"Latest comments (newest first, at most {LatestOnly.shown})"

    def get_queryset(self, request):
        # The reader too: each row's title names them (the formset sets only reader_id).
        # The stories' headlines, not their text.
        return (super().get_queryset(request).select_related("article", "reader")
                .defer(*story_text("article__")))


class ReaderReportInline(HistoryInline):
    model = CommentReport
    formset = LatestOnly
    fk_name = "reporter"
    fields = ["created_at", "comment", "reason", "resolved_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    verbose_name_plural = (f"Comments this reader reported (newest first, at most "
                           f"{LatestOnly.shown})")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("comment__reader")


READER_DELETED_WHILE_SAVING = ("This reader’s account was deleted while your change was being "
                              "saved, so nothing was saved.")


class CommentingReaderAdmin(EditConflictMixin, ReaderAdmin):
    """The readers' admin with their commenting: history and standing.

    Moderators suspend, ban or pre-moderate a reader from here. A page saved
    over a standing another moderator set after it was opened is refused, with
    theirs shown (EditConflictMixin, edit_items).
    """

    list_display = [*ReaderAdmin.list_display, "comment_count", "standing_summary"]
    fields = [*ReaderAdmin.fields, "all_comments"]
    readonly_fields = fields
    inlines = [ReaderStandingInline, ReaderCommentInline, ReaderReportInline]

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("standing")
                .annotate(comment_total=count_of(Comment.objects.filter(reader=OuterRef("pk")))))

    @admin.display(description="comments", ordering="comment_total")
    def comment_count(self, reader):
        return reader.comment_total

    @admin.display(description="comments")
    def all_comments(self, reader):
        count = reader.comments.count()
        if not count:
            return "none"
        return format_html('<a href="{}?{}">{} comment{}, in the comment list</a>',
                           reverse("admin:comments_comment_changelist"),
                           urlencode({ReaderFilter.parameter_name: reader.get_username()}),
                           count, "" if count == 1 else "s")

    def edit_items(self, request, pk, form, lock):
        """The reader's standing, the one thing saved from this page, as the version check
        compares it.

        Not the comments and reports listed below: a comment posted meanwhile is
        no conflict, and the mixin would read every one of the reader's rows.
        """
        readers = self.model._default_manager.filter(pk=pk)
        if lock and transaction.get_connection(readers.db).in_atomic_block:
            # A second save waits here until this one is done, then sees its standing.
            if not readers.select_for_update().exists():
                # The reader deleted the account while this save waited for it (a 500,
                # Reader.DoesNotExist): answered as any row deleted meanwhile.
                raise DeletedWhileSaving(pk)
        standing = (ReaderStanding.objects.select_related("updated_by")
                    .filter(reader_id=pk).first())
        names = ReaderStandingInline.fields
        text = "|".join(canonical(getattr(standing, name)) for name in names) if standing else ""
        shown = "—"
        if standing is not None:
            by = standing.updated_by.get_username() if standing.updated_by else "someone"
            shown = f"{capfirst(moderation.describe_standing(standing))}, set by {by}"
            if standing.note:
                shown += f"; note: “{standing.note}”"
        return [EditItem("inline:standing", ReaderStandingInline.verbose_name_plural, text,
                         shown, inline=True)]

    def deleted_while_saving(self, request, object_id, form_url, extra_context):
        """The account was deleted (by the reader, or in the admin) while the save waited for
        it: said so, on the readers' list."""
        self.message_user(request, READER_DELETED_WHILE_SAVING, messages.WARNING)
        return redirect("admin:accounts_reader_changelist")

    @admin.display(description="standing")
    def standing_summary(self, reader):
        standing = getattr(reader, "standing", None)
        if standing is None:
            return "free to comment"
        if standing.is_banned:
            return "suspended for good"
        if standing.is_suspended():
            until = dateformat.format(timezone.localtime(standing.suspended_until), "M j, Y, g:i A")
            return f"suspended until {until}"
        return "pre-moderated" if standing.is_premoderated else "free to comment"

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        if any(isinstance(instance, ReaderStanding) for instance in instances):
            # The moderator's account held before the standing and its log entry name it:
            # deleted by an administrator meanwhile, they failed at the commit (a 500).
            if not still_there(request.user):
                raise PermissionDenied("Nothing was saved: your account has been deleted.")
        for instance in instances:
            if isinstance(instance, ReaderStanding):
                instance.updated_by = request.user
                instance.save()
                moderation.log_standing(request.user, instance)
        formset.save_m2m()


admin.site.unregister(Reader)
admin.site.register(Reader, CommentingReaderAdmin)


@admin.register(WordRule)
class WordRuleAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["word", "kind"]
    list_filter = ["kind"]
    search_fields = ["word"]
    change_list_template = "admin/comments/wordrule/change_list.html"

    def get_urls(self):
        try_rules = path("try/", self.admin_site.admin_view(self.try_view),
                         name="comments_wordrule_try")
        return [try_rules, *super().get_urls()]

    def try_view(self, request):
        """A comment tried against the word rules as they are: what they would do with it.

        Only the rules and the link check: a reader's standing, and a repeat of
        their last comment or of another reader's, are checked when one posts.
        """
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = TryRulesForm(request.POST if request.method == "POST" else None)
        outcome = None
        if form.is_valid():
            body = form.cleaned_data["body"]
            found = moderation.rules_found(body)
            # As check_comment decides: banned words first, then what holds it.
            outcome = {"banned": found[WordRule.Kind.BANNED],
                       "held": moderation.text_hold_reason(body, found),
                       "suspect": found[WordRule.Kind.SUSPECT]}
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": "Try a comment against the word rules", "form": form,
                   "outcome": outcome}
        return TemplateResponse(request, "admin/comments/wordrule/try.html", context)


class ModeratorFilter(ConditionFilter):
    """The decisions of one moderator (a newsroom account: staff, active or not), or those no
    one made (a standing carried over). Each is read through the log's index by moderator."""

    title = "moderator"
    parameter_name = "moderator"

    def lookups(self, request, model_admin):
        return [*((str(pk), name) for pk, name in self._newsroom),
                ("none", "No one (automatic)")]

    def conditions(self):
        return {**{str(pk): Q(moderator_id=pk) for pk, _ in self._newsroom},
                "none": Q(moderator__isnull=True)}

    @cached_property
    def _newsroom(self):
        User = get_user_model()  # noqa: N806
        return list(User.objects.filter(is_staff=True).order_by(User.USERNAME_FIELD)
                    .values_list("pk", User.USERNAME_FIELD))


@admin.register(ModerationAction)
class ModerationActionAdmin(DeclaredLookupsOnly, CSVExportMixin, admin.ModelAdmin):
    list_display = ["created_at", "moderator", "action", "target_shown", "reason"]
    list_filter = ["action", ModeratorFilter, "created_at"]
    # The log names a reader by id; their name is read through the link, so a
    # deleted account's name is gone from it and a new owner of it inherits nothing.
    list_select_related = ["moderator", "reader"]
    search_fields = ["target", "reader__username", "reason"]
    date_hierarchy = "created_at"
    csv_name = "moderation-log"
    csv_header = ["created", "moderator", "action", "target", "reason"]

    def csv_rows(self, actions):
        for action in actions:  # the list's own query: the reader comes with it
            moderator = action.moderator.get_username() if action.moderator_id else ""
            yield [local_iso(action.created_at), moderator, action.action, action.target_shown,
                   action.reason]

    @admin.display(description="target", ordering="target")
    def target_shown(self, action):
        return action.target_shown

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
