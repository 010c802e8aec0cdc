import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.utils import dateformat, timezone

from articles.models import public_story
from core.queries import count_of
from core.text import LineFeeds, strip_direction_overrides
from core.validators import within_calendar

COMMENT_MAX_CHARS = 250
# Eleven lines at most (five paragraphs with a blank line between each): 250
# characters of line breaks stood screens tall in the list at 390 px.
COMMENT_MAX_LINE_BREAKS = 10


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Comments readers may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def for_display(self):
        """Approved comments of public stories, newest first, with their readers."""
        return (self.approved().filter(public_story("article__"))
                .select_related("reader").order_by("-created_at", "-pk"))

    def moderation_queue(self):
        """Pending and reported comments first, each group oldest first."""
        return self.annotate(
            open_reports=_open_report_count(),
            needs_review=models.Case(models.When(waiting(), then=0), default=1),
        ).order_by("needs_review", "created_at", "pk")

    def with_waiting_since(self):
        """Each comment with its count of open reports and since when it has waited.

        A held comment waits from when it was posted; a reported one from its
        first open report (an old comment reported today has waited a day).
        Counted and dated per comment, in subqueries: grouping every comment of
        a million with its reports took the desk 14 seconds.
        """
        return self.annotate(
            open_reports=_open_report_count(),
            first_report_at=Subquery(_open_reports().order_by("created_at")
                                     .values("created_at")[:1]),
            waiting_since=models.Case(
                models.When(status=Comment.Status.PENDING, then=F("created_at")),
                default=F("first_report_at"),
            ),
        )


class WaitingComments:
    """Held or reported comments, longest waiting first, as the desk pages through
    them: a count, and slices (what Paginator asks of a list).

    Read in two steps. A slice's keys come first: each comment's id and since
    when it has waited, held ones from their index (comment_queue_idx ends
    with the id) and reported ones from their open reports, sorted together.
    Then only that slice's comments are read, from `comments`
    (with_waiting_since(), and whatever the page shows of them). Sorting the
    waiting comments themselves joined them to the whole table of comments:
    0.3 to 0.5 s a page, and 0.13 s for the count, at 25,000 held of a million.

    show: "" for all of them, "held" or "reported"; ids: of these comments alone.
    after: (waiting since, id) of a comment, for those that come after it in the
    queue's order alone (the desk's refill goes on from the last card the moderator
    has, on whichever page, and so does its next page). before: the same, for those that come before it, nearest first (the page
    before).
    """

    def __init__(self, comments, show="", after=None, before=None, ids=None):
        self.comments, self.show, self.after, self.before = comments, show, after, before
        self.ids = ids  # these comments alone, when given

    def _only(self, field):
        return Q() if self.ids is None else Q(**{f"{field}__in": self.ids})

    def _after(self, since, pk):
        """After self.after and before self.before, by the fields named since and pk;
        everything when they are None."""
        bounds = Q()
        for key, way in ((self.after, "gt"), (self.before, "lt")):
            if key is not None:
                when, number = key
                bounds &= (Q(**{f"{since}__{way}": when})
                           | Q(**{since: when, f"{pk}__{way}": number}))
        return bounds

    def _held(self):
        held = Comment.objects.filter(status=Comment.Status.PENDING)
        if self.show == "reported":
            held = held.filter(pk__in=_reported())
        return held.filter(self._after("created_at", "id"), self._only("id")).order_by()

    def _reported_only(self):
        """(comment id, first open report) of the reported comments that are not held."""
        return (CommentReport.objects.open()
                .exclude(comment__status=Comment.Status.PENDING).filter(self._only("comment_id"))
                .order_by().values("comment_id").annotate(since=Min("created_at"))
                .filter(self._after("since", "comment_id")))

    def keys(self):
        """(id, waiting since) of every waiting comment shown, in the queue's order."""
        held = self._held().values_list("id", "created_at")
        order = ("-created_at", "-id") if self.before is not None else ("created_at", "id")
        if self.show == "held":
            return held.order_by(*order)
        reported = self._reported_only().values_list("comment_id", "since")
        return held.union(reported, all=True).order_by(*order)

    def count(self):
        return self.keys().order_by().count()

    def count_up_to(self, key):
        """(how many wait, how many of them come up to `key`, (waiting since, id), in the
        queue's order): one query. Counted apart, the whole queue and what comes after the
        key, the desk's keyed pages read the waiting comments twice."""
        keys = self.keys().order_by()
        connection = connections[keys.db]
        sql, params = keys.query.get_compiler(connection=connection).as_sql()
        since, number = (connection.ops.quote_name(name) for name in ("created_at", "id"))
        when = connection.ops.adapt_datetimefield_value(key[0])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN k.{since} < %s OR (k.{since} = %s "
                f"AND k.{number} <= %s) THEN 1 ELSE 0 END), 0) FROM ({sql}) k",
                (when, when, key[1], *params))
            total, up_to = cursor.fetchone()
        return int(total), int(up_to)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        ids = [pk for pk, _ in self.keys()[index]]
        found = self.comments.filter(pk__in=ids).order_by().in_bulk()
        return [found[pk] for pk in ids if pk in found]


