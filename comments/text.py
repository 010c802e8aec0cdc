"""How reader text is counted and stored (DESIGN.md section 6).

The live counter in static/js/counter.js applies exactly these rules, so
they are written to match JavaScript: String.prototype.trim's white space,
and length in Unicode code points ([...text].length).
"""

import re

from django.core.exceptions import ValidationError

# The characters JavaScript's trim() removes; Python's str.strip() differs
# (it keeps U+FEFF and removes U+001C-U+001F and U+0085).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_BREAK = re.compile(r"\r\n?")


def normalize(value):
    """Text as stored: CR LF and lone CR become LF, leading and trailing white space trimmed."""
    return _LINE_BREAK.sub("\n", value or "").strip(JS_WHITESPACE)


def count_chars(value):
    """The count readers see: Unicode code points of the normalised text."""
    return len(normalize(value))


def clean_limited_text(value, limit, what, empty_message=None):
    """Normalise value and check it against limit; raise ValidationError saying why.

    `what` names the kind of text in the plural ("Comments"); with an
    empty_message, empty text is refused with it.
    """
    text = normalize(value)
    if "\x00" in text:
        raise ValidationError("Text cannot contain a null character.", code="null")
    if empty_message and not text:
        raise ValidationError(empty_message, code="empty")
    if len(text) > limit:
        raise ValidationError(
            "%(what)s can be at most %(limit)d characters; this one has %(count)d.",
            params={"what": what, "limit": limit, "count": len(text)}, code="too_long")
    return text
