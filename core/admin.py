"""The admin filters a list only through the filters it shows.

Django's admin accepts `?field__lookup=value` on any local field of the
model, whether or not the list shows that field: a moderator could recover a
reader's password hash with `?password__lt=` one character at a time, or an
editor a reporter's private `contact_email`. Every ModelAdmin in the project
inherits DeclaredLookupsOnly (a system check makes sure), so a lookup is
allowed only on what `list_filter` and `date_hierarchy` declare, which are
the filters people see in the sidebar.

It also holds what several apps' admins share: CSV export of a changelist
as filtered, the action form with a reason, the refusal of a save over
someone else's newer one (EditConflictMixin, whose forms also say who else
has them open: core/editing_now.py), a delete confirmation that
names a few of each kind of object going with the one deleted and counts
the rest (ShortDeletionList, which every admin gets through
DeclaredLookupsOnly), and the admin site itself
(NewsroomAdminSite), whose autocomplete answers and drop-downs refuse what
their fields cannot hold rather than fail.
"""

import base64
import binascii
import csv
import datetime
import difflib
import functools
import hashlib
import json
import re
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.helpers import (ACTION_CHECKBOX_NAME, ActionForm, AdminErrorList,
                                          AdminForm)
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.utils import NestedObjects, flatten_fieldsets, quote, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Page
from django.core.validators import MaxLengthValidator
from django.db import models, router, transaction
from django.db.models import Count, ForeignObjectRel
from django.db.models.constants import LOOKUP_SEP
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.fields.files import FieldFile
from django.forms.utils import pretty_name
from django.http import (Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed,
                         HttpResponseRedirect, QueryDict, StreamingHttpResponse)
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import capfirst

from . import editing_now, hooks, ratelimit
from .forms import LocalDateTimeField, LocalTimesShown
from .text import normalize


# Deleting.
#
# Before a delete, Django's admin lists every object that goes with the one
# deleted, each with its name, a link and a permission check, and works the
# list out again when the delete is confirmed. A story with 21,000 comments
# took 15 s and more than 9,000 queries (each comment's name reads its
# reader) to say that it could not be deleted (comments are hidden, never
# deleted), and a tag on 28,000 stories 21 s. A section or an author that
# still has stories cannot be deleted (their stories PROTECT them), and
# Django read every one of those stories, text and all, to list them: 4.5 s
# for a section of 28,000. Now a few of each kind are named and the rest
# counted.

DELETION_SHOWN = 10  # objects of each kind named before the rest are counted


class _Unnamed:
    """An object the confirmation counts rather than names."""

    def __init__(self, model):
        self.model = model


def _locked_for_deletion(model, pks):
    """Lock the rows to be deleted before what protects them is looked for.

    A story saved into a section (or to an author) being deleted referred to it
    after the deletion had found nothing protecting it: one of the two failed at
    its commit, a 500. With the row locked first, the deletion waits for such a
    save and then finds the story (the page that says what protects it); a
    save that comes later finds the row gone (still_there()). Only in the
    deletion's transaction (the delete confirmation's POST); in the order of
    their ids, so two deletions never wait on each other in a circle.
    """
    if transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        list(model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk")
             .values_list("pk", flat=True))


class ShortDeletionList:
    """The delete confirmation (and the "delete selected" action's) with DELETION_SHOWN of
    each kind of object named, the rest counted; its summary counts them all.

    Every object is still checked against the user's delete permission, as
    Django checks it: a delete that would take one the user may not delete is
    refused, however far down the list it is.
    """

    def response_action(self, request, queryset, **kwargs):
        # "Delete selected" runs outside a transaction, as every action does: its rows
        # are locked (_locked_for_deletion) and deleted in one, as the delete page's are.
        if request.POST.get("action") == "delete_selected" and request.POST.get("post"):
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset, **kwargs)
        return super().response_action(request, queryset, **kwargs)

    def lock_for_deletion(self, model, pks):
        """Lock the rows about to be deleted (_locked_for_deletion)."""
        _locked_for_deletion(model, pks)

    def get_deleted_objects(self, objs, request):
        try:
            model = objs[0]._meta.model
        except IndexError:
            return [], {}, set(), []
        # Unless the admin locked them itself in this transaction, ahead of its own checks
        # (ArticleAdmin: a story's records): a second lock was only one more query.
        if request.method == "POST" and not getattr(request, "deletion_lock_handled", False):
            self.lock_for_deletion(model, [obj.pk for obj in objs])
        perms_needed, named = set(), Counter()

        def format_callback(obj):
            opts = obj._meta
            model_admin = self.admin_site._registry.get(obj.__class__)
            if (model_admin is not None and not self.deletion_covers(request, obj)
                    and not model_admin.has_delete_permission(request, obj)):
                perms_needed.add(opts.verbose_name)
            named[obj.__class__] += 1
            if named[obj.__class__] > DELETION_SHOWN:
                return _Unnamed(obj.__class__)
            if model_admin is not None:
                try:
                    url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
                                  "_change", args=(quote(obj.pk),))
                except NoReverseMatch:
                    pass
                else:
                    return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name),
                                       url, obj)
            return f"{capfirst(opts.verbose_name)}: {obj}"

        protecting = _protecting(model, objs)
        if protecting:
            # Refused whatever else would go with it: the rest need not be found.
            protected = [(type(row), format_callback(row)) for row in protecting]
            shown = Counter(kind for kind, item in protected if not isinstance(item, _Unnamed))
            return [], {}, perms_needed, [
                *(item for _, item in protected if not isinstance(item, _Unnamed)),
                *(_more(kind, total - shown[kind])
                  for kind, total in _protecting_counts(model, objs).items()
                  if total > shown[kind])]
        collector = NestedObjects(using=router.db_for_write(model), origin=objs)
        collector.collect(objs)
        to_delete = _collapse(collector.nested(format_callback))
        protected = _collapse([format_callback(obj) for obj in collector.protected])
        model_count = {deleted._meta.verbose_name_plural: len(rows)
                       for deleted, rows in collector.model_objs.items()}
        return to_delete, model_count, perms_needed, protected

    def deletion_covers(self, request, obj):
        """Whether the permission to delete this admin's objects covers obj, which goes with
        one (a story's own comments, say); else obj's own admin decides."""
        return False


def _protecting_relations(model):
    """The relations whose rows PROTECT a row of model from deletion (as the collector finds
    them, those with no name back included)."""
    return [relation for relation in get_candidate_relations_to_delete(model._meta)
            if relation.on_delete is models.PROTECT]


def _protecting_queryset(relation, objs):
    return (relation.related_model._base_manager
            .filter(**{f"{relation.field.name}__in": objs}).order_by("pk"))


def _protecting(model, objs):
    """The first DELETION_SHOWN rows of each relation whose rows PROTECT objs; [] if none."""
    rows = []
    for relation in _protecting_relations(model):
        rows += _protecting_queryset(relation, objs)[:DELETION_SHOWN]
    return rows


def _protecting_counts(model, objs):
    """{model: how many of its rows PROTECT objs}."""
    counts = Counter()
    for relation in _protecting_relations(model):
        counts[relation.related_model] += _protecting_queryset(relation, objs).count()
    return counts


