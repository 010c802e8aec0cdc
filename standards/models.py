"""Corrections and readers' bias reports: the newsroom's public record of its own errors."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from articles.models import CLOCK_MARGIN, Article, public_story, record_time
from core.text import LineFeeds
from core.validators import within_calendar

QUOTE_MAX_CHARS = 300
DETAILS_MAX_CHARS = 1000


def open_report():
    """A report not yet decided, as a condition."""
    return models.Q(status__in=BiasReport.OPEN_STATUSES)


def decided_report():
    """A report upheld or dismissed, as a condition."""
    return models.Q(status__in=[BiasReport.Status.UPHELD, BiasReport.Status.DISMISSED])


class BiasReportQuerySet(models.QuerySet):
    def open(self):
        """Reports not yet decided."""
        return self.filter(open_report())

    def decided(self):
        """Reports upheld or dismissed."""
        return self.filter(decided_report())


class BiasReport(LineFeeds, models.Model):
    text_fields = ("quoted_passage", "details", "resolution_note")

    class Reason(models.TextChoices):
        POLITICAL_SLANT = "political_slant", "Political slant"
        ONE_SIDED_SOURCING = "one_sided_sourcing", "One-sided sourcing"
        LOADED_LANGUAGE = "loaded_language", "Loaded language"
        FACTUAL_ERROR = "factual_error", "Factual error"
        MISSING_CONTEXT = "missing_context", "Missing context"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    # Not yet decided.
    OPEN_STATUSES = (Status.NEW, Status.IN_REVIEW)

    REASON_HELP = {
        Reason.POLITICAL_SLANT: "The story favours one side of a political question.",
        Reason.ONE_SIDED_SOURCING: "Only one side's sources were asked or quoted.",
        Reason.LOADED_LANGUAGE: "Words that judge rather than describe.",
        Reason.FACTUAL_ERROR: "Something stated as fact is wrong.",
        Reason.MISSING_CONTEXT: "Facts that change the picture were left out.",
        Reason.OTHER: "Something else: please describe it in the details.",
    }

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE,
                                related_name="bias_reports")
    reason = models.CharField(max_length=20, choices=Reason)
    quoted_passage = models.TextField(blank=True)
    details = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="bias_reports")
    # Filed by a signed-in reader (set on save): once the account is deleted, reader
    # is empty, and the desk says "a former reader", not "a reader who was not signed
    # in". A default in the database too, for servers not yet restarted (standards 0006).
    is_from_account = models.BooleanField(default=False, db_default=False, editable=False)
    contact_email = models.EmailField(blank=True)
    # A keyed hash of the reporter's network address, never the address itself.
    reporter_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # A keyed hash of the random key the reporter's browser holds for this
    # story's report pages (views.REPORTER_COOKIE): by it a signed-out reader
    # is "the same reporter". Never the network address: strangers share one.
    # A default in the database too: while a deploy runs, servers not yet restarted
    # write reports without this column (standards 0005).
    reporter_key = models.CharField(max_length=64, blank=True, editable=False, db_default="")
    # The random token of the form the report was sent with: a form sent
    # twice (a double click, a retry, two servers at once) files one report.
    # Null for reports that came some other way.
    submission_token = models.CharField(max_length=64, null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = BiasReportQuerySet.as_manager()

    class Meta:
        # Moved from comments (issue 13) with its rows: the table keeps its name.
        db_table = "comments_biasreport"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="biasreport_queue_idx"),
            models.Index(fields=["article", "status"], name="biasreport_article_idx"),
            # The admin's list of every report, in Meta's order: its first page
            # joined every story to every report before sorting them (145 ms).
            models.Index(fields=["created_at", "id"], name="biasreport_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["article", "submission_token"],
                                    name="one_bias_report_per_submission"),
        ]

    def __str__(self):
        return f"{self.reference} on {self.article}"

    def save(self, *args, **kwargs):
        if self.reader_id is not None:
            self.is_from_account = True
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "reader" in update_fields:
                kwargs["update_fields"] = {*update_fields, "is_from_account"}
        super().save(*args, **kwargs)

    @property
    def reference(self):
        """What the reporter is shown: BR-000123."""
        return f"BR-{self.pk:06d}" if self.pk else "BR-(unsaved)"

    @property
    def is_open(self):
        return self.status in (self.Status.NEW, self.Status.IN_REVIEW)

    def get_confirmation_url(self):
        return reverse("standards:bias-report-received",
                       kwargs={"slug": self.article.slug, "reference": self.reference})



REPORT_ON_ANOTHER_STORY = "This bias report is about another story."

# A correction is dated when it is made. Dated later, the story said
# "Updated" on a day still to come, /corrections/ kept it at the top for
# months and the transparency report, which counts up to now, left it out
# while saying every correction is in the log; dated before the story, it
# corrected what readers had not yet been shown (the story's own clean()
# refuses a publication time moved past its corrections). A date up to
# CLOCK_MARGIN ahead of the server's clock is taken as now.
DATED_LATER = ("This date is in the future. Date a correction when it is made: no later than "
               "now (up to %(minutes)d minutes ahead is accepted, for clocks that differ).")
DATED_BEFORE_THE_STORY = ("The story was published on %(published)s: date the correction "
                          "then or later.")
STORY_NOT_OUT = ("The story is not published until %(published)s: add the correction once it "
                 "is out.")
# A correction follows the report it cites: dated before it, the story page
# said what followed the report happened before it, and /transparency/ counted
# it "after an upheld bias report" in a month the report had not reached.
DATED_BEFORE_THE_REPORT = ("%(reference)s was filed on %(filed)s: date a correction that "
                           "cites it then or later.")


# What readers are shown of a correction: changed once they may have seen it, it is
# marked "Amended" with the date (Correction.amended_at).
SHOWN_FIELDS = ("kind", "text", "date")
ON_THE_RECORD = ("“%(story)s” is public, and this %(kind)s of %(date)s is part of its public "
                 "record: it cannot be deleted while the story is public. Amend its text "
                 "instead; the story and /corrections/ then mark it “Amended” with the date.")
# Taken down, a story could lose a correction its readers had seen, and come back
# without it: /corrections/ and past months' figures changed after the fact.
SEEN_ON_THE_RECORD = ("Readers have seen this %(kind)s of %(date)s: “%(story)s” was public "
                      "after it was made, so it stays on the story's record, also while the "
                      "story is not public. Amend its text instead; the story and "
                      "/corrections/ then mark it “Amended” with the date.")


def story_was_public_since(article_id, since, using=None):
    """Whether readers could see the story at article_id at any time from `since` on.

    Public now, or so in one of its revisions from then on: the one in effect
    at `since`, or any later one (a story taken down since, or scheduled).
    """
    using = using or router.db_for_read(Article)
    stored = (Article._base_manager.using(using).filter(pk=article_id)
              .values_list("status", "published_at").first())
    if stored is not None and Article(status=stored[0], published_at=stored[1]).is_published():
        return True
    revisions = Article.history.using(using).filter(id=article_id)
    in_effect = (revisions.filter(history_date__lte=since).order_by("-history_date", "-history_id")
                 .values_list("status", "published_at").first())
    if in_effect is not None and Article(status=in_effect[0],
                                         published_at=in_effect[1]).is_published():
        return True
    return revisions.filter(public_story(), history_date__gt=since).exists()


def _shown(value):
    """A value as readers are shown it: a date to the second (a form keeps no more)."""
    return value.replace(microsecond=0) if hasattr(value, "microsecond") else value


class CorrectionQuerySet(models.QuerySet):
    def public(self, now=None):
        """Corrections on stories readers may see."""
        return self.filter(public_story("article__", now))


class Correction(LineFeeds, models.Model):
    text_fields = ("text",)

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        EDITORS_NOTE = "editors_note", "Editor's note"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=15, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField()
    date = models.DateTimeField(default=timezone.now, db_index=True,
                                validators=[within_calendar])
    # DESIGN.md section 6: a correction may cite the reader's report that led to it.
    bias_report = models.ForeignKey(
        "standards.BiasReport", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="corrections",
        help_text="The reader's bias report that led to this note, if any. Its reporter "
                  "is emailed a link to the note once the report is upheld.")
    # When what readers had been shown (SHOWN_FIELDS) was last changed; None while it
    # stands as first shown. Set on save (_amends()).
    amended_at = models.DateTimeField("amended", null=True, blank=True, editable=False)

    objects = CorrectionQuerySet.as_manager()
    # A correction is the newsroom's record of its own error: what it said, and when it
    # changed, stays on record (the admin's history page).
    history = HistoricalRecords(verbose_name="correction revision")

    class Meta:
        # Moved from articles (issue 13) with its rows: the table keeps its name.
        db_table = "articles_correction"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article}"

    def save_base(self, *args, raw=False, using=None, update_fields=None, **kwargs):
        # Here rather than in save(): its text as stored (LineFeeds) is compared.
        if not raw and self._amends(using, update_fields):
            self.amended_at = timezone.now()
            if update_fields is not None:
                update_fields = {*update_fields, "amended_at"}
        super().save_base(*args, raw=raw, using=using, update_fields=update_fields, **kwargs)

    def _amends(self, using, update_fields):
        """Whether this save changes what readers may have been shown of the correction.

        Compared with the stored row, read here (a revision restored is not loaded).
        Shown: its story was public at some time since the correction was made.
        """
        if self.pk is None:
            return False
        fields = [name for name in SHOWN_FIELDS
                  if update_fields is None or name in update_fields]
        if not fields:
            return False
        using = using or router.db_for_write(Correction, instance=self)
        stored = (type(self)._base_manager.using(using).filter(pk=self.pk)
                  .values("article_id", "date", *fields).first())
        if stored is None or all(_shown(stored[name]) == _shown(getattr(self, name))
                                 for name in fields):
            return False
        since = min(filter(None, [stored["date"], self._first_saved(using)]))
        return story_was_public_since(stored["article_id"], since, using)

    def _first_saved(self, using=None):
        """When this correction was first stored (its first revision), or None."""
        return (self.history.using(using or router.db_for_read(Correction))
                .order_by("history_date", "history_id")
                .values_list("history_date", flat=True).first())

    def deletion_refusal(self, now=None):
        """Why this correction may not be deleted now (a message), or None.

        Once readers may have seen it, it is on the record: /corrections/ and the
        transparency report count it, and a story taken down and put back shows it
        again. A correction made while its story was not public may go.
        """
        story = self.article
        if story.is_published(now):
            message = ON_THE_RECORD
        elif story_was_public_since(story.pk, self._first_saved() or self.date):
            message = SEEN_ON_THE_RECORD
        else:
            return None
        return message % {"story": story.headline, "kind": self.get_kind_display().lower(),
                          "date": date_format(timezone.localtime(self.date), "M j, Y")}

    def clean(self):
        """A cited bias report must be about the same story; the date must fall between the
        story's publication and now, and not before the cited report was filed."""
        errors = {}
        if (self.bias_report_id is not None and self.article_id is not None
                and self.bias_report.article_id != self.article_id):
            errors["bias_report"] = REPORT_ON_ANOTHER_STORY
        date_error = self._date_error() or (
            None if "bias_report" in errors else self._report_date_error())
        if date_error:
            errors["date"] = date_error
        if errors:
            raise ValidationError(errors)

    def _date_error(self):
        """Why the date cannot stand (a ValidationError), or None."""
        if self.date is None:
            return None
        now = timezone.now()
        if self.date > now + CLOCK_MARGIN:
            return ValidationError(DATED_LATER, code="dated_later",
                                   params={"minutes": CLOCK_MARGIN // timedelta(minutes=1)})
        # On the story's own page, Django's inline gives the story as its
        # form has it: the publication time being saved with the correction.
        story = getattr(self, "article", None)
        published = story.published_at if story is not None else None
        if published is None or self.date >= published:
            return None
        shown = {"published": record_time(published)}
        if published > now:
            return ValidationError(STORY_NOT_OUT, code="story_not_out", params=shown)
        return ValidationError(DATED_BEFORE_THE_STORY, code="dated_before_the_story",
                               params=shown)

    def _report_date_error(self):
        """Why the date cannot stand with the cited report (a ValidationError), or None."""
        if self.date is None or self.bias_report_id is None:
            return None
        report = self.bias_report
        if report.created_at is None:
            return None
        # To the minute, as the message gives the time: 9:00 AM stands for a
        # report filed at 9:00:40.
        filed = timezone.localtime(report.created_at).replace(second=0, microsecond=0)
        if self.date >= filed:
            return None
        return ValidationError(DATED_BEFORE_THE_REPORT, code="dated_before_the_report",
                               params={"reference": report.reference,
                                       "filed": record_time(report.created_at)})


class HeldNotice(models.Model):
    """The email telling a bias report's reporter of the correction that cites it, held
    while the correction's story is not public: its link would not open. Sent, and
    this row deleted, once the story is public again (standards.notices)."""

    correction = models.OneToOneField(Correction, on_delete=models.CASCADE,
                                      related_name="held_notice")
    held_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Notice held for {self.correction}"
