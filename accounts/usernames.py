"""Look-alike usernames: Unicode TR39 skeletons and script mixing; names kept for the site.

Two names look alike when they share a skeleton: "mоderator" with a
Cyrillic о, "Moderator" and "rnoderator" all read as "moderator". The
confusables data is Unicode's confusables.txt as confusable-homoglyphs ships it.
"""

import re
import unicodedata
from collections import defaultdict
from functools import cache, lru_cache
from itertools import permutations

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


# Where Unicode keeps Latin small capitals: IPA, the phonetic extensions, Latin
# Extended-C, -D, -E and -F, and the Latin Extended-G supplement.
_SMALL_CAPITAL_BLOCKS = ((0x0250, 0x02AF), (0x1D00, 0x1DBF), (0x2C60, 0x2C7F),
                         (0xA720, 0xA7FF), (0xAB30, 0xAB6F), (0x10780, 0x107BF),
                         (0x1DF00, 0x1DFFF))
_SMALL_CAPITAL = re.compile(r"LATIN (?:CAPITAL )?LETTER SMALL CAPITAL ([A-Z]{1,2})")


@cache
def _small_capitals():
    """Each Latin small capital and the small letter(s) it is drawn as: "ᴇ" is "e".

    Small capitals are letters of their own to Unicode: NFKC leaves them as they
    are (and turns a modifier small capital, "ᶫ", into one, "ʟ"), and
    confusables.txt maps only the few that look like some other letter ("ᴏ"
    like "o", but "ᴍ" like the turned "ʍ" and "ᴋ" like "ĸ"). Yet "ᴇᴅɪᴛᴏʀ" reads
    as "editor" to anyone. Those with a hook, a stroke or turned stay letters
    of their own, as their capitals do.
    """
    folds = {}
    for start, end in _SMALL_CAPITAL_BLOCKS:
        for code in range(start, end + 1):
            found = _SMALL_CAPITAL.fullmatch(unicodedata.name(chr(code), ""))
            if found:
                folds[code] = found[1].lower()
    return folds


def fold_letter_likes(name):
    """name as it reads: NFKC (fullwidth, superscript and subscript letters become
    letters) and then small capitals as the letters they are drawn as."""
    return unicodedata.normalize("NFKC", name).translate(_small_capitals())


# What Django's username validator allows beside letters and digits: to a reader
# "old_quay_tom", "old-quay-tom" and "oldquaytom" are one name, and "reader_" is "reader".
_SEPARATORS = str.maketrans("", "", "_-.+@")
# Characters of a reading kept (a key, compared whole): a name's reading can be
# seven times as long as the name ("쮒" reads as seven letters), and a PostgreSQL
# index entry must fit in a third of a page (2704 bytes); 600 characters of at
# most four bytes each do. Two names that read alike for 600 characters look alike.
READING_MAX_CHARS = 600


def readings(name):
    """Two case-blind skeletons of name, separators left out; names sharing either one
    look alike.

    TR39's data is case-sensitive: "I" looks like "l" but "i" does not, and
    Cyrillic "М" maps to Latin "M" but "м" elsewhere. So one skeleton folds
    case after mapping and the other before. Letter-likes that the data misses
    are folded first (fold_letter_likes).
    """
    name = fold_letter_likes(name)
    return tuple(map(as_key, (skeleton(skeleton(name).casefold()), skeleton(name.casefold()))))


def as_key(reading):
    """A reading as it is kept and compared: no separators, at most READING_MAX_CHARS."""
    return reading.translate(_SEPARATORS)[:READING_MAX_CHARS]


# Site and role names: a username made of them reads as the site or its newsroom
# speaking. A name is refused only when it is made of nothing else (with the
# fillers, digits and separators): "the-editor", "moderator2" and "EVA_DAILY_Editor"
# are, but "Editha", "Rootsy" and "moderator_fan" have letters of their own.
RESERVED_WORDS = (
    "admin", "administrator", "staff", "root", "superuser", "sysop", "system", "operator",
    "owner", "webmaster", "postmaster", "hostmaster", "security", "abuse", "support",
    "help", "helpdesk", "contact", "info", "noreply", "newsroom", "newsdesk", "editorial",
    "editor", "moderator", "mod", "reporter", "correspondent", "journalist", "press",
    "official", "news", "correction", "author",
    # Some authors are AI personas: "EVA_Ledger_AI" and "eva_ledger_bot" speak as one.
    # Short, but only a name made of nothing else is refused: "Aidan" and "Botha" are welcome.
    "ai", "bot",
    # What a deleted account's comments are shown as from.
    "former reader", "a former reader",
)
# Words that add nothing of a reader's own to a reserved one: "the_editor", "team_admin",
# "evadaily.com". None shorter than three letters, which would end too many names:
# "Staffan" is not "staff" and "an", nor "Moda" "mod" and "a".
FILLER_WORDS = ("the", "our", "your", "real", "team", "chief", "head", "desk", "site",
                "com", "org", "net")


@lru_cache(maxsize=4096)
def spellings(text):
    """text's letters as readings() read them, each reading casefolded, with digits,
    separators and marks dropped: "EVA_Ledger", "eva.ledger" and "EVALedger" all
    spell "evaledger"."""
    return frozenset("".join(char for char in reading.casefold() if char.isalpha())
                     for reading in readings(text))


def _made_of(spelled, terms, fillers):
    """The terms that spelled is made of, in order, or (): it splits wholly into terms
    and fillers, at least one of them a term (which may take a plural "s").

    terms: {spelling: what the reader is told it reads as}; fillers: spellings.
    """
    longest = max(map(len, (*terms, *fillers)), default=0) + 1  # a plural "s"
    # made[i]: how spelled[:i] splits: None (it does not), or the terms it holds
    # (none: into fillers alone).
    made = [None] * (len(spelled) + 1)
    made[0] = ()
    for start in range(len(spelled)):
        if made[start] is None:
            continue
        for end in range(start + 1, min(start + longest, len(spelled)) + 1):
            piece = spelled[start:end]
            if piece in terms:
                found = (terms[piece],)
            elif piece.endswith("s") and piece[:-1] and piece[:-1] in terms:
                found = (terms[piece[:-1]],)
            elif piece in fillers:
                found = ()
            else:
                continue
            if not made[end]:
                made[end] = made[start] + found
    return made[-1] or ()


def name_orders(name):
    """name, and its words in every other order for a name of two to four words: a
    reader called "ferrell.jonah" passes for Jonah Ferrell as well as "jonah.ferrell"."""
    words = [word for word in re.split(r"[\W_]+", name) if word]
    if not 1 < len(words) <= 4:
        return [name]
    return [name, *(" ".join(order) for order in permutations(words) if order != tuple(words))]


def reads_as(name, terms, fillers=FILLER_WORDS):
    """What name reads as: the terms it is made of, in order (a tuple), or () when it has
    letters of its own beside fillers, digits and separators. Each term is read as
    readings() read it, and may take a plural "s".

    terms: texts, or {text: what the reader is told it reads as} (the first text
    of a spelling wins). Digits are read both ways: dropped ("moderator2") and as
    the letters they may stand for ("m0derator").
    """
    if not isinstance(terms, dict):
        terms = {term: term for term in terms}
    table = {}
    for text, term in terms.items():
        for spelling in spellings(text):
            if spelling:
                table.setdefault(spelling, term)
    filler = {spelling for word in fillers for spelling in spellings(word)}
    without_digits = "".join(char for char in name if not char.isdigit())
    for spelled in sorted(spellings(name) | spellings(without_digits)):
        found = _made_of(spelled, table, filler)
        if found:
            return found
    return ()


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
