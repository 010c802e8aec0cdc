"""Moderation workflows: which comments are held, deciding them, and undoing a decision."""

import itertools
import re
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from confusable_homoglyphs.categories import alias

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, F, Min, Q, Value
from django.db.models.functions import Cast, Concat, Substr
from django.dispatch import receiver
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator, get_text_list

from accounts.models import HeldName, ProvenEmail
from accounts.signals import FORMER_READER, account_deleting
from accounts.usernames import fold_letter_likes, readings, skeleton
from core.ratelimit import email_key
from core.rowlocks import kept_until_commit, still_there
from core.text import as_read

from .models import (Comment, CommentReport, HeldStanding, ModerationAction, ReaderStanding,
                     WordRule, reader_reference)

# How long the moderator who decided a comment may put it back as it was.
UNDO_MINUTES = 10
UNDO_WINDOW = timedelta(minutes=UNDO_MINUTES)
RESTRICTED = "comment hidden, reader restricted"
# How long a banned reader's name and address stay held once they delete the
# account (accounts.models.HeldName). A ban has no end to wait for, and holding
# them for good would keep something of an account its reader asked us to
# delete for good: a year makes deleting and signing up again no way round a
# ban, and a reader back after it starts afresh, under moderators' eyes.
BANNED_NAME_HELD = timedelta(days=365)

# A link, or what a reader would take for one: an address with its scheme or
# www., or a bare host (bit.ly/x, t.me/x, evil-shop.co.uk, münchen.de): a name,
# a dot and a top-level domain of two letters or more, all lower case or all
# capitals, that no more of a word follows; any case with a path after it.
# Prose passes: an abbreviation's parts are single letters (e.g., U.S., a.m.),
# a number's are digits (3.5), and a sentence run into the next, or a name,
# starts with a capital (end.Next, St.Ives). A run-on in lower case
# (point.the) is held: a moderator's look costs less than a spammer's link
# published. Read as the reader sees it (core.text.as_read): "ｅｘａｍｐｌｅ．ｃｏｍ"
# and "bit。ly/x" are links too.
_LINK = re.compile(r"""
    (?i: https?:// | www\. )
  | \b [\w-]+ \. (?P<tld> [^\W\d_]{2,} ) (?: (?P<path> / ) | (?![\w-]) )
""", re.VERBOSE)
# Top-level domains that spam writes in any case ("CheapPills.Com"), and that
# no sentence run into the next starts with. English words that are also
# domains (.me, .us, .it, .in) are left out: "Call.Me" is prose.
_ANY_CASE_TLDS = frozenset({
    "com", "net", "org", "info", "biz", "xyz", "top", "site", "online", "shop", "store",
    "club", "app", "io", "co", "ly", "ru", "su", "cn", "uk", "de", "fr", "nl", "eu", "tk",
    "ml", "ga", "cf", "gq", "pw", "cc", "tv", "ws",
})
# Scripts a letter belongs to that say nothing of the word (digits, marks).
_NO_SCRIPT = ("COMMON", "INHERITED")


def _has_link(text):
    """Whether text holds a link, or what a reader would take for one (_LINK)."""
    for found in _LINK.finditer(as_read(text)):
        tld = found["tld"]
        if (tld is None or found["path"] or tld.islower() or tld.isupper()
                or tld.casefold() in _ANY_CASE_TLDS):
            return True
    return False


def _reading(text):
    """What word rules read: text as_read, small capitals as the letters they are drawn
    as (accounts.usernames.fold_letter_likes), casefolded."""
    return fold_letter_likes(as_read(text)).casefold()


class _Word(NamedTuple):
    """A word as rules match it; the look-alike readings it is also matched by
    (accounts.usernames.readings: "sсаm" with Cyrillic letters reads as "scam"), if
    any; and, if it stretches a letter, the word with that letter once and twice
    (_unstretched)."""

    plain: str
    looks: frozenset = frozenset()
    unstretched: frozenset = frozenset()

    def matches(self, rule):
        return (self.plain == rule.plain or rule.plain in self.unstretched
                or bool(self.looks & rule.looks))


# A letter written three or more times in a row: "scuuumbag", "idiooooot". No
# English word has one, and a rule is matched by the word with it written once or
# twice ("asssss" is "ass").
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# Beyond so many stretched letters in a word, each is read once, or each twice.
STRETCHES_COMBINED = 4


def _unstretched(word):
    """word with each stretched letter (_STRETCHED) written once or twice, in every
    combination ("frrreeee" is "free"); none if no letter is stretched."""
    parts = _STRETCHED.split(word)  # the stretched letters at the odd places
    stretched = parts[1::2]
    if not stretched:
        return frozenset()
    if len(stretched) > STRETCHES_COMBINED:
        return frozenset({_STRETCHED.sub(r"\1", word), _STRETCHED.sub(r"\1\1", word)})
    return frozenset(
        "".join(part for pair in itertools.zip_longest(parts[::2], letters, fillvalue="")
                for part in pair)
        for letters in itertools.product(*((letter, letter * 2) for letter in stretched)))