def _collapse(nested):
    """A nested list from NestedObjects.nested(), each object counted rather than named
    (and whatever goes with it) left out, with one "…and N more" line per kind."""
    shown, counted, skip_children = [], Counter(), False
    for item in nested:
        if isinstance(item, list):
            if not skip_children:
                shown.append(_collapse(item))
            skip_children = False
        elif isinstance(item, _Unnamed):
            counted[item.model] += 1
            skip_children = True
        else:
            shown.append(item)
            skip_children = False
    shown += [_more(model, count) for model, count in counted.items()]
    return shown


def _more(model, count):
    opts = model._meta
    return f"…and {count:,} more {opts.verbose_name if count == 1 else opts.verbose_name_plural}"


# Rows an action may take at once. Each story or comment decided is saved
# on its own, with its revision, log entry and purges (11 ms a story, 5-6 ms
# a comment at 100,000 stories and a million comments): "Select all" on the
# 25,000 held comments ran for over two minutes in one transaction, with
# every one of those comments locked, long after the moderator's browser or
# the edge cache (60 s) had given up and shown an error. At 500, an action
# takes a few seconds.
ACTION_LIMIT = 500


class ChosenOnlyFilter(SimpleListFilter):
    """A filter by one of a great many (a reader, a tag) that lists only the one chosen.

    A list of every choice grows the page with them: the story list's tag
    filter listed every tag on a story, 376 KB and 1.4 s to render at 5,000
    tags, where a newsroom has tens of thousands. The one is chosen from its
    own page, which links to the list filtered by it. With `choose_from` (a
    model) the filter also links to that model's list, to choose one there
    ("Choose a tag…", for whoever may view it), and shows with nothing chosen.
    Subclasses filter in queryset(), and may name the chosen value (named()).
    """

    choose_from = None

    def __init__(self, request, params, model, model_admin):
        self.admin_site = model_admin.admin_site
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(self.value(), self.named(self.value()))] if self.value() else []

    def named(self, value):
        """How the chosen value is shown."""
        return value

    def choose_url(self):
        """The list to choose one from, or None."""
        chooser = self.admin_site._registry.get(self.choose_from)
        if chooser is None or not chooser.has_view_permission(self.request):
            return None
        opts = self.choose_from._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")

    def has_output(self):
        return super().has_output() or self.choose_url() is not None

    def choices(self, changelist):
        yield from super().choices(changelist)
        url = self.choose_url()
        if url is not None:
            # The list's other filters and search go along (ChoosesForAList): the list
            # chosen from led back with the choice alone.
            kept = changelist.get_query_string(remove=[self.parameter_name]).lstrip("?")
            if kept:
                url = f"{url}?{urlencode({LIST_FILTERS_VAR: kept})}"
            yield {"selected": False, "query_string": url,
                   "display": f"Choose {'another' if self.value() else 'a'} {self.title}…"}


# The query of the list a ChosenOnlyFilter's "Choose a ..." link was followed from.
LIST_FILTERS_VAR = "for_list"


class ChoosesForAList:
    """For the admin of a ChosenOnlyFilter's `choose_from`: its list, opened from another
    list's "Choose a ..." link, carries that list's filters and search (LIST_FILTERS_VAR)
    through its own search, sorting and pages, and list_with_choice() leads back with them.
    """

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)

        class CarryingChangeList(changelist):
            def get_filters_params(self, params=None):
                params = super().get_filters_params(params)
                params.pop(LIST_FILTERS_VAR, None)  # carried, not a filter of this list
                return params

            @property
            def everything_query(self):
                """The query of the search form's "N total" link: this list unsearched and
                unfiltered, still carrying the other's (Django's "?" dropped it)."""
                kept = (LIST_FILTERS_VAR, IS_POPUP_VAR, IS_FACETS_VAR)
                return "?" + urlencode({key: value for key, value in self.params.items()
                                        if key in kept})

        return CarryingChangeList

    def list_with_choice(self, request, url, parameter, value):
        """url (a list), filtered as the list this one was opened from was, and by
        parameter=value."""
        carried = QueryDict(request.GET.get(LIST_FILTERS_VAR, "")).lists()
        pairs = [(key, values) for key, values in carried if key != parameter]
        return f"{url}?{urlencode([*pairs, (parameter, [value])], doseq=True)}"


class ConditionFilter(SimpleListFilter):
    """A list filter whose choices are conditions: subclasses define conditions(),
    {value: Q}, beside lookups().

    Its "Show counts" counts each choice by its condition in the one pass over
    the list that counts the other filters' choices. Django counts a choice of
    a SimpleListFilter as `id IN (the list filtered by that choice)`, which
    works the list's own filters and search out again inside each count: the
    comment list's queue ran for over ten minutes at a million comments, and a
    search for a common word with counts shown took 2 s on the story list at
    100,000 stories and 1.7 s on 20,000 bias reports.
    """

    def queryset(self, request, queryset):
        condition = self.conditions().get(self.value())
        return queryset if condition is None else queryset.filter(condition)

    def get_facet_counts(self, pk_attname, filtered_qs):
        conditions = self.conditions()
        return {f"{number}__c": Count(pk_attname, filter=conditions[value])
                for number, (value, _) in enumerate(self.lookup_choices)}


class DeclaredLookupsOnly(ShortDeletionList):
    """Refuse changelist lookups other than the declared filters' (400 Bad Request).

    And what the admin's own forms never send, which Django looked up as it
    came (a 500): an action on "selected" rows, or edited rows, that are not
    ids, a number a filter's column cannot hold, and an autocomplete field's
    value that its field cannot hold (CheckedAutocompleteSelect), and an add
    form's date or time given in its link (prefilled_times). And an
    action on more than ACTION_LIMIT rows at once ("Select all" on a long
    list), which would run for minutes with every row it takes locked. Its
    forms and its inlines' rows are described for screen readers
    (describe_controls), and their dates and times read in TIME_ZONE, the
    hour the clocks go back told apart (read_local_times). Every ModelAdmin
    inherits this class (core.E001), so every admin gets all of it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        read_local_times(self)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            read_local_times(inline)
        return inlines

    def get_changeform_initial_data(self, request):
        return prefilled_times(self.model, super().get_changeform_initial_data(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        return described_form(super().get_form(request, obj, change=change, **kwargs))

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            yield described_formset(formset, isinstance(inline, admin.TabularInline)), inline

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site,
                                                         using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # The list's own form (list_editable) sends each row's id beside its fields.
        pk = self.model._meta.pk
        row = re.compile(rf"^form-\d+-{re.escape(pk.name)}$")
        if request.method == "POST" and not all(
                _holds(pk, value) for key, value in request.POST.items() if row.match(key)):
            return HttpResponseBadRequest("The rows sent are not rows of this list.")
        if request.method == "POST" and self.list_editable and "_save" in request.POST:
            request.POST, gone = _without_rows_gone(self.model, request.POST)
            if gone:
                noun = self.model._meta.verbose_name
                self.message_user(request, (
                    f"A {noun} in the list was" if gone == 1 else
                    f"{gone} {self.model._meta.verbose_name_plural} in the list were")
                    + " deleted by someone else after you opened it, so "
                    + ("its row was" if gone == 1 else "their rows were") + " not saved.",
                    messages.WARNING)
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and changelist.formset is not None \
                and changelist.formset.is_bound:
            # Refused, the rows are shown again: Django paired the list's rows, read
            # again in their order now, with the forms in the order sent, so a row
            # someone else had moved meanwhile showed another's value and error.
            changelist.result_list = [form.instance for form in changelist.formset.forms]
        return response

    def response_action(self, request, queryset, **kwargs):
        pk = self.model._meta.pk
        if not all(_holds(pk, value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            return HttpResponseBadRequest("The rows chosen are not rows of this list.")
        if forms.BooleanField(required=False).clean(request.POST.get("select_across")):
            chosen = queryset.count()  # "Select all": the whole list as filtered
        else:
            chosen = len(set(request.POST.getlist(ACTION_CHECKBOX_NAME)))
        if chosen > ACTION_LIMIT:
            self.message_user(
                request, f"An action takes at most {ACTION_LIMIT} "
                         f"{self.model._meta.verbose_name_plural} at once, and {chosen:,} were "
                         "chosen: nothing was changed. Narrow the list with its filters or "
                         "search first.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)

    def get_changelist_instance(self, request):
        if (_past_the_last_date(self.date_hierarchy, request.GET)
                or _at_the_calendars_ends(self.model, request.GET)):
            # Django works out where the period ends outside its own check
            # of the dates: the last month or day of 9999 ended in an
            # OverflowError (a 500) rather than its "bad filter" answer, as
            # did a moment of the first or last year written in UTC.
            raise IncorrectLookupParameters("The date chosen is out of range.")
        return super().get_changelist_instance(request)

    def lookup_allowed(self, lookup, value, request):
        if _raw_id_popup_lookup(self.model, lookup, value):
            return True
        if not any(lookup == name or lookup.startswith(name + LOOKUP_SEP)
                   for name in declared_filters(self, request)):
            return False
        if _out_of_range(self.model, lookup, value):
            return False
        # Django's own rule then limits how far a declared relation may be followed.
        return super().lookup_allowed(lookup, value, request)


def declared_filters(model_admin, request):
    """The parameter names and field paths a changelist's visible filters use."""
    names = {model_admin.date_hierarchy} - {None}
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            names.add(item.parameter_name)
        elif isinstance(item, (list, tuple)):
            names.add(item[0])
        else:
            names.add(item)
    return names


