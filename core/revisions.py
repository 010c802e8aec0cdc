"""Revisions in the admin: how their values read, and comparing any two of them.

django-simple-history keeps each saved version of a story and of a correction;
the newsroom reads them on the history page and compares them there
(ComparedRevisionsMixin). The articles' and the standards' admins share this.
"""

import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from simple_history.template_utils import (HistoricalRecordContextHelper, ObjDiffDisplay,
                                           conditional_str)

from core.admin import word_diff
from core.forms import clock_shows, offset_text


def require_numbers(*ids):
    """404 unless every id is a number: django-simple-history looks revisions up by
    ids as they come, and one that is not a number would be a server error."""
    if not all(value.isascii() and value.isdigit() for value in ids):
        raise Http404("No such revision.")


def local_time(moment):
    """moment as the newsroom reads it: local, in words, the offset named where the clocks
    going back make the time ambiguous."""
    local = timezone.localtime(moment)
    text = date_format(local, "l, F j, Y \\a\\t g:i A")
    # In the hour the clocks go back, "1:30 AM" happens twice: the offset tells which.
    shows = clock_shows(local.replace(tzinfo=None), local.tzinfo)
    if len(shows) > 1:
        when = "before" if local.utcoffset() == shows[0].utcoffset() else "after"
        text += f" ({offset_text(local)}, {when} the clocks go back)"
    return text


def shown_value(field, value):
    """A field's value as an editor reads it."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return local_time(value)
    return str(value)


def revision_value(model, revision, name):
    try:
        value = getattr(revision, name)
    except ObjectDoesNotExist:
        return "(deleted)"
    return shown_value(model._meta.get_field(name), value)


class RevisionContextHelper(HistoricalRecordContextHelper):
    """Shows changes on the history page as the form does: labels, local times, Yes/No."""

    def prepare_delta_change_value(self, change, value):
        return shown_value(self.model._meta.get_field(change.field), value)

    def get_obj_diff_display(self):
        return QuickDiffDisplay(max_length=self.max_displayed_delta_change_chars)


def common_prefix_length(first, second):
    """How many characters first and second begin with alike, compared a half at a time
    (slices compare in C; os.path.commonprefix compares them one by one, in Python)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class QuickDiffDisplay(ObjDiffDisplay):
    """django-simple-history's shortening of a change's two values, its common beginning
    found by halves: one by one, it took 44 ms for each revision of a 290,000-character
    body, 4.4 s for a history page of a hundred of them."""

    def common_shorten_repr(self, *args):
        args = tuple(map(conditional_str, args))
        if len(args) != 2 or max(map(len, args)) <= self.max_length:
            return super().common_shorten_repr(*args)
        # The rest is ObjDiffDisplay.common_shorten_repr's, the prefix found as above.
        max_len = max(map(len, args))
        prefix_len = common_prefix_length(*args)
        prefix = args[0][:prefix_len]
        common_len = self.max_length - (max_len - prefix_len + self.min_begin_len
                                        + self.placeholder_len)
        if common_len > self.min_common_len:
            prefix = self.shorten(prefix, self.min_begin_len, common_len)
            return tuple(f"{prefix}{s[prefix_len:]}" for s in args)
        prefix = self.shorten(prefix, self.min_begin_len, self.min_common_len)
        return tuple(prefix + self.shorten(s[prefix_len:], self.min_diff_len, self.min_end_len)
                     for s in args)


class ComparedRevisionsMixin:
    """A SimpleHistoryAdmin's history whose revisions are compared, any two, by number.

    The history page (its list: admin/revisions/history_list.html) shows each
    revision's number, radio buttons to choose two on one page, and a link to
    the compare page, whose form takes any two numbers, on any pages of the
    history, without JavaScript. The stories' history and the corrections'
    (standards) share it. Each names the fields compared, in the form's order.
    """

    object_history_list_template = "admin/revisions/history_list.html"
    compare_template = "admin/revisions/compare.html"
    revision_fields = []
    # Long text is shown once, with the words taken out and put in marked.
    long_text_fields = set()
    revision_noun = "record"  # "… is not the number of a revision of this record."

    def get_urls(self):
        compare = path("<path:object_id>/history/compare/",
                       self.admin_site.admin_view(self.compare_view),
                       name=f"{self.opts.app_label}_{self.opts.model_name}_compare")
        # Ahead of the admin's "<id>/" and django-simple-history's "<id>/history/<version>/",
        # which would match too.
        return [compare, *super().get_urls()]

    def get_historical_record_context_helper(self, request, historical_record):
        return RevisionContextHelper(self.model, historical_record)

    def require_history(self, object_id):
        """404 unless object_id's history may be shown (its revisions looked up by number)."""
        require_numbers(object_id)

    def compare_rows(self, older, newer):
        """One row per field: label, both values, whether it changed, a word diff for long
        text."""
        rows = []
        for name in self.revision_fields:
            label = capfirst(self.model._meta.get_field(name).verbose_name)
            old = revision_value(self.model, older, name)
            new = revision_value(self.model, newer, name)
            diff = None
            if name in self.long_text_fields and old != new:
                diff = word_diff(getattr(older, name), getattr(newer, name))
            rows.append({"label": label, "old": old, "new": new, "changed": old != new,
                         "diff": diff})
        return rows

    def compare_view(self, request, object_id):
        self.require_history(unquote(object_id))
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        revisions = history.filter(**{self.model._meta.pk.attname: unquote(object_id)})
        revisions = revisions.select_related("history_user")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # A deleted row's history page compares its revisions too, to choose the
            # one to restore (it was a 404): the row as its latest revision shows it.
            latest = revisions.order_by("-history_date", "-history_id").first()
            if latest is None:
                raise Http404(f"No such {self.revision_noun}.")
            obj = latest.instance
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        # Any two revisions, by their numbers (the history shows each one's), not only two
        # on one page of the history: its radio buttons choose within a page.
        typed = {key: request.GET.get(key, "").strip()[:40] for key in ("from", "to")}
        chosen, problems, unknown = [], [], False
        for key, value in typed.items():
            if not value:
                continue
            revision = (revisions.filter(history_id=int(value)).first()
                        if value.isascii() and value.isdigit() and int(value) < 2**63 else None)
            if revision is None:
                unknown = True
                problems.append(f"“{value}” is not the number of a revision of this "
                                f"{self.revision_noun}.")
            else:
                chosen.append(revision)
        if not problems and len(chosen) == 1:
            problems.append("Choose the other revision to compare it with.")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare revisions: {obj}",
            "opts": self.model._meta,
            "object": obj,
            "typed": typed,
            "problems": problems,
            "latest": revisions.order_by("-history_date", "-history_id").first(),
            "history_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history",
                                   args=[obj.pk]),
        }
        if len(chosen) == 2 and not problems:
            older, newer = sorted(chosen, key=lambda r: (r.history_date, r.history_id))
            context.update(older=older, newer=newer, rows=self.compare_rows(older, newer))
        # What was typed is kept in the form, said wrong; a number that is no revision is
        # not found (404), as before.
        return TemplateResponse(request, self.compare_template, context,
                                status=404 if unknown else 200)