def posted_before(comment):
    """Comments posted before this one, in the comments' own order (time, then id)."""
    return Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at,
                                                     pk__lt=comment.pk)


def posted_after(comment):
    """Comments posted after this one, in the comments' own order (time, then id)."""
    return Q(created_at__gt=comment.created_at) | Q(created_at=comment.created_at,
                                                     pk__gt=comment.pk)


def waiting():
    """Held, or with an open report. The open reports are read once for the
    whole query, not counted again for each comment."""
    return Q(status=Comment.Status.PENDING) | reported()


def reported():
    """With an open report."""
    return Q(pk__in=_reported())


def count_waiting(comments):
    """How many of comments are held or reported, counted apart through their indexes.

    Counted as one (`waiting()`), the condition's OR made the database read
    every comment: 0.14 s at a million.
    """
    held = Q(status=Comment.Status.PENDING)
    return (comments.filter(held).order_by().count()
            + comments.filter(reported()).exclude(held).order_by().count())


def _reported():
    """The ids of the comments with an open report."""
    return CommentReport.objects.open().order_by().values("comment_id")


def _open_reports():
    """The open reports of the comment in the outer query."""
    return CommentReport.objects.open().filter(comment=OuterRef("pk"))


def _open_report_count():
    """How many open reports the comment in the outer query has."""
    return count_of(_open_reports())


class Comment(LineFeeds, models.Model):
    """A reader's comment; its body is stored without control characters (LineFeeds) or
    direction overrides."""

    text_fields = ("body",)

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        PENDING = "pending", "Pending review"
        HIDDEN = "hidden", "Hidden"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE,
                                related_name="comments")
    # A deleted account leaves its comments, shown as from "a former reader".
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="comments")
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status, default=Status.APPROVED)
    hold_reason = models.CharField(max_length=120, blank=True,
                                   help_text="Why a rule held this comment for review.")
    created_at = models.DateTimeField(default=timezone.now)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(max_length=300, blank=True)
    # The random token of the form the comment was sent with: a form sent
    # twice (a double click, a retry, two servers at once) stores one comment.
    # Null for comments that came some other way.
    submission_token = models.CharField(max_length=64, null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["article", "status", "-created_at"],
                         name="comment_article_idx"),
            # Ends with the id, as the desk orders held comments (WaitingComments).
            models.Index(fields=["status", "created_at", "id"], name="comment_queue_idx"),
            # The comment list's order, and the order of those not waiting in it;
            # with their status, a later page's ids are read from it alone.
            models.Index(fields=["created_at", "id", "status"], name="comment_list_idx"),
            models.Index(fields=["reader", "-created_at"], name="comment_reader_idx"),
            # A story's comments in their own order, from any one on (the desk's
            # comments around a waiting one: comments.desk._around).
            models.Index(fields=["article", "created_at", "id"], name="comment_story_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reader", "submission_token"],
                                    name="one_comment_per_submission"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        # Whoever writes it: a comment drawn in reverse ("\u202egabmucs\u202c" shows as
        # "scumbag") reads one way to the word rules and another to readers.
        self.body = strip_direction_overrides(self.body)
        super().save(*args, **kwargs)

    @property
    def author_name(self):
        return self.reader.get_username() if self.reader_id else "a former reader"

    @property
    def by_newsroom(self):
        """Written from a newsroom account (is_staff): marked so under the comment."""
        return bool(self.reader_id and self.reader.is_staff)

    @property
    def shown_name(self):
        """The name readers see under the comment: a reader's username; for a newsroom
        account, the person's full name or the newsroom's, never the sign-in name of
        an account that can reach the admin (half of what a password guesser needs)."""
        if self.by_newsroom:
            return self.reader.get_full_name() or f"{settings.SITE_NAME} newsroom"
        return self.author_name


class CommentReportQuerySet(models.QuerySet):
    def open(self):
        """Reports no moderator has closed yet: each puts its comment in the queue."""
        return self.filter(resolved_at__isnull=True)


