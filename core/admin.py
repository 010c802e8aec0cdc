"""The admin filters a list only through the filters it shows.

Django's admin accepts `?field__lookup=value` on any local field of the
model, whether or not the list shows that field: a moderator could recover a
reader's password hash with `?password__lt=` one character at a time, or an
editor a reporter's private `contact_email`. Every ModelAdmin in the project
inherits DeclaredLookupsOnly (a system check makes sure), so a lookup is
allowed only on what `list_filter` and `date_hierarchy` declare, which are
the filters people see in the sidebar.
"""

from django import forms
from django.contrib.admin import widgets
from django.contrib.admin.filters import SimpleListFilter
from django.db.models.constants import LOOKUP_SEP


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
