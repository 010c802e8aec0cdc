"""The transparency report's figures (DESIGN.md section 4, `/transparency/`).

Each block is one aggregate query that counts every period at once with
filtered COUNTs, so the number of queries is fixed whatever the size of the
archive; only the medians read rows (the decided reports' two dates, in one
query). Periods are calendar months in TIME_ZONE. Only public stories count,
and no figure identifies a reader.
"""

import statistics
from bisect import bisect_left
from datetime import UTC, date, datetime

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article, public_story
from core import hooks
from core.periods import Period, counted, outer

from .models import BiasReport, Correction

MONTHS_SHOWN = 12
SECONDS_PER_DAY = 86400
INVOLVEMENTS = [choice.value for choice in Article.AIInvolvement]
OUTCOMES = ["upheld", "dismissed", "open"]
CORRECTION_KINDS = [choice.value for choice in Correction.Kind]


def _shift(year, month, months):
    year, index = divmod(year * 12 + month - 1 + months, 12)
    return year, index + 1


def month_period(year, month):
    """One calendar month in TIME_ZONE.

    ValueError for a month whose bounds fall off Python's calendar (years 1
    to 9999) once in UTC, as the database is asked in: January of the year 1
    east of UTC begins in the year 0, December 9999 ends in the year 10000.
    """
    next_year, next_month = _shift(year, month, 1)
    try:
        start = timezone.make_aware(datetime(year, month, 1))
        end = timezone.make_aware(datetime(next_year, next_month, 1))
        start.astimezone(UTC), end.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"{year:04d}-{month:02d} in {timezone.get_current_timezone_name()} "
                         f"reaches beyond the years 1 to 9999 in UTC.") from None
    return Period(
        key=f"{year:04d}-{month:02d}",
        label=date_format(date(year, month, 1), "F Y"),
        start=start,
        end=end,
    )


def recent_periods(now=None):
    """The last MONTHS_SHOWN months (this one last), then their sum, then all time."""
    local = timezone.localtime(now or timezone.now())
    months = [month_period(*_shift(local.year, local.month, -back))
              for back in range(MONTHS_SHOWN - 1, -1, -1)]
    # Both totals end with this month, so that they add up from the months shown.
    end = months[-1].end
    return [*months, Period("last-12-months", f"Last {MONTHS_SHOWN} months",
                            months[0].start, end),
            Period("all-time", "All time", None, end)]


def _median_days(durations):
    return round(statistics.median(durations), 1) if durations else None


def _empty(period, reasons):
    return {
        "key": period.key,
        "label": period.label,
        "start": period.start,
        "end": period.end,
        "stories": {"total": 0, "by_ai_involvement": dict.fromkeys(INVOLVEMENTS, 0),
                    "by_byline": {"ai_persona": 0, "human": 0}},
        "ai_personas": [],
        "bias_reports": {
            "received": 0, **dict.fromkeys(OUTCOMES, 0), "median_days_to_decision": None,
            "by_reason": [{"reason": value, "label": label, "received": 0,
                           **dict.fromkeys(OUTCOMES, 0), "median_days_to_decision": None}
                          for value, label in reasons],
        },
        "corrections": {"total": 0, **dict.fromkeys(CORRECTION_KINDS, 0),
                        "after_upheld_bias_report": 0},
    }


def compute(periods, now=None):
    """Every figure for each period, as plain data (dicts, lists, numbers): 6 queries."""
    now = now or timezone.now()
    public = public_story("article__", now)
    reasons = list(BiasReport.Reason.choices)
    figures = [_empty(period, reasons) for period in periods]
    indexed = list(enumerate(figures))

    # Stories, by the involvement readers are told (an AI persona's is never "none").
    shown = Case(
        When(author__is_ai=True, ai_involvement=Article.AIInvolvement.NONE,
             then=Value(Article.AIInvolvement.GENERATED)),
        default=F("ai_involvement"), output_field=CharField(),
    )
    stories = counted(Article.objects.published(now).annotate(shown=shown), "published_at",
                       periods, ["shown", "author__is_ai"])
    for row in stories:
        byline = "ai_persona" if row["author__is_ai"] else "human"
        for i, block in indexed:
            n = row[f"p{i}"]
            block["stories"]["total"] += n
            block["stories"]["by_ai_involvement"][row["shown"]] += n
            block["stories"]["by_byline"][byline] += n

    personas = counted(Article.objects.published(now).filter(author__is_ai=True),
                        "published_at", periods, ["author_id", "author__name", "author__slug"])
    for row in sorted(personas, key=lambda r: (r["author__name"].casefold(), r["author_id"])):
        for i, block in indexed:
            if row[f"p{i}"]:
                block["ai_personas"].append({"name": row["author__name"],
                                             "slug": row["author__slug"],
                                             "stories": row[f"p{i}"]})

    reports = counted(BiasReport.objects.filter(public), "created_at", periods,
                       ["reason", "status"])
    reason_index = {value: index for index, (value, _) in enumerate(reasons)}
    for row in reports:
        outcome = "open" if row["status"] in BiasReport.OPEN_STATUSES else row["status"]
        for i, block in indexed:
            n = row[f"p{i}"]
            for counts in (block["bias_reports"],
                           block["bias_reports"]["by_reason"][reason_index[row["reason"]]]):
                counts["received"] += n
                counts[outcome] += n

    # Medians need the rows themselves: the two dates of each decided report,
    # oldest first, so that each period's reports are one slice of them.
    # Testing every report against every period took 0.16 s of the page's
    # CPU at 16,000 decided reports.
    decided = (BiasReport.objects.decided()
               .filter(public, outer(periods, "created_at"), resolved_at__isnull=False)
               .order_by("created_at").values_list("created_at", "resolved_at", "reason"))
    created, days, reason_of = [], [], []
    for created_at, resolved_at, reason in decided:
        created.append(created_at)
        days.append((resolved_at - created_at).total_seconds() / SECONDS_PER_DAY)
        reason_of.append(reason)
    for period, block in zip(periods, figures):
        first = 0 if period.start is None else bisect_left(created, period.start)
        last = bisect_left(created, period.end)
        by_reason = {value: [] for value, _ in reasons}
        for n in range(first, last):
            by_reason[reason_of[n]].append(days[n])
        block["bias_reports"]["median_days_to_decision"] = _median_days(days[first:last])
        for counts in block["bias_reports"]["by_reason"]:
            counts["median_days_to_decision"] = _median_days(by_reason[counts["reason"]])

    corrections = counted(Correction.objects.public(now), "date", periods, ["kind"],
                          upheld=Q(bias_report__status=BiasReport.Status.UPHELD))
    for row in corrections:
        for i, block in indexed:
            block["corrections"]["total"] += row[f"p{i}"]
            block["corrections"][row["kind"]] += row[f"p{i}"]
            block["corrections"]["after_upheld_bias_report"] += row[f"upheld{i}"]

    # Blocks other apps keep (comments: their moderation), in the same way.
    for contribute in hooks.transparency_figures:
        name, values = contribute(periods, now)
        for block, value in zip(figures, values):
            block[name] = value
    return figures

