"""One month of the transparency report as JSON, for the newsroom's own records."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from standards import figures

# ASCII digits only: \d also matches other scripts' digits, and int() reads
# them, so "١٢٣٤-٠١" was taken for 1234-01.
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_month(value):
    """(year, month) from YYYY-MM, or CommandError saying what is wrong."""
    match = MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        digits = "" if value.isascii() else " in the digits 0-9"
        raise CommandError(f"--month must be a month as YYYY-MM{digits}, such as 2026-02; "
                           f'got "{value}".')
    return int(match[1]), int(match[2])


class Command(BaseCommand):
    help = ("Write one calendar month's transparency figures (in TIME_ZONE) as JSON, "
            "to stdout or to --output.")

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument("--output", help="Write to this file instead of stdout.")

    def handle(self, *args, month, output=None, **options):
        year, number = parse_month(month)
        now = timezone.now()
        today = timezone.localdate(now)
        if (year, number) > (today.year, today.month):
            raise CommandError(f"{year:04d}-{number:02d} has not begun yet: "
                               f"there is nothing to count.")
        try:
            period = figures.month_period(year, number)
        except ValueError:
            # January of the year 1 east of UTC begins, in UTC, before the
            # first day Python's dates hold: the query could not be written.
            raise CommandError(f"{year:04d}-{number:02d} cannot be counted in "
                               f"{settings.TIME_ZONE}: in UTC it reaches beyond the years "
                               f"1 to 9999 that dates can hold. Give "
                               f"{'a later' if year == 1 else 'an earlier'} month.") from None
        data = figures.compute([period], now)[0]
        document = {
            "month": period.key,
            "time_zone": settings.TIME_ZONE,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            # Outcomes and moderation are counted as they stand at this time.
            "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
            **{key: value for key, value in data.items()
               if key not in ("key", "label", "start", "end")},
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            self.stderr.write(f"Wrote the figures for {period.key} to {output}.")
        else:
            self.stdout.write(text, ending="")
