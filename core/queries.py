"""Query expressions the apps share."""

from django.db.models import F, Func, Subquery


def count_of(queryset):
    """How many rows `queryset` has, as a subquery: no extra query, no GROUP BY outside.

    Counting through a join groups every row of the outer table with its
    related rows before a page of them is shown; at a million comments that
    took the moderation desk 14 seconds. A correlated subquery counts only
    the rows a page shows, through the related table's index.
    """
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))