def _scripts(word):
    return {alias(char) for char in word} - set(_NO_SCRIPT)


def _looks_latin(char):
    reading = skeleton(char)
    return reading.isascii() and reading.isalpha()


def _plain_words(text):
    """The text's words in order, as word rules are written (WordRule.PHRASE)."""
    return WordRule.WORD.findall(_reading(text))


def _words(text):
    """The text's words (_plain_words), each a _Word.

    Look-alike readings are given to the words that borrow letters from another
    alphabet than Latin: a word that mixes alphabets ("sсumbаg"), one in another
    alphabet than most of the text, or one in an alphabet the text uses only for
    letters that look Latin ("ѕсаm" alone). A word of a Russian comment is read as
    the Russian word it is: "сор" is not the Latin "cop".
    """
    plain = _plain_words(text)
    if all(map(str.isascii, plain)):
        return [_Word(word, unstretched=_unstretched(word)) for word in plain]
    letters = Counter(script for word in plain for char in word
                      if (script := alias(char)) not in _NO_SCRIPT)
    main = letters.most_common(1)[0][0] if letters else "LATIN"
    disguises = {script for script in letters if script != "LATIN" and all(
        _looks_latin(char) for word in plain for char in word if alias(char) == script)}
    words = []
    for word in plain:
        scripts = _scripts(word)
        borrowed = scripts - {"LATIN"}
        looks = (frozenset(readings(word)) if borrowed and (
            len(scripts) > 1 or scripts != {main} or borrowed & disguises) else frozenset())
        words.append(_Word(word, looks, _unstretched(word)))
    return words


@lru_cache(maxsize=4096)
def _rule_words(rule):
    """A rule's words (_words), each with its look-alike readings to match a borrowed word's."""
    return tuple(_Word(word, frozenset(readings(word)))
                 for word in WordRule.WORD.findall(_reading(rule)))


def _rules():
    """Each kind's rules, read once per comment: [(rule, its words)], single words first."""
    rules = {WordRule.Kind.SUSPECT: [], WordRule.Kind.BANNED: []}
    for word, kind in WordRule.objects.values_list("word", "kind"):
        rules[kind].append((word, _rule_words(word)))
    return rules


# A word as written with digits and symbols for letters (WordRule.SPELLED_AS): its
# letters and digits, and the symbols before or between them ("$cum", "scumb@g"; a
# "!" after a word ends a sentence).
_SPELLED_WORD = re.compile(rf"(?:[{re.escape(WordRule.SYMBOLS)}]*\w)+")
_DIGITS_OR_SYMBOLS = re.compile(rf"[\d{re.escape(WordRule.SYMBOLS)}]")


def _spelled_words(text):
    """The text's words as written with digits and symbols among their letters
    (_SPELLED_WORD), in order; [] if none is. A word with no letter is "", which no
    rule matches: "2024" or "101" is a number, not a word in disguise. A word with
    digits or symbols, or with Latin letters, reads its letters from other alphabets
    as the Latin ones they look like (_latin_look: "ѕсumb4g", "fr33 mоney"); a word
    of another alphabet alone is the word it is."""
    words = _SPELLED_WORD.findall(_reading(text))
    if not any(_DIGITS_OR_SYMBOLS.search(word) for word in words):
        return []
    return ["" if not any(map(str.isalpha, word))
            else "".join(map(_latin_look, word)) if not word.isascii() and (
                _DIGITS_OR_SYMBOLS.search(word) or any(
                    char.isascii() and char.isalpha() for char in word))
            else word for word in words]


@lru_cache(maxsize=1024)
def _latin_look(char):
    """The Latin letter char looks like ("ѕ" and "с" are "s" and "c", as
    accounts.usernames.readings reads them), or char itself."""
    if char.isascii() or not char.isalpha():
        return char
    for reading in (*readings(char), *readings(char.upper())):
        if len(reading) == 1 and reading.isascii() and reading.isalpha():
            return reading
    return char


@lru_cache(maxsize=4096)
def _rule_spellings(rule):
    """A rule's words as patterns that also take digits and symbols for letters
    (WordRule.SPELLED_AS: "$cumb4g", "1d!0t")."""
    return tuple(
        re.compile("".join(f"[{re.escape(char + WordRule.SPELLED_AS[char])}]"
                           if char in WordRule.SPELLED_AS else re.escape(char)
                           for char in word))
        for word in WordRule.WORD.findall(_reading(rule)))


