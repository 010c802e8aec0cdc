"""Text: how it is normalised, counted and stored (DESIGN.md section 6), Markdown, read time.

Pure functions, no database. One rule normalises all stored text, from
readers and from the importer alike. The live counter in static/js/counter.js
applies exactly these rules, so they are written to match JavaScript:
String.prototype.trim's white space, and length in Unicode code points
([...text].length).
"""

import functools
import html as html_module
import math
import re
import unicodedata

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.text import slugify

# The characters JavaScript's trim() removes; Python's str.strip() differs
# (it keeps U+FEFF and removes U+001C-U+001F and U+0085).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_BREAK = re.compile(r"\r\n?")


# Characters that have no place in text: the C0 controls but tab, line feed and
# carriage return (which becomes a line feed), DEL, the C1 controls, lone surrogates
# and the noncharacters (U+FDD0-U+FDEF and the last two of every plane). XML 1.0
# cannot carry most of them, and they come in pasted from Word or a PDF.
_NONCHARACTERS = "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF)
                         for plane in range(17))
CONTROL_CHARACTERS = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")


def caseless(name):
    """name in no particular case: Unicode's canonical caseless match.

    "ÖLPREIS" is "ölpreis", "STRASSE" "Straße", and "é" written as "e" and a
    combining accent (as macOS writes file names) is "é". Tags, sections and
    authors are matched by it, on SQLite (whose LOWER knows ASCII only) as on
    PostgreSQL.
    """
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def name_key(name):
    """name as it looks, in no particular case: what the import matches names by.

    caseless(), and also compatibility forms as the letters they show (NFKC:
    fullwidth "Ｐｏｒｔ" is "Port"), any run of white space (a no-break space,
    two spaces) as one space, and no format character (a zero-width space):
    "Jonah\\u00a0Ferrell" and "Wor\\u200bld" were an author and a section of their
    own, beside the ones with the same name, which readers cannot tell apart.
    """
    shown = "".join(char for char in unicodedata.normalize("NFKC", name)
                    if unicodedata.category(char) != "Cf")
    return caseless(" ".join(shown.split()))


# Format characters that draw nothing and join nothing, in a name: a zero-width
# space, a word joiner, a byte order mark, a soft hyphen. The zero-width joiners
# stay: they make emoji and the letters of some scripts.
_NOTHING_DRAWN = re.compile("[\u00ad\u200b\u2060\ufeff]")


# Latin letters that Unicode does not decompose into a plain letter and a mark, so
# slugify() dropped them: "Straße" was "strae", "Søren Ærø" "sren-r". Spelled as the
# admin's own slug script (Django's urlify.js) spells them.
_UNDECOMPOSED_LATIN = str.maketrans({
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
    "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ŋ": "n", "Ŋ": "N",
})


def ascii_slug(text):
    """slugify(text), its Latin letters kept (ß as ss, ø as o): an address made from a
    name or a headline, as the admin makes one while it is typed."""
    return slugify(str(text).translate(_UNDECOMPOSED_LATIN))


def tidy_name(name):
    """name as the import stores a name it adds: each run of white space one space
    (a no-break space too), without the characters of _NOTHING_DRAWN or stray direction
    controls (strip_stray_bidi)."""
    return " ".join(_NOTHING_DRAWN.sub("", strip_stray_bidi(name)).split())


def strip_control_characters(value):
    """value without the characters that have no place in text (CONTROL_CHARACTERS).

    What a LineFeeds model saves loses them; feeds and the news sitemap strip
    them too as they write XML, for text stored before.
    """
    return CONTROL_CHARACTERS.sub("", value) if value else value


def normalize(value):
    """Text as stored: CR LF and lone CR become LF, leading and trailing white space trimmed."""
    return _LINE_BREAK.sub("\n", value or "").strip(JS_WHITESPACE)