class LocalAdminSplitDateTime(LocalTimesShown, widgets.AdminSplitDateTime):
    """The admin's date and time boxes, a time the clocks show twice shown with its offset."""


def read_local_times(model_admin):
    """A ModelAdmin's or an inline's date-and-time fields read as the clocks in TIME_ZONE show
    them, the hour they go back told apart (core.forms.LocalDateTimeField), unless it chose
    other fields for them."""
    overrides = model_admin.formfield_overrides.setdefault(models.DateTimeField, {})
    if overrides == {"form_class": forms.SplitDateTimeField, "widget": widgets.AdminSplitDateTime}:
        overrides.update(form_class=LocalDateTimeField, widget=LocalAdminSplitDateTime)


# The form field that reads a date, a time or both as an editor types them.
_TIME_FORM_FIELDS = ((models.DateTimeField, forms.DateTimeField),
                     (models.DateField, forms.DateField),
                     (models.TimeField, forms.TimeField))


def prefilled_times(model, initial):
    """An add form's initial values from its link, each date and time read as its field reads
    typed input, and left out (the field shows its default) when it does not read.

    Django passes on the text of the link (?date=2026-01-01), which the
    admin's date-and-time widget cannot show: any value, even a good one, was
    an AttributeError (a 500), so a hand-made link to a form broke it.
    """
    read = dict(initial)
    for name, value in initial.items():
        field = _model_field(model, name)
        form_field = next((form_field for kind, form_field in _TIME_FORM_FIELDS
                           if isinstance(field, kind)), None)
        if form_field is None or not isinstance(value, str):
            continue
        try:
            value = form_field().clean(value)
            field.run_validators(value)
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value)  # as the widget shows it
        except (ValidationError, OverflowError):
            del read[name]
        else:
            read[name] = value
    return read


def _without_rows_gone(model, data, prefix="form"):
    """data, a list's editable rows as sent (list_editable), less those whose row someone
    else deleted since the list was shown, the rest numbered on; how many were left out.

    Django refused the whole list for a row no longer there ("Please correct the
    error below.", the error on its hidden id, not shown), paired the rows left
    with the wrong forms, and refused it again at every save.
    """
    pk = model._meta.pk
    field = re.compile(rf"^(initial-)?{re.escape(prefix)}-(\d+)-(.+)$")
    sent = {}
    for key in data:
        if (match := field.match(key)) and match[3] == pk.name and not match[1]:
            sent[int(match[2])] = pk.to_python(data[key])
    there = set(model._default_manager.filter(pk__in=sent.values())
                .values_list("pk", flat=True))
    gone = {number for number, value in sent.items() if value not in there}
    if not gone:
        return data, 0
    numbers = sorted({int(match[2]) for key in data if (match := field.match(key))} - gone)
    renumbered = {old: new for new, old in enumerate(numbers)}
    kept = QueryDict(mutable=True)
    for key, values in data.lists():
        match = field.match(key)
        if match and int(match[2]) in gone:
            continue
        if match:
            key = f"{match[1] or ''}{prefix}-{renumbered[int(match[2])]}-{match[3]}"
        kept.setlist(key, values)
    for count in ("TOTAL_FORMS", "INITIAL_FORMS"):
        key = f"{prefix}-{count}"
        if kept.get(key, "").isdigit():
            kept[key] = str(max(int(kept[key]) - len(gone), 0))
    kept._mutable = False
    return kept, len(gone)


def _raw_id_popup_lookup(model, lookup, value):
    """Whether the lookup is one a raw-id popup sends for a ForeignKey's limit_choices_to."""
    for fk_lookup in model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
            return True
    return False


class CheckedAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete answers, refusing a reverse relation as it refuses an unknown field.

    Only a model's own relation fields have autocomplete drop-downs. Asked for
    a reverse one (?app_label=taggit&model_name=tag&field_name=article),
    Django's view failed with an AttributeError: a 500.
    """

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if isinstance(source_field, ForeignObjectRel):
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name


# Said on the sign-in page a form sent after its session ended leads to: Django's said
# nothing, and the editor could not tell whether the save had gone through.
SIGNED_OUT_WHILE_SENDING = (
    "You were signed out, so what you sent was not saved. Sign in and you are taken back to "
    "the page; a newsroom form there offers your changes back, to restore.")


class NewsroomAdminSite(admin.AdminSite):
    """Django's admin site, with CheckedAutocompleteJsonView (core.apps.NewsroomAdminConfig),
    "View on site" for those who may view the row, and a word on the sign-in page for a
    form sent after the session ended."""

    def autocomplete_view(self, request):
        return CheckedAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        return [path("r/<path:content_type_id>/<path:object_id>/",
                     self.admin_view(self.view_on_site), name="view_on_site")
                if getattr(url, "name", None) == "view_on_site" else url
                for url in super().get_urls()]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's redirect to a row's page, for staff who may view rows of its kind.

        Django's redirected any staff account: one in no newsroom group learnt a
        draft's or a scheduled story's address, its slug often its headline, by
        counting through /admin/r/<type>/<id>/.
        """
        kind = (ContentType.objects.filter(pk=content_type_id).first()
                if content_type_id.isascii() and content_type_id.isdigit() else None)
        model_admin = self._registry.get(kind.model_class()) if kind is not None else None
        if model_admin is None:
            raise Http404("No such kind of row.")
        if not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def password_change(self, request, extra_context=None):
        """Django's, the old password checked only while the account has checks left
        (hooks.password_checks: accounts allows ten an hour, shared with its own forms).

        Django's checked it as often as it was sent: whoever held a newsroom session
        could guess the password here, where the site's form stopped them at ten.
        """
        if request.method == "POST":
            refused = next(filter(None, (check(request) for check in hooks.password_checks)),
                           None)
            if refused:
                # Shown in the admin's message list; every field is a password, never sent
                # back: an empty form.
                messages.error(request, refused.notice)
                form = (self.password_change_form or AdminPasswordChangeForm)(request.user)
                context = {**self.each_context(request), **(extra_context or {}),
                           "title": "Password change", "form": form}
                return ratelimit.refusal(
                    request, self.password_change_template
                    or "registration/password_change_form.html", context, refused)
        return super().password_change(request, extra_context)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            # Signing out of a tab already signed out loses nothing. Nor does a page's own
            # script asking in the background (editing_now.js every 20 seconds, the
            # preview as one types): each of those added the word again, and a form
            # left open signed out led to a sign-in page saying it dozens of times.
            # A browser too old to say what its request is for is taken at its word.
            if (request.method == "POST" and not request.user.is_authenticated
                    and request.path != reverse(f"{self.name}:logout")
                    and request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"):
                messages.warning(request, SIGNED_OUT_WHILE_SENDING)
            return guarded(request, *args, **kwargs)

        return functools.update_wrapper(inner, guarded)


class CheckedAutocompleteSelect(widgets.AutocompleteSelect):
    """Django's autocomplete drop-down, which shows no option for a value its field cannot hold.

    Django's widget looks up what was sent as it is: a form sent back with
    "abc" for an id failed with a ValueError (a 500) when it was shown again,
    where the field itself says "Select a valid choice".
    """

    def optgroups(self, name, value, attrs=None):
        target = self.field.remote_field
        to_field = target.model._meta.get_field(
            getattr(target, "field_name", None) or target.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if _holds(to_field, v)], attrs)


