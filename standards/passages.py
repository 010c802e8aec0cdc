"""Where a reader's quoted passage occurs in a story, for bias-report triage.

Readers copy a passage with other spaces, quotes and dashes than the story's
own, or retype it in another case: the page prints typographic quotes (“…”, ’)
where the editor typed straight ones, and a reader may type either. The search
folds those differences on the text readers see (headline, dek and the
rendered body), and maps each match back onto that text, so that the triage
page can mark it where it stands.
Pure functions: no database, no HTML out (the template escapes the text).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from core.text import smart_quotes

# Elements whose text reads as a block of its own in the rendered body.
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "tr", "dt", "dd",
               "figcaption", "blockquote"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CELLS = {"td", "th"}
# What a reader may type for what the story prints, each folded to one form.
_FOLDS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u02bc": "'", "\u2039": "'", "\u203a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00ad": "",
    "\u2026": "...",
})


@dataclass
class Block:
    """A paragraph, heading, list item or table row of a story, as readers read it."""

    kind: str  # headline, dek, heading, paragraph, item, quote, row, code
    text: str
    marks: list = field(default_factory=list)  # (start, end) ranges of text

    @property
    def segments(self):
        """The text cut at the marks: [(text, is_marked)], for the template to escape."""
        pieces, at = [], 0
        for start, end in sorted(self.marks):
            start = max(start, at)
            if start >= end:
                continue
            if start > at:
                pieces.append((self.text[at:start], False))
            pieces.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            pieces.append((self.text[at:], False))
        return pieces


class _BodyText(HTMLParser):
    """Collects the rendered body's text, one Block per block element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._text = []
        self._kind = "paragraph"
        self._quote_depth = 0
        self._in_pre = False

    def _flush(self):
        text = "".join(self._text)
        text = text.strip("\n") if self._in_pre else " ".join(text.split())
        if text:
            kind = "quote" if self._quote_depth and self._kind == "paragraph" else self._kind
            self.blocks.append(Block(kind, text))
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self._flush()
            self._kind = ("heading" if tag in _HEADINGS else "item" if tag == "li"
                          else "row" if tag == "tr" else "code" if tag == "pre" else "paragraph")
            self._quote_depth += tag == "blockquote"
            self._in_pre = self._in_pre or tag == "pre"
        elif tag in _CELLS and "".join(self._text).strip():
            self._text.append(" | ")
        elif tag == "br":
            self._text.append("\n" if self._in_pre else " ")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self._flush()
            self._kind = "paragraph"
            self._quote_depth -= tag == "blockquote"
            if tag == "pre":
                self._in_pre = False

    def handle_data(self, data):
        self._text.append(data)

    def close(self):
        super().close()
        self._flush()


def story_blocks(headline, dek, body_html):
    """The story's text as readers read it: headline, dek, then the body's blocks.

    The headline and dek get the typographic quotes the page shows them with
    (the body's HTML has them already).
    """
    parser = _BodyText()
    parser.feed(body_html)
    parser.close()
    lead = [Block("headline", smart_quotes(" ".join(headline.split())))]
    if dek.strip():
        lead.append(Block("dek", smart_quotes(" ".join(dek.split()))))
    return lead + parser.blocks


def _fold(blocks):
    """The blocks' text folded for matching, with each folded character's origin.

    Origins are (block index, character index); the space between two blocks
    has none. Runs of white space fold to one space.
    """
    chars, origins = [], []
    for index, block in enumerate(blocks):
        if chars and chars[-1] != " ":
            chars.append(" ")
            origins.append(None)
        for position, char in enumerate(block.text):
            if char.isspace():
                if chars and chars[-1] == " ":
                    continue
                folded = " "
            else:
                folded = char.translate(_FOLDS).lower()
            for piece in folded:
                chars.append(piece)
                origins.append((index, position))
    return "".join(chars), origins


def _fold_passage(passage):
    text, _ = _fold([Block("quote", passage)])
    return text.strip()


def _is_word_char(char):
    return char.isalnum() or char == "_"


def _whole_words(haystack, needle, start, end):
    """Whether the match at start:end begins and ends on a word's edge where the passage
    does: "the" is not found inside "wear" or "them", nor "claims" in "reclaims"."""
    if _is_word_char(needle[0]) and start > 0 and _is_word_char(haystack[start - 1]):
        return False
    return not (_is_word_char(needle[-1]) and end < len(haystack)
                and _is_word_char(haystack[end]))


def mark_passage(blocks, passage):
    """Mark every occurrence of passage in blocks (their .marks); returns how many there are."""
    needle = _fold_passage(passage)
    if not needle:
        return 0
    haystack, origins = _fold(blocks)
    found, start = 0, haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        if not _whole_words(haystack, needle, start, end):
            start = haystack.find(needle, start + 1)
            continue
        placed = [origin for origin in origins[start:end] if origin is not None]
        _mark_range(blocks, placed[0], placed[-1])
        found += 1
        start = haystack.find(needle, end)
    return found


def _mark_range(blocks, first, last):
    """Mark from the character at `first` to the one at `last`, across blocks if need be."""
    (first_block, first_char), (last_block, last_char) = first, last
    for index in range(first_block, last_block + 1):
        start = first_char if index == first_block else 0
        end = last_char + 1 if index == last_block else len(blocks[index].text)
        blocks[index].marks.append((start, end))


def excerpt(blocks, around=1):
    """The blocks holding a mark, with `around` blocks of context either side ([] if none)."""
    marked = [index for index, block in enumerate(blocks) if block.marks]
    keep = {near for index in marked
            for near in range(index - around, index + around + 1) if 0 <= near < len(blocks)}
    shown, previous = [], None
    for index in sorted(keep):
        # A gap between two kept stretches is shown as an ellipsis.
        if previous is not None and index != previous + 1:
            shown.append(Block("gap", "…"))
        shown.append(blocks[index])
        previous = index
    return shown