class LineFeeds:
    """A model whose text is stored as DESIGN.md section 6 says, whoever saves it: in
    text_fields each CR LF (how a browser sends a line break) or lone CR becomes one LF,
    and no text field keeps a control character (strip_control_characters) or a stray
    direction control (strip_stray_bidi).

    Forms the readers use normalise their text (normalize); the admin's
    textareas and the shell did not, and the stories' JSON-LD carried "\r\n".
    An escape or form feed pasted into a headline made every feed that
    carried the story fail, so every text field is cleaned, not only text_fields.
    """

    text_fields = ()

    def save(self, *args, **kwargs):
        for name in self.text_fields:
            value = getattr(self, name)
            if value and "\r" in value:
                setattr(self, name, _LINE_BREAK.sub("\n", value))
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                setattr(self, field.attname, value := strip_control_characters(value))
            if isinstance(value, str) and _BIDI_CONTROLS.search(value):
                setattr(self, field.attname, strip_stray_bidi(value))
        super().save(*args, **kwargs)


# Three or more line breaks in a row, with nothing but white space between them.
_BLANK_LINES = re.compile(
    "\n(?:[%s]*\n){2,}" % re.escape(JS_WHITESPACE.replace("\n", "").replace("\r", "")))


def normalize_limited(value):
    """A reader's short text (a comment, a bias report) as stored and counted:
    normalize(), and at most one blank line in a row.

    A 250-character comment was 248 line breaks tall. Runs of blank lines
    become one; static/js/counter.js counts the same way.
    """
    return _BLANK_LINES.sub("\n\n", normalize(value))


def count_chars(value):
    """The count readers see: Unicode code points of the normalised text."""
    return len(normalize_limited(value))


def count_line_breaks(value):
    """The line breaks of a reader's short text, as counted against max_line_breaks."""
    return normalize_limited(value).count("\n")


