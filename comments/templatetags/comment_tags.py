from django import template

from core.text import count_chars

register = template.Library()


@register.filter
def char_count(value):
    """The count the live counter shows for this text."""
    return count_chars(value or "")


@register.inclusion_tag("comments/includes/comments_block.html")
def comments_block(article):
    """The article page's comments block: a link, loaded in place by comments.js."""
    return {"article": article}
