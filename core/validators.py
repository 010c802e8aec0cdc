"""Checks on what editors and imports may store, shared by the apps' models."""

from django.core.exceptions import ValidationError

# The years a time given by hand or in an import may fall in. Python's dates
# end at the years 1 and 9999, and a time near either end moved into another
# time zone, or to the end of its month, falls off the calendar: a story
# imported as published on 0001-01-01 (what some systems write for "no date")
# made every page that shows it fail, once the site ran west of UTC.
EARLIEST_YEAR, LATEST_YEAR = 1000, 9000


def within_calendar(moment):
    """Refuse a time too near either end of the calendar to be shown in every time zone."""
    if moment is None or EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return
    hint = (" Some systems write 0001-01-01 for “no date”: leave the time out instead."
            if moment.year < EARLIEST_YEAR else "")
    raise ValidationError(
        "Give a time between the years %(earliest)d and %(latest)d; this one is in "
        "%(year)d.%(hint)s", code="out_of_calendar",
        params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR, "year": moment.year,
                "hint": hint})