def _runs_right_to_left(text):
    """Whether text has a right-to-left letter or mark, by which a phrase's words can be
    drawn in the reverse order of the text's."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


# Letters written apart ("s c u m b a g", "s.c.u.m.b.a.g") are read together once
# there are this many in a row; a rule matches them if it has as many letters.
SPACED_LETTERS = 3


def _spaced_runs(words):
    """The runs of SPACED_LETTERS or more one-character words in words, each as one string."""
    runs, run = [], ""
    for word in words + [""]:
        if len(word) == 1:
            run += word
            continue
        if len(run) >= SPACED_LETTERS:
            runs.append(run)
        run = ""
    return runs


@lru_cache(maxsize=4096)
def _rule_spaced(rule):
    """A rule's letters as one pattern (_rule_spellings, a phrase's words run together),
    to find it spelled out in a run of letters; None for a rule too short to."""
    parts = _rule_spellings(rule)
    if sum(len(word) for word in WordRule.WORD.findall(_reading(rule))) < SPACED_LETTERS:
        return None
    return re.compile("".join(part.pattern for part in parts))


class _Text(NamedTuple):
    """A comment as word rules read it (_read)."""

    words: list  # _words
    spelled: list  # _spelled_words: [] if no word has digits or symbols for letters
    spaced: list  # _spaced_runs of the words
    reverse: bool  # _runs_right_to_left


def _read(text):
    """text as word rules read it, once for all the rules (_Text)."""
    words = _words(text)
    return _Text(words, _spelled_words(text), _spaced_runs([word.plain for word in words]),
                 _runs_right_to_left(text))


def _matching(rules, text):
    """The rules the text (a _Text) holds, in alphabetical order.

    A phrase matches its words in a row, so "free money" is found in "Free,
    money!" (punctuation between words is dropped like any other) but neither
    in "freemoney" nor in "free the money". With text.reverse, also in the
    reverse order: right-to-left text around them draws "money free" as "free
    money". A word with a letter stretched matches as if it were written once
    or twice ("scuuumbag"), the words as spelled with digits and symbols are
    matched the same way ("fr33 m0n3y"), and a rule's letters are found in
    letters written apart ("s c u m b 4 g", "f r e e m o n e y").
    """
    words, spelled = text.words, text.spelled
    plain = {form for word in words for form in (word.plain, *word.unstretched)}
    looks = frozenset().union(*(word.looks for word in words))
    orders = (words, words[::-1]) if text.reverse else (words,)
    spelled_orders = (spelled, spelled[::-1]) if text.reverse else (spelled,)
    spaced = text.spaced + [run[::-1] for run in text.spaced] if text.reverse else text.spaced
    found = set()
    for rule, parts in rules:
        if not parts:
            continue
        if (parts[0].plain in plain or parts[0].looks & looks) and _in_a_row(
                parts, orders, _Word.matches):
            found.add(rule)
        elif spelled and _in_a_row(_rule_spellings(rule), spelled_orders,
                                   lambda word, pattern: pattern.fullmatch(word)):
            found.add(rule)
        elif spaced and (pattern := _rule_spaced(rule)) and any(
                any(map(str.isalpha, match[0])) for run in spaced
                for match in pattern.finditer(run)):  # "4 5 5" is a number, not "ass"
            found.add(rule)
    return sorted(found)


def _in_a_row(parts, orders, matches):
    """Whether one of orders (lists of words) has words that match parts, one each, in a row."""
    return any(all(matches(word, part) for word, part in zip(order[start:], parts))
               for order in orders for start in range(len(order) - len(parts) + 1))


def _compared(text):
    """A text as it is compared with another for sameness: its words however written,
    or, with no word at all ("👍"), its characters as read."""
    words = _plain_words(text)
    return " ".join(words) if words else " ".join(_reading(text).split())


def rules_found(body):
    """{kind: the word rules of that kind that body holds, in alphabetical order}."""
    rules, read = _rules(), _read(body)
    return {kind: _matching(kind_rules, read) for kind, kind_rules in rules.items()}


def text_hold_reason(body, found):
    """Why the text alone holds body for review, found being its rules_found(): a link or a
    suspect word; "" if neither does. A reader's standing and repeats are check_comment's."""
    if _has_link(body):
        return "Contains a link"
    if suspect := found[WordRule.Kind.SUSPECT]:
        return f"Contains a suspect word: {suspect[0]}"
    return ""


def check_comment(reader, article, body, now=None):
    """Decide how a new comment arrives: returns (status, hold_reason).

    Raises ValidationError for a banned word or phrase: such a comment is refused outright.
    Rules read the text as readers do (_reading): "scum\u200bbag", "ｓｃｕｍｂａｇ",
    "sсumbаg", "$cumb4g", "s c u m b a g" and "scuuumbag" are all "scumbag".
    """
    found = rules_found(body)
    banned = found[WordRule.Kind.BANNED]
    if banned:
        raise ValidationError(
            "This comment uses a word we do not publish (“%(word)s”). "
            "Please rephrase it.", params={"word": banned[0]}, code="banned_word")
    standing = getattr(reader, "standing", None)
    if standing is not None and standing.is_premoderated and standing.applies():
        return Comment.Status.PENDING, "Reader is in pre-moderation"
    if reason := text_hold_reason(body, found):
        return Comment.Status.PENDING, reason
    text = _compared(body)
    previous = reader.comments.order_by("-created_at", "-pk").values_list("body", flat=True).first()
    if previous is not None and _compared(previous) == text:
        return Comment.Status.PENDING, "Repeats the reader's previous comment"
    if article is not None and _posted_by_others(reader, article, text, now):
        return Comment.Status.PENDING, SAME_AS_ANOTHER
    return Comment.Status.APPROVED, ""


# A comment the same as another reader's recent one on the story is held: many
# accounts posting one text is a campaign, not a conversation. Compared with
# the last SAME_TEXT_COMPARED comments of SAME_TEXT_WINDOW; texts shorter than
# SAME_TEXT_MIN_CHARS ("Thank you for this.") are written alike by readers who
# never met.
SAME_AS_ANOTHER = "Repeats another reader's recent comment on this story"
SAME_TEXT_WINDOW = timedelta(hours=24)
SAME_TEXT_COMPARED = 200
SAME_TEXT_MIN_CHARS = 40


def _posted_by_others(reader, article, text, now=None):
    """Whether another account posted text (as _compared) on the story lately."""
    if len(text) < SAME_TEXT_MIN_CHARS:
        return False
    since = (now or timezone.now()) - SAME_TEXT_WINDOW
    others = (Comment.objects.filter(article=article, created_at__gte=since)
              .exclude(reader=reader).order_by("-created_at", "-pk")
              .values_list("body", flat=True)[:SAME_TEXT_COMPARED])
    return any(_compared(body) == text for body in others)


def comment_refusal(reader):
    """Why this reader may not comment now (ReaderStanding.refusal), or None."""
    standing = getattr(reader, "standing", None)
    return (standing.refusal() if standing is not None else "") or None


REASON_MAX_CHARS = Comment._meta.get_field("moderation_reason").max_length


def reason_refusal(reason):
    """Why a note cannot go with a decision on a comment, or "": it is longer than
    REASON_MAX_CHARS. Refused, never cut: the log would keep half a sentence."""
    if len(reason) > REASON_MAX_CHARS:
        return (f"Nothing was decided: a note can be at most {REASON_MAX_CHARS:,} characters, "
                f"and this one has {len(reason):,}. Shorten it, then decide again.")
    return ""


def _within(text, model, field):
    """The text as a column holds it: cut to its length, ending in "…" when cut."""
    return Truncator(text).chars(model._meta.get_field(field).max_length)


def log(moderator, action, target, reason=""):
    """Write a decision down. A reader (a user) is named by id and linked, never by name."""
    reader = target if isinstance(target, get_user_model()) else None
    ModerationAction.objects.create(
        moderator=moderator, action=action, reader=reader,
        reason=_within(reason, ModerationAction, "reason"),
        target=reader_reference(reader.pk) if reader else str(target)[:200])


def log_standing(moderator, standing):
    """Write a reader's standing down as moderators read it, with the moderator's note."""
    text = describe_standing(standing)
    if standing.note:
        text += f". Note: “{standing.note}”"
    log(moderator, "reader standing", standing.reader, text)


def log_decision(sender, moderator, action, target, reason="", **kwargs):
    """Receiver of core.hooks.moderated: other apps' decisions land in the same log."""
    log(moderator, action, target, reason)


