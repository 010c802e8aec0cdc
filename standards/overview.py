"""The moderators' overview page in the admin: what waits, and where reports land."""

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
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 180
CHART_WIDTH = 560


def _chart(rows):
    """Bars for (name, is_ai, count) rows, AI personas and people side by side."""
    groups = [("AI personas", [r for r in rows if r["is_ai"]]),
              ("Human authors", [r for r in rows if not r["is_ai"]])]
    top = max((r["n"] for r in rows), default=0) or 1
    bar_space = CHART_WIDTH - LABEL_WIDTH - 40
    charts = []
    for title, members in groups:
        bars = []
        for index, row in enumerate(members):
            y = index * (BAR_HEIGHT + BAR_GAP)
            bars.append({
                "name": row["name"], "count": row["n"], "y": y,
                "text_y": y + BAR_HEIGHT * 0.7,
                "width": max(2, round(bar_space * row["n"] / top)),
                "value_x": LABEL_WIDTH + max(2, round(bar_space * row["n"] / top)) + 6,
            })
        charts.append({"title": title, "bars": bars, "is_ai": title.startswith("AI"),
                       "height": max(1, len(members)) * (BAR_HEIGHT + BAR_GAP)})
    return charts


def moderation_overview(request):
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
    context = {
        **admin.site.each_context(request),
        "title": "Moderation overview",
        "open_items": [
            *(item for queues in hooks.moderation_queues for item in queues()),
            {"label": "Open bias reports", "count": open_reports.count(),
             "oldest": open_reports.aggregate(at=Min("created_at"))["at"],
             "url": reverse("admin:standards_biasreport_changelist") + "?state=open"},
        ],
        "charts": _chart(rows),
        "chart_days": CHART_DAYS,
        "label_width": LABEL_WIDTH,
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
    }
    return TemplateResponse(request, "admin/moderation_overview.html", context)
