"""Counting rows per period in one query, for reports that show months side by side.

Each period is one COUNT with a filter, so a report's number of queries is
fixed whatever the size of the archive.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q


@dataclass(frozen=True)
class Period:
    """A span counted as one: [start, end), start None meaning since the beginning."""

    key: str
    label: str
    start: datetime | None
    end: datetime

    def q(self, field):
        """The rows whose `field` falls in this period."""
        q = Q(**{f"{field}__lt": self.end})
        if self.start is not None:
            q &= Q(**{f"{field}__gte": self.start})
        return q

    def __contains__(self, moment):
        return (self.start is None or moment >= self.start) and moment < self.end


def counted(queryset, field, periods, group_by, **extra):
    """Rows of `group_by` values with one count per period (p0, p1, ...), in one query.

    Each keyword adds a count per period of the rows that also match its Q
    (`upheld=Q(...)` gives upheld0, upheld1, ...).
    """
    annotations = {f"p{i}": Count("pk", filter=period.q(field))
                   for i, period in enumerate(periods)}
    for name, condition in extra.items():
        annotations.update({f"{name}{i}": Count("pk", filter=period.q(field) & condition)
                            for i, period in enumerate(periods)})
    return (queryset.filter(outer(periods, field)).order_by().values(*group_by)
            .annotate(**annotations))


def outer(periods, field):
    """The span covering all periods, so that the database can skip other rows."""
    span = Q(**{f"{field}__lt": max(p.end for p in periods)})
    if all(p.start is not None for p in periods):
        span &= Q(**{f"{field}__gte": min(p.start for p in periods)})
    return span


def share(part, whole):
    """part as a percentage of whole, to one decimal; None when whole is 0."""
    return round(100 * part / whole, 1) if whole else None
