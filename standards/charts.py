"""Chart geometry for server-rendered SVG: numbers in, boxes and labels out.

Charts are as wide as the text column at every screen width, and their text
is never scaled: across, everything is a percentage of the chart's width;
down, everything is in CSS pixels. (A viewBox would scale the text with the
width: a chart legible at 320 pixels would have letters twice as tall at
640.) Colours come from CSS classes (transparency.css), so charts follow
dark mode and print.
"""

import math
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma

FONT = 12  # CSS pixels: values and axis labels; month names are 11 (transparency.css)


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str  # chart-s1 ... chart-s5 in transparency.css
    one: str = ""  # the label for a count of one, where it differs ("Correction")

    def counted(self, n):
        """n of this series as a sentence says it: "1 correction", "2 corrections"."""
        return f"{grouped(n)} {in_sentence(self.one if n == 1 and self.one else self.label)}"


def _num(value):
    """A coordinate in pixels as SVG text: at most one decimal, no localisation."""
    return f"{round(value, 1):g}"


def _pct(value):
    """A coordinate across, in percent of the chart's width, as SVG text."""
    return f"{round(value, 2):g}%"


def _tenths(value):
    """A number to one decimal, without a decimal that is 0: 1.2, 1."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def compact(n):
    """A count short enough for a label: 950, 1.2k, 12k, 1M, 1.5M, 12M."""
    if n < 1000:
        return str(n)
    if n < 10_000:
        return _tenths(n / 1000) + "k"
    if n < 999_500:  # rounded to thousands, 999,500 and more would read "1000k"
        return f"{round(n / 1000)}k"
    if n < 9_950_000:  # and these "10.0M"
        return _tenths(n / 1_000_000) + "M"
    return f"{round(n / 1_000_000)}M"


def grouped(n):
    """A count with its thousands separated, as the report's tables write it: 1,000,033."""
    return intcomma(n)


def in_sentence(label):
    """A series label as it reads inside a sentence: "Upheld" is "upheld", but "AI-assisted"
    keeps its capitals, as the table and the legend write it."""
    first = label.split(" ", 1)[0]
    if any(char.isupper() for char in first[1:]):
        return label  # an initialism (AI, BBC) keeps its case
    return label[:1].lower() + label[1:]


def _scale(top):
    """A round axis maximum at or above `top`, and its tick step (at most 4 steps)."""
    top = max(top, 1)
    magnitude = 10 ** max(0, math.floor(math.log10(top)) - 1)
    for base in (1, 2, 5, 10, 20, 50, 100):
        step = base * magnitude
        if math.ceil(top / step) <= 4:
            return math.ceil(top / step) * step, step
    raise AssertionError("unreachable: 100 * magnitude always fits")


def column_chart(chart_id, title, columns, series):
    """Stacked columns, one a period: columns are (label, year or "", full label, {key: n}).

    Across, in percent: the axis labels end at `left`, the columns share the
    rest. Down, in pixels.
    """
    left, right = 9, 99  # percent of the width
    height, top_pad, bottom = 184, 18, 36  # pixels
    plot_h = height - top_pad - bottom
    axis_max, step = _scale(max((sum(values.values()) for *_, values in columns), default=0))
    slot = (right - left) / max(1, len(columns))
    bar_w = slot * 0.66
    baseline = top_pad + plot_h
    grid = [{"y": _num(baseline - plot_h * tick / axis_max), "label": compact(tick),
             "label_y": _num(baseline - plot_h * tick / axis_max + FONT * 0.35)}
            for tick in range(0, axis_max + 1, step)]
    bars = []
    for index, (label, year, full_label, values) in enumerate(columns):
        x = left + slot * index + (slot - bar_w) / 2
        y = baseline
        segments = []
        for s in series:
            value = values.get(s.key, 0)
            if value:
                h = plot_h * value / axis_max
                y -= h
                segments.append({"y": _num(y), "height": _num(h), "css": s.css})
        total = sum(values.values())
        bars.append({
            "x": _pct(x), "width": _pct(bar_w), "center": _pct(x + bar_w / 2),
            "segments": segments, "total": compact(total) if total else "",
            "total_y": _num(y - 4),
            "label": label, "year": year,
            "title": f"{full_label}: " + ", ".join(
                s.counted(values.get(s.key, 0)) for s in series),
        })
    return {
        "id": chart_id, "title": title, "height": height,
        "left": _pct(left), "right": _pct(right), "baseline": _num(baseline),
        "label_y": _num(baseline + FONT + 4), "year_y": _num(baseline + 2 * FONT + 8),
        "grid": grid, "bars": bars, "legend": series,
    }


def bar_chart(chart_id, title, rows, series):
    """Stacked horizontal bars with their labels above: rows are (label, {key: n}).

    The longest bar ends at `plot_w` percent, leaving room for its total.
    """
    row_h, bar_h = 38, 14  # pixels
    plot_w = 86  # percent
    top_pad = 4
    axis_max = max((sum(values.values()) for _, values in rows), default=0) or 1
    bars = []
    for index, (label, values) in enumerate(rows):
        y = top_pad + index * row_h
        x = 0
        segments = []
        for s in series:
            value = values.get(s.key, 0)
            if value:
                w = plot_w * value / axis_max
                segments.append({"x": _pct(x), "width": _pct(w), "css": s.css})
                x += w
        total = sum(values.values())
        bars.append({
            "label": label, "label_y": _num(y + FONT), "bar_y": _num(y + FONT + 5),
            "height": bar_h, "segments": segments, "total": compact(total),
            "total_x": _pct(x), "total_y": _num(y + FONT + 5 + bar_h * 0.8),
            "title": f"{label}: " + ", ".join(
                s.counted(values.get(s.key, 0)) for s in series),
        })
    return {
        "id": chart_id, "title": title,
        "height": top_pad + len(rows) * row_h + 2, "bars": bars, "legend": series,
    }
