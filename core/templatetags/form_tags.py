"""How a page shows a form sent back with errors."""

from django import template

from core.forms import summary_takes_focus

register = template.Library()


@register.filter
def errors_off_fields(form):
    """Whether the page's summary of form's errors takes the focus (core.forms); its
    fields then leave theirs."""
    return summary_takes_focus(form)