def comment_queues():
    """The comment queues on the moderation overview: held, and reported (open reports)."""
    desk = reverse("moderation-comments")
    held = Comment.objects.filter(status=Comment.Status.PENDING)
    open_reports = CommentReport.objects.open()
    return [
        {"label": "Comments held for review", "count": held.count(),
         "oldest": held.aggregate(at=Min("created_at"))["at"],
         "url": desk + "?show=held", "permission": "comments.view_comment"},
        # The reported comments are counted from their open reports alone.
        # Joined to the comments and made DISTINCT, every reported comment's
        # whole row (its text too) was compared: 85 ms at 4,000 reported
        # comments, 3 ms this way.
        {"label": "Reported comments",
         "count": open_reports.values("comment").distinct().count(),
         "oldest": open_reports.aggregate(at=Min("created_at"))["at"],
         "url": desk + "?show=reported", "permission": "comments.view_comment"},
    ]


def describe_standing(standing, now=None):
    """A reader's standing in a few words, as moderators read it."""
    if standing is None:
        return "free to comment"
    if standing.is_banned:
        return "suspended for good"
    parts = []
    if standing.is_suspended(now):
        # Written as the reader is told it (ReaderStanding.refusal), in the site's time zone.
        until = dateformat.format(timezone.localtime(standing.suspended_until), "M j, Y, g:i A")
        parts.append(f"suspended until {until} ({settings.TIME_ZONE} time)")
    if standing.is_premoderated:
        parts.append("pre-moderated")
    return "; then ".join(parts) or "free to comment"