# What the admin's forms tell a screen reader.
#
# Django's admin leaves some controls unnamed and points others at nothing
# (WCAG 1.3.1, 3.3.1, 4.1.2). Every admin form (DeclaredLookupsOnly.get_form)
# and every inline's rows (get_formsets_with_inlines) are described here:
# a date or time input names its error and help text (the admin's date
# widgets replace both with a timezone note that is seldom shown), a group
# of radios with help text has an id its help can be named by, and each
# control in a table's row is named by its column and row, where only the
# column heading held the text. Autocomplete drop-downs are named by their
# labels in the browser (static/js/admin_a11y.js), as select2 draws them.

class _DescribedDateTime:
    """An admin date, time or split date-and-time widget whose inputs name, beside Django's
    timezone note, the field's errors and, where the form shows it, its help text.

    Django's admin date widgets overwrite aria-describedby with the note's id
    alone, an element DateTimeShortcuts.js makes only when the browser's clock
    is in another timezone: the list of errors was named by nothing.
    """

    help_shown = False  # the field's help is shown under an id made from the input's

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        id_ = widget["attrs"].get("id")
        if not id_:
            return context
        # The note's id, as DateTimeShortcuts.js makes it: the field's id for both halves.
        ids = [f"{id_}_timezone_warning_helptext"]
        if self.help_shown:
            ids.append(f"{id_}_helptext")
        if widget["attrs"].get("aria-invalid"):
            ids.append(f"{id_}_error")
        for part in widget.get("subwidgets") or [widget]:
            part["attrs"]["aria-describedby"] = " ".join(ids)
        return context


class _DescribedFile:
    """A file input (ClearableFileInput, AdminFileWidget) that names the field's errors and
    help.

    Its "Currently" and "Change" sit in a fieldset (use_fieldset), for which
    Django names neither on the input nor on the fieldset: "Choose the image
    again" was never read with the field it is about.
    """

    help_shown = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        id_ = widget_attrs.get("id")
        if id_:
            ids = [*widget_attrs.get("aria-describedby", "").split()]
            if self.help_shown:
                ids.append(f"{id_}_helptext")
            if widget_attrs.get("aria-invalid"):
                ids.append(f"{id_}_error")
            if ids:
                widget_attrs["aria-describedby"] = " ".join(dict.fromkeys(ids))
        return context


class _NamedGroup:
    """A group of radios or checkboxes with the field's id, which its help text takes.

    RadioSelect has no id for its label (a <label for> would tick the first
    radio), so the admin gave the help text no id and the group's fieldset an
    aria-describedby of "_helptext", naming nothing. The group's <legend>
    takes no "for" whatever its id.
    """

    def id_for_label(self, id_, index=None):
        return id_ if index is None else super().id_for_label(id_, index)


@functools.cache
def _with(mixin, widget_class):
    return type(widget_class.__name__, (mixin, widget_class), {})


def _adopt(widget, mixin):
    """Give a form's own copy of a widget (Field.__deepcopy__) the mixin's behaviour, whatever
    widget class the form or the admin chose."""
    if not isinstance(widget, mixin):
        widget.__class__ = _with(mixin, type(widget))


def describe_controls(form, row=False):
    """Describe a form's controls as above; row is the form's index in a table of rows, None
    for the empty row the admin copies for "Add another", False for a form not in a table."""
    for name, field in form.fields.items():
        widget = field.widget
        inner = getattr(widget, "widget", widget)  # inside a RelatedFieldWidgetWrapper
        if isinstance(inner, (widgets.DateTimeWidgetContextMixin, widgets.AdminSplitDateTime)):
            _adopt(inner, _DescribedDateTime)
            # A table shows help text in its column heading only.
            inner.help_shown = bool(field.help_text) and row is False
        elif isinstance(inner, forms.ClearableFileInput):
            _adopt(inner, _DescribedFile)
            inner.help_shown = bool(field.help_text) and row is False
        elif field.help_text and inner.use_fieldset and not inner.id_for_label("id"):
            _adopt(inner, _NamedGroup)
        if row is not False and not widget.is_hidden and not isinstance(inner, forms.MultiWidget):
            where = "new row" if row is None else f"row {row + 1}"
            # On the widget itself: RelatedFieldWidgetWrapper shares its attrs.
            inner.attrs["aria-label"] = f"{capfirst(field.label or pretty_name(name))}, {where}"


def described_form(form_class):
    """form_class, its controls described (describe_controls)."""

    class DescribedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            describe_controls(self)

    DescribedForm.__name__ = form_class.__name__
    return DescribedForm


def described_formset(formset_class, tabular):
    """An inline's formset class whose forms are described (describe_controls), each control
    of a tabular inline named by its column and row ("Position, row 2")."""

    class DescribedFormSet(formset_class):
        def add_fields(self, form, index):
            super().add_fields(form, index)  # the Delete box among them
            describe_controls(form, index if tabular else False)

    DescribedFormSet.__name__ = formset_class.__name__
    return DescribedFormSet


def _holds(field, value):
    """Whether field can hold value: of its kind and, for a number, in the database's range.

    SQLite cannot even compare a column with an integer beyond 64 bits
    (OverflowError); Django guards only some lookups against one.
    """
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


def _past_the_last_date(date_hierarchy, query):
    """Whether the date hierarchy's period chosen in query may end after the last date
    Python holds.

    Django adds a day, a month or a year to a period's start to find its end,
    which fails for the year 9999 as a whole, its December and its last day;
    the whole year is refused, which no row of a newsroom is dated in. Years
    that are not a number are left to Django's own check.
    """
    if not date_hierarchy:
        return False
    year = query.getlist(f"{date_hierarchy}__year")[-1:]
    return bool(year) and year[0].isascii() and year[0].isdigit() and len(year[0]) <= 6 and (
        int(year[0]) >= datetime.MAXYEAR)


