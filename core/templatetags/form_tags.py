"""How a page shows a form sent back with errors."""

from django import template

from core.forms import errors_off_fields as _errors_off_fields

register = template.Library()


@register.filter
def errors_off_fields(form):
    """Whether the page's summary of form's errors takes the focus (core.forms)."""
    return _errors_off_fields(form)