class CommentReport(models.Model):
    """A reader's flag on a comment; an open report puts the comment in the queue."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="comment_reports")
    reason = models.CharField(max_length=10, choices=Reason)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = CommentReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"],
                                    name="one_report_per_reader"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} report on comment {self.comment_id}"


class WordRule(models.Model):
    """A word that holds a comment for review (suspect) or refuses it (banned)."""

    class Kind(models.TextChoices):
        SUSPECT = "suspect", "Suspect: hold for review"
        BANNED = "banned", "Banned: refuse the comment"

    # What moderation.check_comment reads a comment as: its words, in order,
    # with the punctuation and spacing between them dropped.
    WORD = re.compile(r"\w+")
    # A rule is one such word, or a phrase of them with single spaces between.
    PHRASE = re.compile(r"\w+(?: \w+)*")
    # Digits and symbols written for the letters they look like ("$cumb4g"): each
    # letter of a rule also matches these (moderation._rule_spellings).
    SPELLED_AS = {"a": "4@", "b": "8", "e": "3", "g": "9", "i": "1!|", "l": "1|", "o": "0",
                  "s": "5$", "t": "7", "z": "2"}
    # The symbols among them ("$", "@"): not letters or digits, so a rule cannot hold one.
    SYMBOLS = "".join(sorted({char for chars in SPELLED_AS.values() for char in chars
                              if not char.isalnum()}))

    word = models.CharField(
        max_length=80, unique=True,
        help_text="A word, or a phrase of words separated by spaces, in letters and digits. "
                  "Matched as whole words, ignoring case; a phrase matches its words in "
                  "this order, even with punctuation between them. Also matched written "
                  "with letters of other alphabets that look alike, with digits and "
                  "symbols for letters (“$cumb4g”), with its letters apart "
                  "(“s c u m b a g”) or with a letter stretched (“scuuumbag”).")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SUSPECT)

    class Meta:
        ordering = ["kind", "word"]

    def __str__(self):
        return f"{self.word} ({self.get_kind_display()})"

    @staticmethod
    def normalize(word):
        """The form a rule is stored and compared in: in the letters it shows, as comments
        are read (NFKC: fullwidth "ｓｃａｍ" is "scam"), casefolded, single spaces between
        words. "ｓｃｕｍｂａｇ" beside "scumbag" would be two rules, of two kinds, for one
        word."""
        return " ".join(unicodedata.normalize("NFKC", word).split()).casefold()

    def clean(self):
        """Refuse a rule no comment could match.

        Normalised here, not only in save(), so that the uniqueness check that
        follows clean() compares the stored form: "SpamWord" beside "spamword"
        is a form error, not an IntegrityError.
        """
        typed = self.word or ""
        self.word = self.normalize(typed)
        if not self.word:
            if typed:  # an empty one is the field's own "blank" error
                raise ValidationError({"word": ValidationError(
                    "Write a word: this rule is only spaces.", code="no_word")})
            return
        if not self.PHRASE.fullmatch(self.word):
            message = ("Comments are compared word by word and their punctuation is ignored, "
                       "so “%(rule)s” would be read as %(read_as)s and never match. Write the "
                       "rule in letters and digits, with spaces between the words of a phrase.")
            if re.search(rf"[{re.escape(self.SYMBOLS)}]\w", self.word):  # "$cum", not "win!"
                message += (" A rule in letters also matches its words written with symbols "
                            "for letters: “scumbag” matches “$cumb@g”.")
            raise ValidationError({"word": ValidationError(message, params={
                "rule": self.word, "read_as": _read_as(self.WORD.findall(self.word))},
                code="not_words")})
        # Casefolding can lengthen a word ("ß" is "ss"): the field checked the typed one.
        max_length = self._meta.get_field("word").max_length
        if len(self.word) > max_length:
            raise ValidationError({"word": ValidationError(
                "Rules can be at most %(max)d characters once lower-cased; this one has "
                "%(length)d.", params={"max": max_length, "length": len(self.word)},
                code="too_long")})
        same = WordRule.objects.exclude(pk=self.pk).filter(word=self.word).first()
        if same is not None:
            raise ValidationError({"word": ValidationError(
                "“%(rule)s” is already a rule (%(kind)s): change that one instead.",
                params={"rule": same.word, "kind": same.get_kind_display()}, code="unique")})

    def save(self, *args, **kwargs):
        # Rules created in code (the shell, a data migration) skip clean().
        self.word = self.normalize(self.word)
        super().save(*args, **kwargs)


def _read_as(words):
    """How a comment's words would read a rule with punctuation in it, in a sentence."""
    if not words:
        return "no word at all"
    quoted = [f"“{word}”" for word in words]
    if len(quoted) == 1:
        return f"the word {quoted[0]}"
    return f"the {len(quoted)} words {', '.join(quoted[:-1])} and {quoted[-1]}"