class Decisions(NamedTuple):
    """What decide_comments did: the comments it decided, and those it left as they
    already were (is_already). Any others chosen were decided by someone since."""

    decided: list
    unchanged: list


def is_already(comment, status):
    """Whether deciding the comment `status` would change nothing: it has that status and
    no open report. (Approving an approved comment that is reported closes its reports.)"""
    return comment.status == status and not comment.reports.open().exists()


@transaction.atomic
def decide_comments(comments, status, moderator, reason="", drawn_at=None):
    """Approve or hide comments; their open reports are resolved. Returns Decisions.

    With drawn_at, when the moderator's list was drawn, a comment decided by
    anyone after that is left as it was decided: the moderator chose on what
    they saw, and it has changed since. A comment already as the decision would
    leave it is left alone too: a new entry in the log, and a new moderator and
    time on the comment, would say this moderator decided what someone else had.
    """
    decided, unchanged = [], []
    for comment in comments:
        with transaction.atomic():
            # The accounts it names first, as an administrator deleting one takes them.
            if not accounts_held(moderator, Comment.objects.filter(pk=comment.pk)):
                raise PermissionDenied("Nothing more was decided: your account has been "
                                       "deleted.")
            if drawn_at is not None:
                # Locked, then read again: a decision made meanwhile is seen, and a comment
                # deleted meanwhile (its story deleted) is left out, not a server error.
                comment = (Comment.objects.select_for_update(of=("self",))
                           .select_related("reader").filter(pk=comment.pk).first())
                if comment is None or (comment.moderated_at is not None
                                       and comment.moderated_at > drawn_at):
                    continue
            if is_already(comment, status):
                unchanged.append(comment)
                continue
            decide_comment(comment, status, moderator, reason)
            decided.append(comment)
    return Decisions(decided, unchanged)


def accounts_held(moderator, comments):
    """Hold the moderator's account and the comments' readers' until the commit (FOR KEY
    SHARE, in the order of their ids), before the comments are locked: whether the
    moderator's account is still there.

    An administrator deleting a newsroom account holds it FOR UPDATE, then takes its
    name off its comments (Comment.reader and Comment.moderator are SET_NULL). A
    decision held the comment, then the accounts its row and its log entry name, at
    its commit: a staff member's comment decided meanwhile deadlocked the two, one of
    them a 500; a moderator's own decision failed at its commit, the account gone.
    Taken as the deletion takes them, accounts first, the decision waits for the
    deletion's end and then finds the comment's reader gone, or its own account.
    """
    pks = {moderator.pk, *comments.exclude(reader=None).values_list("reader_id", flat=True)}
    held = kept_until_commit(get_user_model()._default_manager.filter(pk__in=pks)
                             .order_by("pk").values_list("pk"))
    return (moderator.pk,) in {tuple(row) for row in held}


@transaction.atomic
def decide_comment(comment, status, moderator, reason="", restrict=False):
    """Approve or hide one comment and close its open reports; returns the log entry.

    With restrict (hiding only), the reader is pre-moderated from now on. The
    entry keeps what the decision changed, so that undo_decision() can put it back.
    """
    if restrict and status != Comment.Status.HIDDEN:
        raise ValueError("Only a hidden comment restricts its reader.")
    if restrict and (refusal := restriction_refusal(comment)):
        raise RestrictionRefused(refusal)
    # Forms refuse a longer reason; a caller that checked none still stores one that fits.
    reason = _within(reason, Comment, "moderation_reason")
    now = timezone.now()
    reports = list(comment.reports.open().values_list("pk", flat=True))
    before = {
        "comment": comment.pk, "status": comment.status, "moderator": comment.moderator_id,
        "moderated_at": comment.moderated_at.isoformat() if comment.moderated_at else None,
        "moderation_reason": comment.moderation_reason, "reports": reports,
    }
    comment.status = status
    comment.moderator = moderator
    comment.moderated_at = now
    comment.moderation_reason = reason
    comment.save(update_fields=["status", "moderator", "moderated_at", "moderation_reason"])
    CommentReport.objects.filter(pk__in=reports).update(resolved_at=now)
    action = f"comment {status}"
    if restrict and comment.reader_id:
        before["standing"] = _restrict(comment, moderator)
        action = RESTRICTED
    return ModerationAction.objects.create(
        moderator=moderator, created_at=now, action=action, reader_id=comment.reader_id,
        target=_comment_target(comment),
        reason=_within(reason, ModerationAction, "reason"), undo=before)


def _comment_target(comment):
    """How the log names a comment: by id, and its reader by id (ModerationAction)."""
    by = reader_reference(comment.reader_id) if comment.reader_id else FORMER_READER
    return f"{comment_target_start(comment.pk)}{by}"