# Letters and symbols that draw nothing: the Hangul fillers and the blank
# braille pattern. Format characters, separators and marks are found by category.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Unassigned default-ignorable code points: a future character there draws nothing.
_IGNORABLE_RANGES = ((0x2065, 0x2065), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
# Marks stacked on one letter: Vietnamese needs 2, pointed Hebrew with cantillation 3 or 4.
MAX_STACKED_MARKS = 4
# Embeddings and overrides close with PDF, isolates with PDI (Unicode bidi algorithm).
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
_ISOLATES = frozenset("\u2066\u2067\u2068")
_PDF, _PDI = "\u202c", "\u2069"
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def is_blank_character(char):
    """Whether char draws nothing by itself: white space, a format character, a mark, a filler."""
    category = unicodedata.category(char)
    if category[0] in "ZM" or category in ("Cc", "Cf") or char in BLANK_CHARACTERS:
        return True
    code = ord(char)
    return any(start <= code <= end for start, end in _IGNORABLE_RANGES)


def has_visible_text(value):
    """Whether value shows anything: at least one character that is not blank."""
    return not all(map(is_blank_character, value))


# Default-ignorable code points (Unicode's DerivedCoreProperties.txt) that are not format
# characters (Cf, found by category): the combining grapheme joiner, the Hangul fillers,
# the Khmer inherent vowels, the Mongolian and other variation selectors, the
# unassigned ranges. Like format characters, they draw nothing between two letters.
_IGNORABLE = ("\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
              "\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
# Combining marks of no script of their own (Unicode's Inherited script): accents,
# overlays, underlines, enclosing circles. One that NFKC cannot join to its letter
# into a letter of its own ("m" with an overlaid stroke) decorates the letter.
_GENERIC_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u064b-\u0655\u0670\u1ab0-\u1aff"
                            "\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Full stops that IDNA reads as the dot between the labels of a domain (UTS #46).
_FULL_STOPS = str.maketrans(dict.fromkeys("\u3002\uff0e\uff61", "."))


@functools.cache
def invisible_characters():
    """A pattern of what draws nothing between letters: the control characters that are
    never stored (CONTROL_CHARACTERS: a tab or line break still parts words), format
    characters, the other default-ignorables.

    Format characters are found by category, once, in the planes that have any.
    """
    formats = "".join(chr(code) for plane in (0, 1, 14) for code in range(plane << 16,
                                                                          (plane + 1) << 16)
                      if unicodedata.category(chr(code)) == "Cf")
    return re.compile(f"[{re.escape(formats)}{_IGNORABLE}]|{CONTROL_CHARACTERS.pattern}")


def as_read(value):
    """value as a reader reads it, for rules that match words and addresses in it.

    Compatibility forms become the letters they show (NFKC: fullwidth "ｓｃａｍ",
    mathematical bold "𝐬𝐜𝐚𝐦"); what draws nothing between letters goes
    (zero-width spaces and joiners, soft hyphens, variation selectors, direction
    controls, control characters), as do combining marks that decorate a letter
    without making another ("scum̶bag"); the full stops IDNA takes for a dot
    ("bit。ly") become one. Case is kept. For matching only: never stored or shown.
    """
    invisible = invisible_characters()
    value = unicodedata.normalize("NFKC", invisible.sub("", value or ""))
    # NFKC turns one Hangul filler into another.
    return _GENERIC_MARKS.sub("", invisible.sub("", value)).translate(_FULL_STOPS)


def has_invisible_characters(value):
    """Whether value holds a character that draws nothing: a control, format or other
    default-ignorable character (a direction control, a zero-width space)."""
    return bool(invisible_characters().search(value or ""))


def most_stacked_marks(value):
    """The most non-spacing marks stacked on one base (format characters between them ignored)."""
    most = run = 0
    for char in value:
        category = unicodedata.category(char)
        # Spacing marks (Mc: most Indic and Burmese vowel signs) sit beside
        # the letter, so they end a stack rather than add to it.
        if category in ("Mn", "Me"):
            run += 1
            most = max(most, run)
        elif category != "Cf":
            run = 0
    return most


def strip_unpaired_bidi(value):
    """value without the direction controls that are not closed on their own line.

    A paired embedding or isolate stays inside the text it wraps; an unpaired
    one would reorder whatever is displayed after it.
    """
    keep = [True] * len(value)
    open_controls = []  # (position, is_isolate), innermost last

    def drop_open(until_isolate=False):
        while open_controls:
            position, is_isolate = open_controls.pop()
            if until_isolate and is_isolate:
                return
            keep[position] = False

    for position, char in enumerate(value):
        if char == "\n":
            drop_open()
        elif char in _EMBEDDINGS or char in _ISOLATES:
            open_controls.append((position, char in _ISOLATES))
        elif char == _PDF:
            if open_controls and not open_controls[-1][1]:
                open_controls.pop()
            else:
                keep[position] = False
        elif char == _PDI:
            if any(is_isolate for _, is_isolate in open_controls):
                drop_open(until_isolate=True)  # embeddings left open inside it go too
            else:
                keep[position] = False
    drop_open()
    return "".join(char for char, kept in zip(value, keep, strict=True) if kept)


# The direction overrides (LRO, RLO): they draw the letters after them in the order
# they name, so "\u202egabmucs\u202c" shows as "scumbag". Embeddings and isolates
# order whole runs, never the letters of a word, and right-to-left writing uses them.
DIRECTION_OVERRIDES = re.compile("[\u202d\u202e]")


def strip_direction_overrides(value):
    """value without direction overrides, and without the closers they leave unpaired."""
    if not value or not DIRECTION_OVERRIDES.search(value):
        return value
    return strip_unpaired_bidi(DIRECTION_OVERRIDES.sub("", value))


def strip_stray_bidi(value):
    """value without direction overrides, and without embeddings and isolates left open.

    Newsroom text (a headline, a dek, a tag's name) is shown followed by more:
    a headline in <title> before " · EVA DAILY", in feeds and the news
    sitemap. An override, or an embedding left open, reordered that too.
    Paired embeddings and isolates stay: right-to-left writing uses them.
    """
    if not value or not _BIDI_CONTROLS.search(value):
        return value
    return strip_unpaired_bidi(DIRECTION_OVERRIDES.sub("", value))


def clean_limited_text(value, limit, what, empty_message=None, max_line_breaks=None):
    """Normalise value and check it against limit; raise ValidationError saying why.

    `what` names the kind of text in the plural ("Comments"); text with
    nothing visible counts as empty, and with an empty_message empty text is
    refused with it. Control characters, direction overrides and unpaired
    direction controls are removed after the count, so that the live counter
    and the server agree on the limit, and before every other check, so that
    each check (here, and the word rules and link hold of comments) reads the
    text as it is stored: "scum\x7fbag" was checked as two words and stored as one.
    max_line_breaks: how many line breaks the text may have once its blank
    lines are collapsed (normalize_limited), or None for no limit.
    """
    text = normalize_limited(value)
    if "\x00" in text:
        raise ValidationError("Text cannot contain a null character.", code="null")
    count, line_breaks = len(text), text.count("\n")
    text = normalize_limited(strip_unpaired_bidi(strip_direction_overrides(
        strip_control_characters(text))))
    if not has_visible_text(text):
        text = ""
    if empty_message and not text:
        raise ValidationError(empty_message, code="empty")
    if count > limit:
        raise ValidationError(
            "%(what)s can be at most %(limit)d characters; this one has %(count)d.",
            params={"what": what, "limit": limit, "count": count}, code="too_long")
    if max_line_breaks is not None and line_breaks > max_line_breaks:
        raise ValidationError(
            "%(what)s can have at most %(most)d line breaks; this one has %(count)d.",
            params={"what": what, "most": max_line_breaks, "count": line_breaks},
            code="too_many_lines")
    if most_stacked_marks(text) > MAX_STACKED_MARKS:
        raise ValidationError(
            "Too many accents or marks are stacked on one character: at most %(most)d may "
            "sit on a letter, or the text draws over the lines around it.",
            params={"most": MAX_STACKED_MARKS}, code="stacked_marks")
    return text


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
# Named by the heading before it, if any; static/js/comments.js leaves it a Tab stop
# only while it does scroll (without the script, always one).
TABLE_SCROLL_OPEN = ('<div class="table-scroll" role="region" tabindex="0" '
                     'aria-label="{name}"><table>')
_HEADING_OR_TABLE = re.compile(r"<h([2-6])>(.*?)</h\1>|<table>", re.DOTALL)
_H1 = re.compile(r"<(/?)h1(\W)", re.IGNORECASE)
# A link as nh3 writes it (each attribute name="value", no raw quote or ">" inside a
# value, no link inside another), and the name of each of its attributes.
_LINK = re.compile(r'<a((?:\s[\w-]+="[^"]*")*)>(.*?)</a>', re.DOTALL)
_ATTRIBUTE_NAME = re.compile(r'\s([\w-]+)="[^"]*"')
# Typographic quotes and apostrophes only: smarty's dashes and ellipses would
# also rewrite "--" and "..." inside URLs written out as text. Code spans,
# code blocks, link targets and attributes keep their straight quotes.
SMARTY_QUOTES_ONLY = {"smart_dashes": False, "smart_ellipses": False,
                      "smart_angled_quotes": False}


# How far (characters) a link's closing bracket is looked for, after its text's
# opening one and after its address's opening parenthesis. Python-Markdown looks
# to the end of the paragraph from every opening bracket: "[a](b " written 20,000
# times took four minutes to render. Text or an address longer is shown as typed.
LINK_REACH = 2000
LINK_TEXT_NESTING = 8  # brackets open in a link's text, at most
_LINK_PATTERNS = ("reference", "link", "image_link", "image_reference", "short_reference",
                  "short_image_ref")
_BRACKETS = re.compile(r"[\[\]]")


class _WithinReach:
    """A link pattern of Python-Markdown that reads LINK_REACH characters on, no further."""

    def getText(self, data, index):  # noqa: N802 (Python-Markdown's name)
        # As Python-Markdown's, bracket by bracket rather than character by character:
        # "[" written 20,000 times took half a minute even within reach.
        depth = 1
        for bracket in _BRACKETS.finditer(data, index, index + LINK_REACH):
            depth += 1 if bracket.group() == "[" else -1
            if depth == 0:
                return data[index:bracket.start()], bracket.end(), True
            if depth > LINK_TEXT_NESTING:
                break
        return "", index, False

    def getLink(self, data, index):  # noqa: N802
        window = data[index:index + LINK_REACH]
        if ")" not in window:
            return "", None, index, False
        href, title, end, handled = super().getLink(window, 0)
        # -1, where a title's quote never closes, is the end as Python-Markdown gives it.
        return href, title, end if end < 0 else index + end, handled


_REACHING = {}  # Python-Markdown's pattern class -> its _WithinReach subclass


class _LinksWithinReach(markdown.Extension):
    """Python-Markdown's link patterns, made _WithinReach."""

    def extendMarkdown(self, md):  # noqa: N802
        for name in _LINK_PATTERNS:
            pattern = md.inlinePatterns[name]
            kind = type(pattern)
            if kind not in _REACHING:
                _REACHING[kind] = type(f"{kind.__name__}WithinReach", (_WithinReach, kind), {})
            pattern.__class__ = _REACHING[kind]


def render_markdown(source):
    """Render editor Markdown to HTML that is safe to show as is.

    The headline is the page's only h1, so a level-1 heading in the body
    becomes level 2 before sanitising.
    """
    return sanitised(markdown_html(source))


def markdown_html(source):
    """Editor Markdown as HTML, not yet sanitised (render_markdown's first half)."""
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists", "smarty",
                                                       _LinksWithinReach()],
                             extension_configs={"smarty": SMARTY_QUOTES_ONLY})
    return _H1.sub(r"<\1h2\2", html)


