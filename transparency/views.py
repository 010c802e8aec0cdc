from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.views.generic import TemplateView

from articles.models import Correction

from . import figures
from .charts import Series, bar_chart, column_chart

INVOLVEMENT_SERIES = [
    Series("none", "Written by people", "chart-s1"),
    Series("assisted", "AI-assisted", "chart-s2"),
    Series("generated", "AI-generated", "chart-s3"),
]
OUTCOME_SERIES = [
    Series("upheld", "Upheld", "chart-s4"),
    Series("dismissed", "Dismissed", "chart-s1"),
    Series("open", "Still open", "chart-s5"),
]
CORRECTION_SERIES = [
    Series(Correction.Kind.CORRECTION, "Corrections", "chart-s4"),
    Series(Correction.Kind.CLARIFICATION, "Clarifications", "chart-s3"),
    Series(Correction.Kind.EDITORS_NOTE, "Editor's notes", "chart-s1"),
]
COMMENT_SERIES = [
    Series("approved", "Approved", "chart-s2"),
    Series("held", "Held for review", "chart-s5"),
    Series("hidden", "Hidden", "chart-s4"),
]


def _columns(months, pick):
    """(short label, year shown under it, full label, values) for each month."""
    columns = []
    for index, month in enumerate(months):
        start = timezone.localtime(month["start"])
        label = date_format(date(start.year, start.month, 1), "M")
        # The year under each January and the first month; a December first
        # leaves it to the January beside it, which has no room to spare.
        year = str(start.year) if start.month == 1 or (index == 0 and start.month < 12) else ""
        columns.append((label, year, month["label"], pick(month)))
    return columns


def _personas(periods):
    """One row per AI persona: its stories in each total (last 12 months, all time)."""
    rows = {}
    for index, period in enumerate(periods):
        for persona in period["ai_personas"]:
            row = rows.setdefault(persona["slug"], {"name": persona["name"],
                                                   "slug": persona["slug"],
                                                   "counts": [0] * len(periods)})
            row["counts"][index] = persona["stories"]
    return sorted(rows.values(), key=lambda row: row["name"].casefold())


class TransparencyReportView(TemplateView):
    """The newsroom's public record, month by month (DESIGN.md section 4)."""

    template_name = "transparency/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        periods = figures.compute(figures.recent_periods(now), now)
        months, totals = periods[:figures.MONTHS_SHOWN], periods[figures.MONTHS_SHOWN:]
        span = f"{months[0]['label']} to {months[-1]['label']}"
        last_12 = totals[0]
        context.update({
            "now": now,
            "time_zone": settings.TIME_ZONE,
            "span": span,
            "months": months,
            "totals": totals,
            "personas": _personas(totals),
            "stories_chart": column_chart(
                "chart-stories",
                f"Stories published each month by AI involvement, {span}",
                _columns(months, lambda m: m["stories"]["by_ai_involvement"]),
                INVOLVEMENT_SERIES),
            "reports_chart": column_chart(
                "chart-reports",
                f"Bias reports received each month by outcome, {span}",
                _columns(months, lambda m: {k: m["bias_reports"][k]
                                            for k in figures.OUTCOMES}),
                OUTCOME_SERIES),
            "reasons_chart": bar_chart(
                "chart-reasons",
                f"Bias reports received in the last 12 months by reason and outcome, {span}",
                [(reason["label"], {k: reason[k] for k in figures.OUTCOMES})
                 for reason in last_12["bias_reports"]["by_reason"]],
                OUTCOME_SERIES),
            "corrections_chart": column_chart(
                "chart-corrections",
                f"Corrections, clarifications and editor's notes each month, {span}",
                _columns(months, lambda m: {k: m["corrections"][k]
                                            for k in figures.CORRECTION_KINDS}),
                CORRECTION_SERIES),
            "comments_chart": column_chart(
                "chart-comments",
                f"Comments received each month by moderation status, {span}",
                _columns(months, lambda m: {k: m["comments"][k]
                                            for k in ("approved", "held", "hidden")}),
                COMMENT_SERIES),
        })
        return context
