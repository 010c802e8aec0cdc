"""Query expressions the apps share."""

from django.db.models import Func, IntegerField, Subquery


def count_of(queryset):
    """How many rows `queryset` has, as a subquery: no extra query, no GROUP BY outside.

    Counting through a join groups every row of the outer table with its
    related rows before a page of them is shown; at a million comments that
    took the moderation desk 14 seconds. A correlated subquery counts only
    the rows a page shows, through the related table's index.

    COUNT(*), not COUNT(id): an index that covers the filter then answers
    alone. Counting ids made PostgreSQL read every counted row from the
    table for its id: the authors' list took 400 ms at 100,000 stories, 45
    with COUNT(*).
    """
    return Subquery(queryset.order_by()
                    .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
                    .values("n"))
