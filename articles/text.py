"""Text helpers: Markdown to safe HTML and reading time. Pure functions, no database."""

import math
import re

import markdown
import nh3
from django.utils.html import strip_tags

WORDS_PER_MINUTE = 200

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
_H1 = re.compile(r"<(/?)h1(\W)", re.IGNORECASE)


def render_markdown(source):
    """Render editor Markdown to HTML that is safe to show as is.

    The headline is the page's only h1, so a level-1 heading in the body
    becomes level 2 before sanitising.
    """
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists"])
    html = _H1.sub(r"<\1h2\2", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def estimate_reading_minutes(html):
    """Minutes to read rendered HTML: ceil(words / 200), at least 1."""
    words = len(strip_tags(html or "").split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def normalize_text(value):
    """Text as it is stored and counted: CR LF and lone CR become LF, ends trimmed."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