def sanitised(html):
    """markdown_html()'s HTML with only ALLOWED_TAGS and their ALLOWED_ATTRIBUTES left."""
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    html = _LINK.sub(_text_unless_linked, html)
    # A wide table scrolls sideways inside a box that keyboard users can reach.
    return _boxed_tables(html).replace("</table>", "</table></div>")


# What sanitised() takes out together with all it holds: written in a body, an image,
# an embed, a script or a form left the page without a word to the editor (the
# import's "a typo never loses data silently"). Elements whose text stays (a <div>,
# a <span>) only lose their markup.
LOST_ELEMENTS = ("img", "picture", "source", "svg", "math", "canvas", "video", "audio",
                 "iframe", "object", "embed", "script", "noscript", "style", "form",
                 "input", "button", "select", "textarea")
_LOST = re.compile(r"<(%s)\b" % "|".join(LOST_ELEMENTS), re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
LOST_IMAGE = ("Line %(line)d holds an image, and images in %(where)s are not shown: "
              "%(instead)s")
STORY_IMAGE_INSTEAD = ("give the story its picture as its image (with alt text), or take "
                       "this one out.")
LOST_ELEMENT = ("Line %(line)d holds <%(element)s>, which is never shown in %(where)s "
                "(embeds, scripts, styles and forms are taken out): link to it instead, or "
                "take it out.")


def lost_markup_error(source, html, where="a story's text", instead=STORY_IMAGE_INSTEAD):
    """Why source, written as Markdown, would lose part of itself on the page (a
    ValidationError for its first element in LOST_ELEMENTS), or None.

    html is markdown_html(source): code spans and blocks are escaped there, so
    an element written inside one to be shown as code is not counted.
    """
    found = _LOST.search(_COMMENT.sub("", html))  # a comment is meant to be unseen
    if found is None:
        return None
    element = found[1].lower()
    if element == "img":
        written = re.search(r"!\[|<img\b", source, re.IGNORECASE)
        message = LOST_IMAGE
    else:
        written = re.search(rf"<{element}\b", source, re.IGNORECASE)
        message = LOST_ELEMENT
    line = source.count("\n", 0, written.start()) + 1 if written else 1
    return ValidationError(message, code="lost_markup", params={
        "line": line, "element": element, "where": where, "instead": instead})


def _text_unless_linked(match):
    """A link nh3 left without its address (tel:, ftp:, javascript:...) as its text alone.

    It was kept as <a rel="noopener noreferrer">: no link, yet invalid HTML
    (rel needs an href), on the story's page and in every feed reader.
    """
    return match[0] if "href" in _ATTRIBUTE_NAME.findall(match[1]) else match[2]


def _boxed_tables(html):
    """Each <table> opened in its box, named "Table: <the heading before it>" ("Table 2:
    …" for the second under one heading; "Table" where no heading comes before)."""
    heading, count = "", 0

    def box(match):
        nonlocal heading, count
        if match[1]:
            # Sanitised: the text keeps its entities, only a quote would end the attribute.
            heading, count = " ".join(strip_tags(match[2]).split()).replace('"', "&quot;"), 0
            return match[0]
        count += 1
        name = "Table" + (f" {count}" if count > 1 else "") + (f": {heading}" if heading else "")
        return TABLE_SCROLL_OPEN.format(name=name)

    return _HEADING_OR_TABLE.sub(box, html)


# A quote opens at the start of the text or after white space, an opening
# bracket or a dash; anywhere else it closes (or, for ', is an apostrophe).
_OPENS_AFTER = r"(?:^|(?<=[\s(\[{\u2014\u2013\-/\u201c\u2018'\"]))"
_OPENING_DOUBLE = re.compile(_OPENS_AFTER + '"(?=\\S)')
# 'Tis and '90s: an apostrophe for the missing letters or century, not a quote.
_OPENING_SINGLE = re.compile(_OPENS_AFTER + r"'(?=[^\W\d_])(?!tis\b|twas\b|em\b|n\b)",
                             re.IGNORECASE)


def smart_quotes(text):
    """Plain text (a headline, a dek, a caption) with typographic quotes and apostrophes.

    The same choices as the bodies' smarty extension: "…" becomes “…”, '…'
    becomes ‘…’, and every other ' is an apostrophe (’). For text shown as
    text only: never for URLs, code or attributes.
    """
    if not text or ('"' not in text and "'" not in text):
        return text
    text = _OPENING_DOUBLE.sub("\u201c", text).replace('"', "\u201d")
    return _OPENING_SINGLE.sub("\u2018", text).replace("'", "\u2019")


# Where a word ends though no space is written: at a line break, and where a block
# (a paragraph, a list item, a cell...) opens or closes. An inline tag ends none:
# "<em>un</em>sure" is one word.
_BLOCK_EDGE = re.compile(
    r"<(?:br|hr|/?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|table|thead|tbody|tr|td|"
    r"th|caption|figure|figcaption|section|article|aside|header|footer|nav|details|summary))"
    r"\b[^>]*>", re.IGNORECASE)


def count_words(html):
    """The words of rendered HTML: its text, tags stripped, split at whitespace.

    "<p>one</p><p>two</p>", "one<br>two" and "one&nbsp;two" are two words each.
    """
    text = strip_tags(_BLOCK_EDGE.sub(" ", html or ""))
    return len(html_module.unescape(text).split())


def estimate_reading_minutes(html):
    """Minutes to read rendered HTML: ceil(words / 200), at least 1."""
    return max(1, math.ceil(count_words(html) / WORDS_PER_MINUTE))