def _at_the_calendars_ends(model, query):
    """Whether a lookup in query compares a date-and-time column with a moment in the first
    or the last year Python holds.

    The database is asked in UTC: east of it the start of the year 1 is in
    the year 0, and west of it the end of 9999 in 10000, which SQLite's
    adapter cannot write (an OverflowError, a 500: ?created_at__year=1 in
    Pacific/Auckland, or the sidebar's ?created_at__gte=0001-01-01). Both
    years are refused whatever the zone and the database, as no row of a
    newsroom is dated in them. Values that are not dates are left to Django.
    """
    for lookup, values in query.lists():
        field, name = _lookup_target(model, lookup)
        if not isinstance(field, models.DateTimeField):
            continue
        for value in values:
            try:
                year = (int(value) if name == "year"
                        else field.to_python(value).year if name in _COMPARISONS else None)
            except (ValueError, ValidationError, AttributeError):
                continue
            if year is not None and not datetime.MINYEAR < year < datetime.MAXYEAR:
                return True
    return False


_COMPARISONS = {"exact", "gt", "gte", "lt", "lte"}


def _lookup_target(model, lookup):
    """(the field a changelist lookup ends on, the lookup itself: exact, in, gte...); the
    field is None when the lookup's first part names none."""
    opts, field, name = model._meta, None, "exact"
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            name = part
            break
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    return field, name


def _out_of_range(model, lookup, value):
    """Whether a changelist lookup compares an integer column with a number it cannot hold.

    Only numbers too large or too small: a value that is not a number at all
    is refused by Django's own handling (the list with ?e=1).
    """
    field, name = _lookup_target(model, lookup)
    if field is None or not field.concrete:
        return False
    if field.is_relation:
        field = field.target_field
    if not isinstance(field, models.IntegerField):  # AutoField and BigAutoField among them
        return False
    values = str(value).split(",") if name == "in" else [value]
    for one in values:
        try:
            number = field.to_python(one)
        except ValidationError:
            continue
        if number is not None and not _holds(field, number):
            return True
    return False


class StaffUserChoiceField(forms.ModelChoiceField):
    """A newsroom account named as people know it: "Full Name (username)"."""

    def label_from_instance(self, user):
        full_name = user.get_full_name()
        return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def decision_action(status, description):
    """An admin action handing the selected rows to the admin's `_decide(request, rows, status)`.

    Moderation queues offer one action per outcome; each only names its outcome.
    """

    @admin.action(description=description, permissions=["change"])
    def decide(model_admin, request, queryset):
        model_admin._decide(request, queryset, status)

    return decide


class ReasonActionForm(ActionForm):
    """The moderation lists' action form: a reason, and when the list was drawn.

    A decision made on a list that is minutes old must not overturn one that
    another moderator made since (drawn_at).
    """

    reason = forms.CharField(required=False, label="Reason or note",
                             widget=forms.TextInput(attrs={"size": 40}))
    drawn = forms.CharField(required=False, widget=forms.HiddenInput, label="",
                            initial=lambda: timezone.now().isoformat())


class ReasonedActions:
    """A model admin whose action form (a ReasonActionForm) limits its reason: one too long
    is refused with its own message, never cut. Django's answer to an action form that
    does not validate is "No action selected"."""

    def response_action(self, request, queryset, *args, **kwargs):
        try:
            self.action_form.base_fields["reason"].clean(request.POST.get("reason", ""))
        except ValidationError as error:
            self.message_user(request, f"Nothing was decided. {' '.join(error.messages)}",
                              messages.ERROR)
            return None  # the list again, as for any action refused
        return super().response_action(request, queryset, *args, **kwargs)


def reason_field(max_length, rows):
    """The action form's reason, at most max_length characters; rows: what the list shows
    ("comments"), for the message.

    A validator, not the field's max_length, which gave the box a maxlength: the browser
    cut a pasted note there without a word, and the cut one was logged and emailed.
    """
    return forms.CharField(
        required=False, label="Reason or note", widget=forms.TextInput(attrs={"size": 40}),
        validators=[MaxLengthValidator(
            max_length, "A reason can be at most %(limit_value)d characters (this one has "
                        f"%(show_value)d): shorten it, then choose the {rows} again.")])


class NotesNeverCut:
    """A model form whose moderators' notes (fields named in `uncut`) have no maxlength: the
    browser cut a pasted note there without a word. A longer one is refused by the
    field's own limit, the text kept in the form, as on the desk."""

    uncut = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.uncut:
            if name in self.fields:
                self.fields[name].widget.attrs.pop("maxlength", None)


def drawn_at(request):
    """When the list an action was chosen on was drawn (ReasonActionForm), or None."""
    try:
        moment = datetime.datetime.fromisoformat(request.POST.get("drawn", ""))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def local_iso(moment):
    """A time as CSV exports write it: local, to the second; empty for None."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


class CSVExportMixin:
    """An "Export CSV" link on the changelist: the rows as filtered, searched and sorted there."""

    change_list_template = "admin/export_change_list.html"
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
        rows = self.csv_rows(changelist.queryset.iterator(chunk_size=CSV_CHUNK_ROWS))
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        return StreamingHttpResponse(
            _csv_chunks(self.csv_header, rows), content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition":
                     f'attachment; filename="{self.csv_name}-{stamp}.csv"'})


# Rows read from the database, and written to the response, at a time.
CSV_CHUNK_ROWS = 2000


# Spreadsheets read a CSV file as UTF-8 when it starts with this (UTF-8's byte order mark).
CSV_BOM = "\ufeff"


class _Lines:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, line):
        return line


def _csv_chunks(header, rows):
    """The CSV text in chunks of CSV_CHUNK_ROWS lines, written as the rows are read.

    Streamed, as Django's documentation streams large CSV files: the moderation
    log grows with every decision, and an export of 200,000 entries built in
    memory kept 18 MB of text in the worker before its first byte went out.
    It opens with the UTF-8 byte order mark: without it, Excel reads the file in
    the machine's own code page and "Café" shows as "CafÃ©".
    """
    writer = csv.writer(_Lines())
    chunk = [CSV_BOM + writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow([_cell(value) for value in row]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


# Edit conflicts.
#
# Two editors open the same story; the second save used to replace the first
# without a word. A change form now carries a token of the version it was
# opened on, and a save over a version saved since is refused with the
# editor's input kept and the differences shown.

EDIT_VERSION_FIELD = "_edit_version"
# Text longer than this is compared word by word rather than shown twice.
LONG_TEXT = 160


class EditItem:
    """A part of a stored row as the conflict check sees it: a field, tags, an inline's rows."""

    def __init__(self, key, label, value, display, inline=False, stored=None):
        self.key, self.label, self.display, self.inline = key, label, display, inline
        self.digest = digest(value)
        self.stored = stored  # the value itself, for a field: what the form can be given


