"""Server-drawn SVG charts: no chart library, nothing from a CDN, readable when printed.

Every chart has a value axis with round ticks and gridlines, labels that fit (never clipped at the edges), each
bar's figure on hover (an SVG <title>) and, in the template, the same figures in a table beneath. A long range's
days are summed per week or per month so that the bars stay readable."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from pos.core.formatting import format_count
from pos.core.i18n import current_language

DAYS_AT_MOST = 62  # up to two months: a bar a day
WEEKS_AT_MOST = 27 * 7  # up to half a year: a bar a week; longer: a bar a month


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under the bar (or beside it)
    title: str  # what the bar is, in full: the hover text and the table's first column
    value: int


@dataclass
class Tick:
    y: float
    label: str


def compact(value: int) -> str:
    """A figure of the axis, short: 1,5 tr / 1.5M."""
    vietnamese = current_language() == "vi"
    for size, vi, en in ((10**9, " tỷ", "B"), (10**6, " tr", "M"), (10**3, " N", "k")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return (text.replace(".", ",") + vi) if vietnamese else text + en
    return str(value)


def _nice_top(top: int) -> tuple[int, int]:
    """The axis maximum (≥ top) and its tick step, from 1, 2, 2.5 or 5 × a power of ten; four or five ticks."""
    if top <= 0:
        return 4, 1
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw:
            break
    step = max(1, int(step))
    return step * math.ceil(top / step), step


def bucket(series: list[tuple[date, int]]) -> tuple[str, list[tuple[date, date, int]]]:
    """Days summed to fit the range: ("day" | "week" | "month", [(first day, last day, value)])."""
    if len(series) <= DAYS_AT_MOST:
        return "day", [(day, day, value) for day, value in series]
    groups: dict[date, list] = {}
    unit = "week" if len(series) <= WEEKS_AT_MOST else "month"
    first = series[0][0]
    for day, value in series:
        key = first + timedelta(days=(day - first).days // 7 * 7) if unit == "week" else day.replace(day=1)
        group = groups.setdefault(key, [day, day, 0])
        group[1] = day
        group[2] += value
    return unit, [tuple(group) for group in groups.values()]


def _day(d: date) -> str:
    return d.strftime("%d/%m")


def time_chart(series: list[tuple[object, int]], hourly: bool = False, width: int = 900, height: int = 260) -> dict:
    """Revenue over time: per hour (keys 0..23), or per day, week or month (keys are dates)."""
    if hourly:
        unit, points = "hour", [(f"{h}h", f"{h}:00–{h}:59", value) for h, value in series]
    else:
        unit, spans = bucket(series)
        points = []
        for first, last, value in spans:
            if unit == "day":
                points.append((_day(first), first.strftime("%d/%m/%Y"), value))
            elif unit == "week":
                points.append((_day(first), f"{first.strftime('%d/%m')} – {last.strftime('%d/%m/%Y')}", value))
            else:
                points.append((first.strftime("%m/%Y"), first.strftime("%m/%Y"), value))
    return _columns(points, unit, width, height)


UNIT_TITLES = {
    "hour": lambda: _("Revenue per hour"),
    "day": lambda: _("Revenue per day"),
    "week": lambda: _("Revenue per week"),
    "month": lambda: _("Revenue per month"),
}


def _columns(points: list[tuple[str, str, int]], unit: str, width: int, height: int) -> dict:
    left, right, top_margin, bottom = 64, 8, 12, 28
    plot_width, plot_height = width - left - right, height - top_margin - bottom
    top, step = _nice_top(max([value for _label, _title, value in points] + [0]))
    slot = plot_width / max(1, len(points))
    bars = []
    for i, (label, title, value) in enumerate(points):
        bar_height = plot_height * max(value, 0) / top
        bars.append(
            Bar(
                x=left + i * slot + slot * 0.15,
                y=top_margin + plot_height - bar_height,
                width=max(1.0, slot * 0.7),
                height=bar_height,
                label=label,
                title=title,
                value=value,
            )
        )
    ticks = [
        Tick(y=top_margin + plot_height - plot_height * v / top, label=compact(v)) for v in range(0, top + 1, step)
    ]
    label_room = 44 if unit != "month" else 52  # px a date label needs
    return {
        "kind": "columns",
        "bars": bars,
        "ticks": ticks,
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top_margin + plot_height,
        "label_y": height - 9,
        "label_every": max(1, math.ceil(label_room / slot)),
        "title": UNIT_TITLES[unit](),
        "unit": unit,
        "highest": max([value for _label, _title, value in points] + [0]),
    }


def ranking_chart(rows: list[tuple[str, int]], title: str, width: int = 900, most: int = 10) -> dict:
    """Horizontal bars for a breakdown: the `most` biggest by value, the rest summed as one bar."""
    rows = sorted(rows, key=lambda r: r[1], reverse=True)
    if len(rows) > most:
        rest = rows[most - 1 :]
        other = _("Other (%(count)s)", count=format_count(len(rest)))
        rows = [*rows[: most - 1], (other, sum(value for _name, value in rest))]
    label_width, right, bar_height, gap, top_margin, axis = 260, 150, 22, 8, 4, 22
    plot_width = width - label_width - right
    top, step = _nice_top(max([value for _name, value in rows] + [0]))
    height = top_margin + len(rows) * (bar_height + gap) + axis
    bars = [
        Bar(
            x=label_width,
            y=top_margin + i * (bar_height + gap),
            width=plot_width * max(value, 0) / top,
            height=bar_height,
            label=name if len(name) <= 38 else name[:37] + "…",
            title=name,
            value=value,
        )
        for i, (name, value) in enumerate(rows)
    ]
    ticks = [Tick(y=label_width + plot_width * v / top, label=compact(v)) for v in range(0, top + 1, step)]
    return {
        "kind": "ranking",
        "bars": bars,
        "ticks": ticks,  # Tick.y is the x position here
        "width": width,
        "height": height,
        "left": label_width,
        "baseline": height - axis,
        "label_y": height - 6,
        "title": title,
    }