def comment_target_start(pk):
    """How the log's targets of comment pk begin, whoever its reader is or was."""
    return f"comment {pk} by "


def decisions_about(target, prefix=False, limit=100):
    """The log's entries about one record, newest first (core.hooks.decisions_about)."""
    entries = ModerationAction.objects.filter(
        **{"target__startswith" if prefix else "target": target})
    return list(entries.select_related("moderator")[:limit])


def edit_reason(comment, moderator, reason):
    """Change a comment's moderation reason alone: the decision stands as it was made,
    by whom and when. Logged as an edit, as a bias report's note is (standards.workflow)."""
    comment.moderation_reason = _within(reason, Comment, "moderation_reason")
    comment.save(update_fields=["moderation_reason"])
    return ModerationAction.objects.create(
        moderator=moderator, action="comment reason edited", reader_id=comment.reader_id,
        target=_comment_target(comment),
        reason=_within(comment.moderation_reason, ModerationAction, "reason"))


class RestrictionRefused(ValueError):
    """A comment's author whose commenting is not restricted (restriction_refusal)."""


def restriction_refusal(comment):
    """Why the comment's author may not be restricted (pre-moderated, suspended or banned),
    in words for the moderator; "" when they may.

    A newsroom account (is_staff) is not: the readers' admin, where a standing
    is lifted, leaves staff out, and only an undo could have lifted it
    (ReaderStanding.applies). Their comment can still be hidden. Nor is a reader
    in pre-moderation already (the desk offers no button then; a card drawn
    before another moderator restricted them still had it): a second
    restriction would log one and name its moderator on the standing.
    """
    if comment.by_newsroom:
        # Not opened with the name: the admin's messages capitalise their first letter.
        return (f"This comment is by {comment.author_name}, a newsroom account: newsroom "
                f"accounts are not put in pre-moderation, suspended or banned, but their "
                f"comments can be hidden. Nothing was decided: use Hide to hide this comment.")
    standing = ReaderStanding.objects.filter(reader_id=comment.reader_id).first()
    if standing is not None and standing.is_premoderated:
        by = standing.updated_by.get_username() if standing.updated_by_id else "a moderator"
        return (f"{comment.author_name} is in pre-moderation already (set by {by}). Nothing "
                f"was decided: use Hide to hide this comment.")
    return ""


def _restrict_note(comment):
    return f"Pre-moderated after comment {comment.pk} was hidden."


def _restrict(comment, moderator):
    """Put the comment's reader in pre-moderation; returns their standing as it was, and
    when the restriction left it (undo_decision puts back only a standing unchanged since)."""
    # The reader held first (FOR KEY SHARE): a standing being saved from the readers' admin,
    # which holds the reader FOR UPDATE, is waited for and then found; one saved after
    # waits for this, and is told of it. Unheld, this standing's commit waited on that
    # save, which waited on this standing: a deadlock, one of the two a 500. Not more than
    # KEY SHARE: the reader's account being deleted waits on the comment held here.
    still_there(comment.reader)
    standing, created = ReaderStanding.objects.get_or_create(reader_id=comment.reader_id)
    before = {"is_premoderated": standing.is_premoderated, "note": standing.note,
              "updated_by": standing.updated_by_id,
              "updated_at": None if created else standing.updated_at.isoformat()}
    standing.is_premoderated = True
    standing.updated_by = moderator
    if not standing.note:
        standing.note = _restrict_note(comment)
    standing.save()
    before["left_at"] = standing.updated_at.isoformat()
    return before


class UndoRefused(Exception):
    """Why a decision cannot be undone, in words for the moderator."""


def undoable_decisions(moderator, now=None):
    """The moderator's own decisions they may still undo, newest first."""
    now = now or timezone.now()
    return ModerationAction.objects.filter(
        moderator=moderator, undo__isnull=False, undone_at__isnull=True,
        created_at__gte=now - UNDO_WINDOW).select_related("reader")  # for target_shown


