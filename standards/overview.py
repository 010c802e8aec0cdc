"""The moderation desk's front page (/admin/moderation/): what waits, and where reports land.

The comment queues come from comments through core.hooks.moderation_queues;
standards adds its own bias-report queue and the chart.
"""

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Min
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from core import hooks

from .models import BiasReport

CHART_DAYS = 30
# The chart's box, in viewBox units: narrow, so that its labels stay legible
# when it shrinks to a 390-pixel phone (the CSS sets width: 100%).
CHART_WIDTH = 320
ROW_HEIGHT = 38
BAR_HEIGHT = 14
FONT = 12
VALUE_ROOM = 36


def _chart(rows):
    """Bars for (name, is_ai, count) rows, AI personas and people apart, on one scale.

    Each author's name sits above their bar, so a long name never squeezes it.
    """
    top = max((r["n"] for r in rows), default=0) or 1
    bar_space = CHART_WIDTH - VALUE_ROOM
    charts = []
    for title, is_ai in (("AI personas", True), ("Human authors", False)):
        bars = []
        for index, row in enumerate(r for r in rows if r["is_ai"] == is_ai):
            y = index * ROW_HEIGHT
            width = max(2, round(bar_space * row["n"] / top))
            bars.append({"name": row["name"], "count": row["n"], "label_y": y + FONT,
                         "bar_y": y + FONT + 5, "width": width, "value_x": width + 5,
                         "value_y": y + FONT + 5 + round(BAR_HEIGHT * 0.8)})
        charts.append({"title": title, "bars": bars, "is_ai": is_ai,
                       "height": len(bars) * ROW_HEIGHT + 2})
    return charts


def moderation_overview(request):
    """Every queue's size and oldest item, and bias reports per author over CHART_DAYS."""
    if not (request.user.has_perm("comments.view_comment")
            or request.user.has_perm("standards.view_biasreport")):
        raise PermissionDenied
    now = timezone.now()
    since = now - timedelta(days=CHART_DAYS)
    open_reports = BiasReport.objects.open()
    rows = list(
        BiasReport.objects.filter(created_at__gte=since)
        .values(name=F("article__author__name"), is_ai=F("article__author__is_ai"))
        .annotate(n=Count("pk")).order_by("-n", "name")
    )
    open_items = [
        *(item for queues in hooks.moderation_queues for item in queues()),
        {"label": "Open bias reports", "count": open_reports.count(),
         "oldest": open_reports.aggregate(at=Min("created_at"))["at"],
         "url": reverse("moderation-bias-reports"), "permission": "standards.view_biasreport"},
    ]
    for item in open_items:
        # Everyone on the desk sees how much waits; each links only where they may go.
        permission = item.get("permission")
        item["linked"] = not permission or request.user.has_perm(permission)
    context = {
        **admin.site.each_context(request),
        "title": "Moderation desk",
        "open_items": open_items,
        "charts": _chart(rows),
        "chart_days": CHART_DAYS,
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
    }
    return TemplateResponse(request, "admin/moderation_overview.html", context)
