from django import template

from core.mail import as_typed as address_as_typed

register = template.Library()


@register.filter
def as_typed(address):
    """An address as its owner writes it (core.mail.as_typed): "jurgen@bücher.example"."""
    return address_as_typed(address) if address else address