class ReaderStanding(models.Model):
    """How a reader may comment: freely, pre-moderated, suspended or banned."""

    reader = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="standing")
    is_premoderated = models.BooleanField(
        "pre-moderation", default=False,
        help_text="Hold every comment from this reader for review.")
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text="No comments until this time.",
        validators=[within_calendar])
    is_banned = models.BooleanField("suspended for good", default=False)
    note = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Standing of {self.reader}"

    def is_suspended(self, now=None):
        """True while the reader may not comment at all."""
        now = now or timezone.now()
        return self.is_banned or (self.suspended_until is not None
                                  and self.suspended_until > now)

    def applies(self):
        """Whether the standing holds its account back: a newsroom account's (is_staff) does not.

        Moderators restrict readers; a staff account is left out of the readers'
        admin, where a standing is lifted. One set on it before restricting staff
        was refused (moderation.restriction_refusal) stays stored, unread.
        """
        return not self.reader.is_staff

    def refusal(self, now=None):
        """Why the reader may not comment now, in words for them; "" when they may.

        The end of a suspension is written as comment times are (the site's
        TIME_ZONE): "until Dec 6, 2026" alone left a reader to try again all day.
        The comments block shows it in place of the form.
        """
        if not self.applies() or not self.is_suspended(now):
            return ""
        if self.is_banned:
            return "Your account can no longer post comments."
        until = dateformat.format(timezone.localtime(self.suspended_until), "M j, Y, g:i A")
        return f"Your account cannot post comments until {until} ({settings.TIME_ZONE} time)."


class HeldStanding(models.Model):
    """The standing a deleted account left, kept for a new account at its mailbox.

    A restricted reader could otherwise delete the account, sign up again with
    the same address and comment freely (moderation.carry_standing gives the
    new account this standing). Only a keyed hash of the address is kept
    (core.ratelimit.email_key: one key per mailbox, never the address), until
    `until`; purge_personal_data deletes the row then.
    """

    email = models.CharField(max_length=80, db_index=True)
    is_premoderated = models.BooleanField(default=False)
    suspended_until = models.DateTimeField(null=True, blank=True)
    is_banned = models.BooleanField(default=False)
    until = models.DateTimeField()

    def __str__(self):
        return f"Standing held until {self.until:%Y-%m-%d %H:%M}"


def reader_reference(reader_id):
    """How the moderation log's text names a reader: by id, never by name (ModerationAction)."""
    return f"reader {reader_id}"


class ModerationAction(LineFeeds, models.Model):
    """The moderation log: every decision on a comment, report or reader.

    Its text is stored as the records it logs are (LineFeeds): a reason with a
    direction override would read backwards in the log, beside the comment or
    report that was stored without it.

    A reader is named in `target` by id ("comment 5 by reader 12"), and `reader`
    links to them: the log shows the name through that link while the account
    lasts (target_shown). A name written into the text would outlive the
    account and then read as the record of whoever took the name next; when the
    account is deleted, its entries say "a former reader" instead
    (moderation.forget_reader), and the decisions stay on the record.
    """

    # PROTECT, as a story's reviewing editor is: deleting the account took the moderator's
    # name off every decision they made, in the log and unseen. Newsroom accounts are
    # deactivated instead. Empty for what no one decided (a standing carried over).
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=200)
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", editable=False,
                               help_text="The reader the decision concerns, if any.")
    # As long as the longest note a decision carries, a bias report's to its reporter
    # (standards.workflow.NOTE_MAX_CHARS): cut to 300, the record lost what was sent.
    reason = models.CharField(max_length=2000, blank=True)
    # A decision on a comment keeps what it changed, so that its moderator can
    # put it back for a while (moderation.UNDO_WINDOW): the comment's previous
    # status, the reports it closed and the reader's standing before it.
    undo = models.JSONField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["moderator", "-created_at"], name="moderation_by_moderator_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_shown}"

    @property
    def target_shown(self):
        """The target as moderators read it: the reader by their current name."""
        reference = reader_reference(self.reader_id)
        if self.reader_id is None or not self.target.endswith(reference):
            return self.target
        return self.target.removesuffix(reference) + self.reader.get_username()
