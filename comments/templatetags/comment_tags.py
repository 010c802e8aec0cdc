from django import template

from core.text import count_chars

register = template.Library()


@register.filter
def char_count(value):
    """The count the live counter shows for this text."""
    return count_chars(value or "")
