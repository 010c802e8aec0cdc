"""How /transparency/ lays out its tables: quiet months folded, equal totals shown once.

Plain functions over the data figures.compute() returns, testable without a
database. They only choose rows; every figure stays as computed (the JSON
export reads the same data untouched). A folded row stands for months in
which nothing at all was counted, and says so, so a reader can tell a zero
from a month left out.
"""

from datetime import date

from django.utils.formats import date_format

BOTH_TOTALS = "Last 12 months and all time"


def is_quiet(block):
    """Whether nothing was counted in a block: every number in it is 0 or None."""
    if isinstance(block, dict):
        return all(is_quiet(value) for value in block.values())
    if isinstance(block, list | tuple):
        return all(is_quiet(value) for value in block)
    if isinstance(block, bool) or not isinstance(block, int | float):
        return True  # labels and keys; a count is never a bool
    return block == 0


def _month(period):
    year, month = period["key"].split("-")
    return date(int(year), int(month), 1)


def span_label(first, last):
    """'March 2026', 'April to December 2025' or 'November 2025 to February 2026'."""
    if first is last:
        return first["label"]
    start, end = _month(first), _month(last)
    if start.year == end.year:
        return f"{date_format(start, 'F')} to {last['label']}"
    return f"{first['label']} to {last['label']}"


def month_rows(months, name):
    """One row per month of block `name`, each run of quiet months folded into one row.

    A row is {"label", "figures": the month's figures or None when folded,
    "months": how many months it stands for}.
    """
    rows, run = [], []

    def fold():
        if run:
            rows.append({"label": span_label(run[0], run[-1]), "figures": None,
                         "months": len(run)})
            run.clear()

    for month in months:
        if is_quiet(month[name]):
            run.append(month)
        else:
            fold()
            rows.append({"label": month["label"], "figures": month, "months": 1})
    fold()
    return rows


def same_totals(totals, *names):
    """Whether the last 12 months and all time agree on every block named.

    All time holds the last 12 months, so they agree exactly when nothing of
    those blocks was counted before the 12 months began.
    """
    last_12, all_time = totals
    return all(last_12[name] == all_time[name] for name in names)


def total_rows(totals, *names):
    """The totals of the blocks named: both, or one row when they are the same.

    A row is {"key", "label", "figures"}; the one row shows all time's figures.
    """
    if same_totals(totals, *names):
        return [{"key": "both-totals", "label": BOTH_TOTALS, "figures": totals[-1]}]
    return [{"key": total["key"], "label": total["label"], "figures": total}
            for total in totals]


BLOCKS = ["stories", "bias_reports", "corrections", "comments"]


def tables(months, totals):
    """For each block: its month rows (quiet runs folded) and its total rows."""
    return {name: {"months": month_rows(months, name), "totals": total_rows(totals, name)}
            for name in BLOCKS}