@transaction.atomic
def undo_decision(action, moderator, now=None):
    """Put a comment (and its reports and reader) back as they were before `action`.

    Only its own moderator may, within UNDO_WINDOW, and only while the comment
    has not been decided again since; the reader's standing only while it is as
    the decision left it (_unrestrict). The undoing is logged too. Returns Undone.
    """
    now = now or timezone.now()
    # The accounts it names first, then the entry and the comment (accounts_held).
    if not accounts_held(moderator, Comment.objects.filter(pk=(action.undo or {}).get("comment"))):
        raise UndoRefused("Nothing was undone: your account has been deleted.")
    action = ModerationAction.objects.select_for_update().get(pk=action.pk)
    if action.undo is None:
        raise UndoRefused("This entry of the log cannot be undone.")
    if action.undone_at is not None:
        raise UndoRefused("This decision has already been undone.")
    if action.moderator_id != moderator.pk:
        raise UndoRefused("Only the moderator who made a decision can undo it.")
    if now - action.created_at > UNDO_WINDOW:
        raise UndoRefused(f"A decision can be undone for {UNDO_MINUTES} minutes only; decide "
                          f"the comment again instead.")
    before = action.undo
    comment = (Comment.objects.select_for_update(of=("self",)).select_related("reader")
               .filter(pk=before["comment"]).first())
    if comment is None:
        raise UndoRefused("That comment no longer exists.")
    if comment.moderated_at != action.created_at:
        raise UndoRefused(_decided_since(comment, moderator))
    comment.status = before["status"]
    comment.moderator_id = before["moderator"]
    comment.moderated_at = (datetime.fromisoformat(before["moderated_at"])
                            if before["moderated_at"] else None)
    comment.moderation_reason = before["moderation_reason"]
    comment.save(update_fields=["status", "moderator", "moderated_at", "moderation_reason"])
    CommentReport.objects.filter(pk__in=before["reports"]).update(resolved_at=None)
    kept = ""
    if "standing" in before and comment.reader_id:
        kept = _unrestrict(comment, before["standing"], moderator)
    action.undone_at = now
    action.save(update_fields=["undone_at"])
    decided_at = timezone.localtime(action.created_at)
    ModerationAction.objects.create(
        moderator=moderator, created_at=now, action=f"undo {action.action}"[:40],
        target=action.target, reader_id=action.reader_id,
        reason=_within(f"Undid the decision of {decided_at:%Y-%m-%d %H:%M:%S}. {kept}".strip(),
                       ModerationAction, "reason"))
    return Undone(comment, kept)


class Undone(NamedTuple):
    """What an undo did: the comment as it is again, and why the reader's standing was
    left as it is ("" when it was put back, or the decision restricted no one)."""

    comment: Comment
    standing_kept: str


def _decided_since(comment, moderator):
    """Why a decision is not undone once its comment was decided again, naming by whom."""
    status = comment.get_status_display().lower()
    if comment.moderator_id == moderator.pk:
        return (f"The comment has been decided again since ({status}), by you; undo that "
                f"decision instead.")
    by = comment.moderator.get_username() if comment.moderator_id else "another moderator"
    return (f"The comment has been decided again since ({status}), by {by}: only they can "
            f"undo that. Decide the comment again from the queue if it must change.")


def _unrestrict(comment, before, moderator):
    """The reader's pre-moderation as it was; a note the restriction wrote goes with it.

    Only while the standing is as the restriction left it: a standing changed
    since (another moderator's edit, or a later decision that restricted the
    reader too) is theirs, and stays. Returns why it stayed, or "".
    """
    standing = (ReaderStanding.objects.select_for_update(of=("self",))
                .select_related("updated_by").filter(reader_id=comment.reader_id).first())
    if standing is None:
        return ""
    left_at = before.get("left_at")
    if left_at is None or standing.updated_at != datetime.fromisoformat(left_at):
        if standing.updated_by_id == moderator.pk:
            by = "by you"
        else:
            by = f"by {standing.updated_by.get_username()}" if standing.updated_by else ""
        changed = timezone.localtime(standing.updated_at)
        return (f"The reader’s standing was left as it is ({describe_standing(standing)}): "
                f"it was changed after that decision{' ' + by if by else ''}, at "
                f"{dateformat.format(changed, 'g:i A')}.")
    standing.is_premoderated = before["is_premoderated"]
    standing.updated_by_id = before["updated_by"]
    if standing.note == _restrict_note(comment):
        standing.note = before["note"]
    standing.save()
    if before.get("updated_at"):
        # The standing is as it was, so is when it was last changed: an earlier
        # restriction's undo then finds the standing it left.
        ReaderStanding.objects.filter(pk=standing.pk).update(
            updated_at=datetime.fromisoformat(before["updated_at"]))
    return ""


