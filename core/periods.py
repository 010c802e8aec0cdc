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


def shares(parts):
    """Each part as a percentage of their sum, to one decimal, adding up to exactly 100.0.

    Rounded each on its own, shares can add up to 99.9 or 100.1 (1, 1 and 1 are
    33.3 each); here each is rounded down to a tenth and the tenths left over go
    to the parts that lost the most by it (the largest remainder method). Of
    parts that lost as much, the smaller goes first (a tenth is more of it), so
    that equal parts keep equal shares where the tenths allow: 1, 1 and 4 are
    16.7, 16.7 and 66.6. Counted in whole tenths, so no float is off by a hair.
    All None when the sum is 0.
    """
    whole = sum(parts)
    if not whole:
        return [None] * len(parts)
    tenths = [1000 * part // whole for part in parts]
    left_over = 1000 - sum(tenths)
    by_remainder = sorted(range(len(parts)),
                          key=lambda i: (-(1000 * parts[i] % whole), parts[i], i))
    for i in by_remainder[:left_over]:
        tenths[i] += 1
    return [n / 10 for n in tenths]
