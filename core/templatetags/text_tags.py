"""Filters for text shown on public pages."""

from django import template
from django.utils.safestring import SafeData

from core.text import smart_quotes

register = template.Library()


@register.filter
def smartquotes(value):
    """Plain text with typographic quotes and apostrophes; escaped like any text after.

    Only for text shown as text (headlines, standfirsts, captions): never in an
    attribute, a URL or code.
    """
    if not value or isinstance(value, SafeData):
        return value  # markup: its quotes may be attributes
    return smart_quotes(str(value))