# Connected as CommentsConfig.ready() imports this module; sent for every proxy of the
# user model (accounts.signals), whichever one the account was deleted through.
@receiver(account_deleting, dispatch_uid="comments-forget-reader")
def forget_reader(sender, user, **kwargs):
    """A reader's account is being deleted: their name leaves what moderators read,
    and a suspension they are under holds their name and address.

    The decisions stay, as the public record: the moderation log's entries say
    "a former reader" where they named the reader by id, and the admin's history
    of their comments and standing no longer names them. A suspended or banned
    reader could otherwise delete the account and sign up again, under the same
    name, at once and with a clean record (HeldName); a restricted one (suspended
    or pre-moderated), with the same address, free to comment (HeldStanding,
    carry_standing). The address only if the account proved it was theirs before
    it was restricted (ProvenEmail): sign-up takes any address, and a troll's
    ban must not fall on whoever owns the one they typed.
    """
    now = timezone.now()
    standing = ReaderStanding.objects.filter(reader=user).first()
    if standing is not None:
        standing.reader = user  # its row may be deleted already (apps._standing_made_meanwhile)
    applies = standing is not None and standing.applies()
    if applies and standing.is_suspended(now):
        HeldName.hold(user, now + BANNED_NAME_HELD if standing.is_banned
                      else standing.suspended_until, restricted_at=standing.updated_at)
    if (applies and _is_restricted(standing, now)
            and ProvenEmail.proves(user, before=standing.updated_at)):
        # Pre-moderation has no end either: held as long as a ban.
        HeldStanding.objects.create(
            email=email_key(user.email), is_premoderated=standing.is_premoderated,
            is_banned=standing.is_banned, suspended_until=standing.suspended_until,
            until=(now + BANNED_NAME_HELD if standing.is_banned or standing.is_premoderated
                   else standing.suspended_until))
    reference = reader_reference(user.pk)
    entries = list(ModerationAction.objects.filter(reader=user, target__endswith=reference))
    for entry in entries:
        entry.target = entry.target.removesuffix(reference) + FORMER_READER
    ModerationAction.objects.bulk_update(entries, ["target"], batch_size=500)
    _forget_in_admin_history(user, standing)


def _forget_in_admin_history(user, standing):
    """Django's history of the reader's comments and standing keeps their str(), which
    names the reader ("qa_bob: Great story…", "Standing of qa_bob")."""
    name = user.get_username()
    comments = (Comment.objects.filter(reader=user)
                .annotate(key=Cast("pk", CharField())).values("key"))
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment), object_id__in=comments,
        object_repr__startswith=f"{name}: ",
    ).update(object_repr=Concat(Value(FORMER_READER),
                                Substr("object_repr", len(name) + 1)))
    if standing is not None:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ReaderStanding),
            object_id=str(standing.pk)).update(object_repr=f"Standing of {FORMER_READER}")


def _is_restricted(standing, now):
    return standing.is_premoderated or standing.is_suspended(now)


def _restricted(now):
    """Standings that keep a reader from commenting freely, as a condition."""
    return Q(is_premoderated=True) | Q(is_banned=True) | Q(suspended_until__gt=now)


def carry_standing(user, now=None):
    """A new account at the mailbox of a restricted reader takes their standing.

    A banned or pre-moderated reader signed up again with the same address, or
    deleted the account first and then did, and commented freely at once. The
    new account takes the strictest standing of the live accounts that proved
    that mailbox theirs before they were restricted (ProvenEmail; core.ratelimit.
    email_key: "Ana+2@" is "ana@") and of those deleted there (HeldStanding,
    kept only for such accounts), with a note saying why, and the log says so. Returns
    the standing, or None when there was none to carry. A reader at a mailbox
    of their own is left alone.
    """
    now = now or timezone.now()
    if not user.email:
        return None
    key = email_key(user.email)
    live = [(reader_reference(reader_id), banned, until, premoderated)
            for reader_id, email, banned, until, premoderated in (
                # A newsroom account's standing holds no one back (ReaderStanding.applies).
                ReaderStanding.objects.filter(_restricted(now), reader__is_staff=False)
                .filter(reader__proven_email__email=key,
                        reader__proven_email__proven_at__lte=F("updated_at"))
                .exclude(reader=user)
                .values_list("reader_id", "reader__email", "is_banned", "suspended_until",
                             "is_premoderated"))
            if email and email_key(email) == key]
    gone = [("a deleted account", held.is_banned, held.suspended_until, held.is_premoderated)
            for held in HeldStanding.objects.filter(email=key, until__gt=now)]
    sources = live + gone
    if not sources:
        return None
    standing, _ = ReaderStanding.objects.get_or_create(reader=user)
    standing.is_banned = standing.is_banned or any(banned for _, banned, _, _ in sources)
    ends = [until for _, _, until, _ in sources if until is not None and until > now]
    if standing.suspended_until is not None and standing.suspended_until > now:
        ends.append(standing.suspended_until)
    standing.suspended_until = max(ends, default=standing.suspended_until)
    standing.is_premoderated = (standing.is_premoderated
                                or any(premoderated for *_, premoderated in sources))
    names = get_text_list(sorted({name for name, *_ in sources}), "and")
    why = (f"Carried over from {names}, at the same email address: "
           f"{describe_standing(standing, now)}.")
    standing.note = _within(f"{standing.note} {why}".strip(), ReaderStanding, "note")
    standing.save()
    log(None, "reader standing carried over", user, why)
    return standing


def purge_held_standings(cutoff):
    """Registered as a core.hooks.personal_data purge: standings held from deleted
    accounts (HeldStanding) go once their time is up, whatever the cutoff."""
    held, _ = HeldStanding.objects.exclude(until__gt=timezone.now()).delete()
    return [(held, "standings held from deleted accounts whose time was up", "")]
