"""The admin filters a list only through the filters it shows.

Django's admin accepts `?field__lookup=value` on any local field of the
model, whether or not the list shows that field: a moderator could recover a
reader's password hash with `?password__lt=` one character at a time, or an
editor a reporter's private `contact_email`. Every ModelAdmin in the project
inherits DeclaredLookupsOnly (a system check makes sure), so a lookup is
allowed only on what `list_filter` and `date_hierarchy` declare, which are
the filters people see in the sidebar.

It also holds what several apps' admins share: CSV export of a changelist
as filtered, and the action form with a reason.
"""

import csv

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.contrib.admin.filters import SimpleListFilter
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils import timezone


class DeclaredLookupsOnly:
    """Refuse changelist lookups other than the declared filters' (400 Bad Request)."""

    def lookup_allowed(self, lookup, value, request):
        if _raw_id_popup_lookup(self.model, lookup, value):
            return True
        if not any(lookup == name or lookup.startswith(name + LOOKUP_SEP)
                   for name in declared_filters(self, request)):
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


def _raw_id_popup_lookup(model, lookup, value):
    """Whether the lookup is one a raw-id popup sends for a ForeignKey's limit_choices_to."""
    for fk_lookup in model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
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
    reason = forms.CharField(required=False, label="Reason or note",
                             widget=forms.TextInput(attrs={"size": 40}))


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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_name}-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(self.csv_header)
        for row in self.csv_rows(changelist.queryset.iterator(chunk_size=2000)):
            writer.writerow([_cell(value) for value in row])
        return response