def digest(text):
    """A short fingerprint of a value's canonical text: enough to tell versions apart."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def canonical(value):
    """A value as text that is equal exactly when two values mean the same to the row."""
    if value is None or value is False or value == "":
        return ""
    if value is True:
        return "1"
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.datetime):
        # Forms keep whole seconds; the database may hold microseconds.
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, UploadedFile):
        return f"upload:{value.name}"
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return "\n".join(sorted(str(item) for item in value))
    return normalize(str(value))


def display(value, field=None):
    """A value as a person reads it in the conflict table."""
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        return "—"
    if value is False and isinstance(field, models.FileField):
        return "— (removed)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field is not None and getattr(field, "choices", None) and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "M j, Y, g:i A")
    if isinstance(value, datetime.date):
        return date_format(value, "M j, Y")
    if isinstance(value, FieldFile):
        return value.name or "—"
    if isinstance(value, UploadedFile):
        return f"{value.name} (new upload)"
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


def encode_version(items, opened_at=None):
    """The hidden token: when the form was opened and each part's fingerprint."""
    payload = {"at": (opened_at or timezone.now()).isoformat(),
               "v": {item.key: item.digest for item in items}}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_version(token):
    """(opened_at, {key: fingerprint}) from a token; (None, {}) when it cannot be read."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        opened_at = datetime.datetime.fromisoformat(payload["at"])
        fingerprints = {str(k): str(v) for k, v in payload["v"].items()}
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return None, {}
    return opened_at, fingerprints


# Pairs of words word_diff() compares at the most, beyond the words both texts begin and
# end with: difflib takes time in proportion to their product, and two versions of a long
# body differing throughout took minutes (a save refused for a conflict, a history page).
WORD_DIFF_MOST = 4_000_000


def word_diff(old, new):
    """(kind, text) runs, kind being "same", "removed" or "added", word by word; None when
    the texts differ over too long a stretch to compare so in good time (WORD_DIFF_MOST):
    they are shown whole, side by side."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    shortest = min(len(old_words), len(new_words))
    start = 0
    while start < shortest and old_words[start] == new_words[start]:
        start += 1
    end = 0
    while end < shortest - start and old_words[-1 - end] == new_words[-1 - end]:
        end += 1
    old_middle = old_words[start:len(old_words) - end]
    new_middle = new_words[start:len(new_words) - end]
    if len(old_middle) * len(new_middle) > WORD_DIFF_MOST:
        return None
    runs = [("same", "".join(old_words[:start]))] if start else []
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", "".join(old_middle[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(old_middle[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(new_middle[j1:j2])))
    if end:
        runs.append(("same", "".join(old_words[len(old_words) - end:])))
    return runs


