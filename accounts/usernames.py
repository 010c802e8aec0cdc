"""Look-alike usernames: Unicode TR39 skeletons and script mixing.

Two names look alike when they share a skeleton: "mоderator" with a
Cyrillic о, "Moderator" and "rnoderator" all read as "moderator". The
confusables data is Unicode's confusables.txt as confusable-homoglyphs ships it.
"""

import unicodedata
from collections import defaultdict
from functools import cache

from confusable_homoglyphs.categories import alias
from confusable_homoglyphs.confusables import confusables_data, is_confusable

from core.text import is_blank_character

# The package's copy of confusables.txt marks right-to-left characters with
# LEFT-TO-RIGHT MARKs for display; they are not part of the characters.
_DISPLAY_MARK = "\u200e"
# Scripts that one writing system mixes by design (TR39's highly restrictive sets).
_WRITTEN_TOGETHER = {frozenset(pair) for pair in [
    ("HAN", "HIRAGANA"), ("HAN", "KATAKANA"), ("HIRAGANA", "KATAKANA"),
    ("HAN", "BOPOMOFO"), ("HAN", "HANGUL"),
]}
_NO_SCRIPT = ("COMMON", "INHERITED")


@cache
def _prototypes():
    """Each confusable character and the prototype TR39 maps it to.

    The package keeps the pairs of confusables.txt in both directions, so the
    direction is read back: a prototype may be a sequence or stand for several
    characters, a source is one character with one prototype. Where two
    characters are confusable only with each other, either may stand for both.
    """
    neighbours = {
        key.replace(_DISPLAY_MARK, ""): [entry["c"].replace(_DISPLAY_MARK, "") for entry in found]
        for key, found in confusables_data.items()
    }
    mapping = {}
    for char, others in neighbours.items():
        if len(char) != 1 or len(others) != 1:
            continue  # a sequence, or a character several others look like: a prototype
        other = others[0]
        if len(other) > 1 or len(neighbours.get(other, ())) > 1:
            mapping[char] = other
        elif other != char:
            mapping[char] = min(char, other)
    return mapping


def skeleton(text):
    """TR39's skeleton: NFD, default-ignorable characters removed, prototypes, NFD again."""
    prototypes = _prototypes()
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(
        prototypes.get(char, char) for char in text
        if not is_blank_character(char) or unicodedata.category(char)[0] == "M"))


def readings(name):
    """Two case-blind skeletons of name; names sharing either one look alike.

    TR39's data is case-sensitive: "I" looks like "l" but "i" does not, and
    Cyrillic "М" maps to Latin "M" but "м" elsewhere. So one skeleton folds
    case after mapping and the other before.
    """
    return skeleton(skeleton(name).casefold()), skeleton(name.casefold())


def mixes_scripts_confusably(name):
    """Whether name mixes in a letter that looks like one of the script most of it is in."""
    by_script = defaultdict(str)
    for char in name:
        script = alias(char)
        if script not in _NO_SCRIPT:
            by_script[script] += char
    most = max(map(len, by_script.values()), default=0)
    for script, chars in by_script.items():
        if len(chars) < most:
            continue
        others = "".join(theirs for other, theirs in by_script.items()
                         if other != script
                         and frozenset((script, other)) not in _WRITTEN_TOGETHER)
        if others and is_confusable(others, preferred_aliases=[script]):
            return True
    return False