class EditVersionForm:
    """Mixed into a change form by EditConflictMixin: carries and checks the version token.

    The subclass made in EditConflictMixin.get_form supplies edit_items(lock),
    the stored row's parts (locked until the save ends when lock is true),
    and saved_since(opened_at), who saved the row after the form was opened.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.edit_conflict = None
        if self.is_bound:
            # None when the client sent no token (a script, an old page): not checked.
            self.edit_version = self.data.get(EDIT_VERSION_FIELD)
        else:
            self.edit_version = encode_version(self.edit_items(lock=False))

    def clean(self):
        cleaned_data = super().clean()
        if self.edit_version is not None:
            self._check_version(cleaned_data)
        return cleaned_data

    def _check_version(self, cleaned_data):
        opened_at, opened = decode_version(self.edit_version)
        stored = self.edit_items(lock=True)
        theirs_changed = {item.key for item in stored if opened.get(item.key) != item.digest}
        if not theirs_changed:
            return
        rows, lost = [], False
        for item in stored:
            they = item.key in theirs_changed
            if item.inline:
                if they:
                    # The rows posted cannot be read back reliably: always a conflict.
                    lost = True
                    rows.append({"label": item.label, "theirs": item.display, "inline": True,
                                 "who": "them"})
                continue
            yours = self._yours(item.key, cleaned_data)
            if digest(canonical(yours)) == item.digest:
                continue  # the same as theirs: nothing to lose
            you = opened.get(item.key) != digest(canonical(yours))
            lost = lost or they
            row = self._row(item, yours, they, you)
            # What they changed and this editor did not goes into the form as they saved
            # it: saving again would otherwise put back the version this form opened on.
            if they and not you and self._take_theirs(item):
                row["taken"] = True
                row.pop("diff", None)  # the form shows theirs: nothing of yours to compare
            rows.append(row)
        if not lost:
            return  # they changed only what this form leaves as they saved it
        self.edit_conflict = {"rows": rows, "saved_since": self.saved_since(opened_at),
                              "has_diff": any("diff" in row for row in rows)}
        # The form now carries the version shown beside the editor's input:
        # saving again after looking keeps the editor's version.
        self.edit_version = encode_version(stored)
        name = self._meta.model._meta.verbose_name
        self.add_error(None, ValidationError(
            f"Someone else saved this {name} after you opened it, so your changes are not "
            "saved yet. They are kept in the form below. Compare them with the saved version "
            "in the table, then save again to keep yours.", code="edit_conflict"))

    def _take_theirs(self, item):
        """Put the stored value of item's field into the form's data as its widget posts it;
        whether it could. Only where the round trip gives the stored value back: a file
        input, for one, cannot be given a file (nor needs one: a save without an upload
        keeps the stored file)."""
        field = self.fields[item.key]
        widget, key = field.widget, self.add_prefix(item.key)
        if field.disabled or isinstance(widget, forms.FileInput):
            return False
        value = field.prepare_value(item.stored)
        data = self.data.copy()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
            for suffix, part_widget, part in zip(widget.widgets_names, widget.widgets, parts):
                data[key + suffix] = part_widget.format_value(part) or ""
        elif isinstance(widget, forms.CheckboxInput):
            if widget.check_test(value):
                data[key] = "on"
            else:
                data.pop(key, None)
        elif isinstance(formatted := widget.format_value(value), list):  # a select's choices
            data.setlist(key, formatted)
        else:
            data[key] = "" if formatted is None else formatted
        try:
            again = field.clean(widget.value_from_datadict(data, self.files, key))
        except ValidationError:
            return False
        if digest(canonical(again)) != item.digest:
            return False
        self.data = data
        self.cleaned_data[item.key] = again  # the page's title names the story as stored
        return True

    def _yours(self, name, cleaned_data):
        if name in cleaned_data:
            return cleaned_data[name]
        # Input that did not validate is shown as typed.
        field = self.fields[name]
        return field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))

    def _row(self, item, yours, they, you):
        field = _model_field(self._meta.model, item.key)
        yours_shown = display(yours, field)
        row = {"label": item.label, "theirs": item.display, "yours": yours_shown,
               "who": "both" if they and you else ("them" if they else "you")}
        if max(len(item.display), len(yours_shown)) > LONG_TEXT or "\n" in item.display:
            diff = word_diff(item.display, yours_shown) or []
            same = sum(len(text) for kind, text in diff if kind == "same" and text.strip())
            # Texts that share little (or too long to compare) read better whole, side by side.
            if same >= max(len(item.display), len(yours_shown)) / 2:
                row["diff"] = diff
        return row


def _rows_saved_over_what_was_shown(form):
    """The list's editable rows (list_editable), each saved only over the values the list showed.

    Django saved every row whose value differed from the stored one, so a
    row that someone else changed after the list was opened was put back as
    the list showed it. Each field now carries the value shown (a hidden
    initial), which decides what this editor changed; a row changed here and
    saved by someone else since is refused, and saving again keeps this one.
    """

    class ListRowForm(form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pk = self._meta.model._meta.pk.name
            for name, field in self.fields.items():
                if name != pk:
                    field.show_hidden_initial = True

        def clean(self):
            cleaned_data = super().clean()
            for name in self.changed_data:
                field, bound = self.fields[name], self[name]
                if bound.html_initial_name not in self.data:
                    continue  # not sent (a script, an old page): not checked, as before
                shown = self._widget_data_value(field.hidden_widget(), bound.html_initial_name)
                if not field.has_changed(bound.initial, shown):
                    continue
                stored = field.prepare_value(bound.initial)
                self.add_error(name, ValidationError(
                    "Someone else saved %(stored)s here after you opened this list, so yours is "
                    "not saved yet. Save again to keep yours.",
                    params={"stored": "nothing" if stored in (None, "") else f"“{stored}”"},
                    code="edit_conflict"))
                # Shown now: the next save is judged against it.
                self.data = self.data.copy()
                self.data[bound.html_initial_name] = "" if stored is None else str(stored)
            return cleaned_data

    ListRowForm.__name__ = form.__name__
    return ListRowForm


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class OldAddressesMixin:
    """The change page of a model with core.oldslugs.HasOldAddresses lists the old
    addresses that lead to it, so an editor who renamed it sees what still links
    there and why another may not take those slugs. Put the field "old_addresses"
    in the fieldsets: it shows on the change page alone. The add page has none to
    show, and a revision's page shows the revision, while the list is of today.
    """

    # What the row says when there is none to list.
    no_old_addresses = "None: this {noun} has had no other slug since it was first saved."

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.shows_old_addresses = True
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "old_addresses"] if self._shows_old_addresses(request, obj) else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._shows_old_addresses(request, obj):
            return fieldsets
        return [(name, {**options, "fields": [field for field in options["fields"]
                                              if field != "old_addresses"]})
                for name, options in fieldsets]

    def _shows_old_addresses(self, request, obj):
        return obj is not None and getattr(request, "shows_old_addresses", False)

    @admin.display(description="old addresses")
    def old_addresses(self, obj):
        addresses = obj.old_addresses()
        noun = obj._meta.verbose_name
        if not addresses:
            return self.no_old_addresses.format(noun=noun)
        listed = format_html_join(
            "", "<li><code>{}</code> <span class=\"quiet\">(left {})</span></li>",
            ((address, date_format(timezone.localtime(since), "M j, Y"))
             for address, since in addresses))
        return format_html(
            "<ul class=\"old-addresses\">{}</ul><p class=\"help\">Links to these addresses "
            "lead here. Another {} may not take their slugs; changing this one's slug back "
            "to one of them takes it back.</p>", listed, noun)


class DeletedWhileSaving(Exception):
    """The row a change form was saving was deleted by someone else while the save waited
    for its lock (EditConflictMixin.edit_items)."""


class EditConflictMixin:
    """A change form refuses to save over a version saved after it was opened; nothing is lost.

    The version is a fingerprint of each field the form edits, read from the
    stored row, its tags and other many-to-many fields, and the rows of each
    inline. A save whose opened version no longer matches the stored one, in
    a part that the save would overwrite, is refused: the form comes back with
    the editor's input, an error at the top, and a table of "their version"
    beside "your version" for each field that differs.
    """

    change_form_template = "admin/edit_conflict_change_form.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_editing_now"
        view = self.admin_site.admin_view(self.editing_now_view)
        return [path("<path:object_id>/editing-now/", view, name=name), *super().get_urls()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            # Sent: the form is closed, unless it is shown again (sent back with an error,
            # or "Save and continue editing"), which marks it open.
            editing_now.mark_closed(self.opts, unquote(object_id), request.user)
            request.saving_change_form = True  # a row gone under the lock is deleted (below)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DeletedWhileSaving:
            # The save's transaction is rolled back; the row is gone for good.
            return self.deleted_while_saving(request, object_id, form_url, extra_context)

    def deleted_while_saving(self, request, object_id, form_url, extra_context):
        """The answer to a save whose row someone deleted while it was being saved: Django's
        own for an address whose object no longer exists (ArticleAdmin offers what was
        typed as a new draft instead)."""
        return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if change and obj is not None and self.has_change_permission(request, obj):
            editing_now.mark_open(self.opts, obj.pk, request.user)
            context["editing_now"] = self._editing_now(request, obj, opened_at=None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def editing_now_view(self, request, object_id):
        """What an open change form's page asks every editing_now.PING_SECONDS (POST): the
        form is still open, and who else has it open, or who saved it since it was opened
        (the form's version token). With "leaving", the form is closed (204)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._deleted_since_opened(request, unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        page = request.POST.get("page", "")
        if not editing_now.PAGE_ID.fullmatch(page):
            page = ""  # not one the script makes (static/js/editing_now.js): none
        if request.POST.get("leaving"):
            editing_now.mark_closed(self.opts, obj.pk, request.user, page=page)
            return HttpResponse(status=204)
        editing_now.mark_open(self.opts, obj.pk, request.user,
                              changed=bool(request.POST.get("changed")), page=page)
        opened_at, _ = decode_version(request.POST.get("version", ""))
        return TemplateResponse(request, "admin/includes/editing_now.html",
                                {"editing_now": self._editing_now(request, obj, opened_at)})

    def _deleted_since_opened(self, request, object_id):
        """The notice of a form whose object was deleted after the form was opened (the
        ping's version token); 404 when it was not."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        opened_at, _ = decode_version(request.POST.get("version", ""))
        deletion = opened_at and LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model, for_concrete_model=False),
            object_id=object_id, action_flag=DELETION, action_time__gt=opened_at,
        ).select_related("user").order_by("-action_time").first()
        if not deletion:
            raise Http404(f"No {self.opts.verbose_name} with that ID.")
        editing_now.mark_closed(self.opts, object_id, request.user)
        return TemplateResponse(request, "admin/includes/editing_now.html", {"editing_now": {
            "noun": self.opts.verbose_name,
            "deleted": {"user": deletion.user.get_full_name() or deletion.user.get_username(),
                        "at": deletion.action_time, "by_you": deletion.user_id == request.user.pk},
        }})

    def _editing_now(self, request, obj, opened_at):
        """The "also open" notice's context: who else has the form open, since when, and
        who saved the object after opened_at (the ping's version token; None at first)."""
        return {
            "url": reverse(f"{self.admin_site.name}:{self.opts.app_label}_"
                           f"{self.opts.model_name}_editing_now", args=[quote(obj.pk)]),
            "every": editing_now.PING_SECONDS,
            "noun": self.opts.verbose_name,
            "others": [(account.get_full_name() or account.get_username(),
                        datetime.datetime.fromtimestamp(since, datetime.UTC), changed)
                       for account, since, changed in editing_now.others_open(
                           self.opts, obj.pk, request.user)],
            "today": timezone.localdate(),
            "saved": self.edit_saved_since(request, obj.pk, opened_at),
            "change_url": reverse(f"{self.admin_site.name}:{self.opts.app_label}_"
                                  f"{self.opts.model_name}_change", args=[quote(obj.pk)]),
        }

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or obj.pk is None:
            return form
        model_admin, pk = self, obj.pk

        class VersionedForm(EditVersionForm, form):
            def edit_items(self, lock):
                return model_admin.edit_items(request, pk, self, lock)

            def saved_since(self, opened_at):
                return model_admin.edit_saved_since(request, pk, opened_at)

        VersionedForm.__name__ = form.__name__
        return VersionedForm

    def get_changelist_form(self, request, **kwargs):
        return _rows_saved_over_what_was_shown(super().get_changelist_form(request, **kwargs))

    def edit_items(self, request, pk, form, lock):
        """The stored row's parts, in form order, as the conflict check compares them.

        Nothing when no row is stored: a deleted row being restored from a revision
        (django-simple-history's revision form) has nothing to conflict with.
        """
        queryset = self.model._default_manager.all()
        if lock and transaction.get_connection(queryset.db).in_atomic_block:
            # A second save waits here until this one is done, then sees its version.
            queryset = queryset.select_for_update()
        try:
            stored = queryset.get(pk=pk)
        except self.model.DoesNotExist:
            if lock and getattr(request, "saving_change_form", False):
                # Deleted while this save waited for the row: going on saved a row that is
                # no more (a 500, and what was typed lost). A revision's form restoring a
                # deleted row has nothing to conflict with.
                raise DeletedWhileSaving(pk) from None
            return []
        items = []
        for name, form_field in form.fields.items():
            field = _model_field(self.model, name)
            if field is None or field.auto_created or not (field.concrete or field.many_to_many):
                continue
            value = (list(field.value_from_object(stored)) if field.many_to_many
                     else getattr(stored, name) if field.is_relation
                     else field.value_from_object(stored))
            items.append(EditItem(name, capfirst(form_field.label or name), canonical(value),
                                  display(value, field), stored=value))
        for inline in self.get_inline_instances(request, stored):
            formset = inline.get_formset(request, stored)
            names = [name for name in formset.form.base_fields if name != formset.fk.name]
            rows = list(inline.get_queryset(request).filter(**{formset.fk.name: stored})
                        .order_by("pk"))
            values = [[getattr(row, name) for name in names] for row in rows]
            text = "\n".join(f"{row.pk}|" + "|".join(canonical(v) for v in vs)
                             for row, vs in zip(rows, values))
            shown = "\n".join(" · ".join(display(v, _model_field(inline.model, n))
                                         for n, v in zip(names, vs)) for vs in values)
            items.append(EditItem(f"inline:{formset.get_default_prefix()}",
                                  capfirst(inline.verbose_name_plural), text, shown or "—",
                                  inline=True))
        return items

    def edit_saved_since(self, request, pk, opened_at):
        """Who saved the row through the admin after opened_at, newest first."""
        if opened_at is None:
            return []
        entries = (LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(
                self.model, for_concrete_model=False),  # as the admin logs a proxy
            object_id=str(pk),
            action_time__gt=opened_at).select_related("user").order_by("-action_time"))
        return [{"user": entry.user.get_full_name() or entry.user.get_username(),
                 "at": entry.action_time, "by_you": entry.user_id == request.user.pk}
                for entry in entries[:5]]


def with_next_older(records):
    """A page of a history's revisions (newest first), and the revision just older than the
    page's last one, when there is one: a revision's changes are read against that one.

    django-simple-history compares the revisions within the page: the oldest
    on each page of a story with more than one page of history (100 a page)
    showed no changes, as the first revision of all does, whatever it changed.
    """
    if not isinstance(records, Page):
        return records
    listed = list(records)
    if records.has_next():
        listed.append(records.paginator.object_list[records.end_index()])
    return listed


class ReadOnlyRevisionsMixin:
    """A revision opens read-only for whoever may not restore it, as the change page does,
    under the breadcrumbs of its story (or correction), not of the history's own model.

    django-simple-history hides only the Revert button: a moderator, who may
    view stories but not change them, saw every field editable, a file input
    and the body's Preview button, which answered 403. The history page's
    revisions each show what they changed, the oldest of a page too.
    """

    def render_history_view(self, request, template, context, **kwargs):
        if "original_opts" in context:
            # A revision's page names the revision's model, "Historical articles", in its
            # breadcrumbs and classes; the story list it leads back to is the story's.
            context = {**context, "opts": context["original_opts"]}
        if "adminform" in context and context.get("revert_disabled"):
            context = {**context, **self.read_only_revision(request, context["original"])}
        return super().render_history_view(request, template, context, **kwargs)

    def read_only_revision(self, request, obj):
        """The context of revision obj's form with no field editable."""
        form = self.get_form(request, obj, change=True)(instance=obj)
        fieldsets = self.get_revision_fieldsets(request, obj)
        adminform = AdminForm(form, fieldsets, {}, flatten_fieldsets(fieldsets),
                              model_admin=self)
        return {"adminform": adminform, "errors": AdminErrorList(form, []),
                "media": self.media + adminform.media}

    def get_revision_fieldsets(self, request, obj):
        """The fieldsets a read-only revision shows."""
        return self.get_fieldsets(request, obj)

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        # The history page's oldest revision shows its changes too (with_next_older).
        super().set_history_delta_changes(request, with_next_older(historical_records),
                                          **kwargs)


CHOOSE_AGAIN = ("Choose the image again: a browser cannot keep a chosen file when the form is "
                "sent back.")
SLUG_IN_CAPITALS = ("Write the slug in lower case, “%(lowered)s”: its page is found only at the "
                    "address spelled as the slug is, and addresses are typed in lower case.")


def ask_for_chosen_files(request, form):
    """Say under each file field of a form sent back that the file chosen for it is lost.

    No form can send a chosen file back to the browser: the story and author
    forms came back with the alt text and caption but no picture, and saving
    again saved them without it. A file refused for its own reason says so
    already. (The story and author admins.)
    """
    if request.method != "POST":
        return
    for name, field in form.fields.items():
        if (isinstance(field, forms.FileField) and request.FILES.get(form.add_prefix(name))
                and name not in form.errors):
            form.add_error(name, ValidationError(CHOOSE_AGAIN, code="choose_again"))


def lower_case_slug(form):
    """The form's slug, refused when given anew with capitals (authors' and sections').

    /sections/Empty-Caps/ was found and /sections/empty-caps/ was not: a
    section's or an author's page is looked up by its slug as spelled. A
    slug stored in capitals before this rule is left as it is.
    """
    slug = form.cleaned_data["slug"]
    if slug != slug.lower() and "slug" in form.changed_data:
        raise ValidationError(SLUG_IN_CAPITALS, code="slug_capitals",
                              params={"lowered": slug.lower()})
    return slug


class DecisionsInHistoryMixin:
    """A record's History page lists its moderation decisions beside its admin changes.

    A decision taken from a list's actions or the moderators' desk is written
    to the moderation log alone (one log for every decision, kept by comments:
    core.hooks.decisions_about), never to the admin's LogEntry, so the page
    said nothing of it. It now lists the log's entries about the record, read
    where they are kept: nothing is written twice. decision_target(obj) says
    how the log names the record.
    """

    object_history_template = "admin/history_with_decisions.html"
    decisions_shown = 100

    def decision_target(self, obj):
        """(target, prefix): the log's target of obj's decisions, or how it begins."""
        raise NotImplementedError

    def history_view(self, request, object_id, extra_context=None):
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_or_change_permission(request, obj):
            target, prefix = self.decision_target(obj)
            decisions = [entry for entries in hooks.decisions_about
                         for entry in entries(target, prefix, self.decisions_shown + 1)]
            decisions.sort(key=lambda entry: (entry.created_at, entry.pk), reverse=True)
            for entry in decisions:  # "bias report in_review" read as words
                entry.action_shown = capfirst(entry.action.replace("_", " "))
            context.update(decisions=decisions[:self.decisions_shown],
                           more_decisions=len(decisions) > self.decisions_shown,
                           decisions_search=f'"{target}"')
        return super().history_view(request, object_id, context)
