"""Bar charts drawn on the server as <svg>: no script, no style attribute (the CSP is strict).

Colours come from classes in static/css/app.css (`c-<series>`); every bar carries a <title>
with its label and value (a tooltip, and what a screen reader reads), and the table next to each
chart holds the same figures.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH = 320  # the viewBox width: about a phone's column, so text reads at its set size there


@dataclass
class Series:
    name: str
    css: str  # the colour class suffix: c-<css>
    values: list


@dataclass
class Chart:
    title: str
    labels: list  # one per column or bar group
    series: list = field(default_factory=list)
    percent: bool = False  # values are percentages (0–100; None: no data)
    columns: bool = False  # stacked columns along x (months) instead of horizontal bars

    @property
    def empty(self):
        """Nothing to draw: no value at all, or (counts) only zeros; 0% is a figure."""
        values = [v for s in self.series for v in s.values if v is not None]
        return not values if self.percent else not any(values)

    def svg(self):
        if self.empty:
            return format_html(
                '<p class="chart-empty muted">{}</p>', _("Belum ada data untuk grafik ini.")
            )
        return stacked_columns(self) if self.columns else horizontal_bars(self)

    def legend(self):
        return legend(self)


def _nice_ceiling(value):
    """The smallest of 1, 2, 5 × 10^k at or above value (the top of the axis)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _number(value, percent=False):
    if value is None:
        return "—"
    if percent:
        return f"{number_format(value, 1)}%"  # as the tables show it, in the page's language
    return str(value)


def _f(value):
    """A coordinate, short: 12.5 rather than 12.500000001."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(chart, height, body):
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        chart.title,
        chart.title,
        body,
    )


def stacked_columns(chart):
    """One column per label (a month), its series stacked (categories)."""
    left, right, top, bottom, height = 30, 4, 8, 22, 200
    plot_height = height - top - bottom
    totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))]
    peak = _nice_ceiling(max(totals))
    step = (WIDTH - left - right) / len(chart.labels)
    parts = []
    steps = peak if peak <= 5 else 5  # whole numbers on the axis: 1, 2, 5 or peak / 5 each
    for tick in range(steps + 1):
        y = top + plot_height * (1 - tick / steps)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                WIDTH - right,
                _f(y),
                _f(y),
                left - 4,
                _f(y + 4),
                _number(peak * tick // steps),
            )
        )
    every = math.ceil(len(chart.labels) / 8)
    for i, label in enumerate(chart.labels):
        x = left + i * step + step * 0.15
        base = top + plot_height
        for series in chart.series:
            value = series.values[i] or 0
            if not value:
                continue
            bar = plot_height * value / peak
            base -= bar
            parts.append(
                format_html(
                    '<rect class="c-{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{} · {}: {}</title></rect>",
                    series.css,
                    _f(x),
                    _f(base),
                    _f(step * 0.7),
                    _f(bar),
                    label,
                    series.name,
                    _number(value),
                )
            )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _f(x + step * 0.35),
                    height - 6,
                    _short(label),
                )
            )
    return _svg(chart, height, mark_safe("".join(parts)))  # noqa: S308 (each part is escaped)


def _short(label):
    """'Januari 2026' → 'Jan 26' under a narrow column."""
    words = str(label).split()
    if len(words) == 2 and words[1].isdigit():
        return f"{words[0][:3]} {words[1][-2:]}"
    return label


def horizontal_bars(chart):
    """One group per label (an area, a category), one bar per series, the value at its end."""
    label_height, bar_height, gap, value_room = 16, 12, 8, 50
    group = label_height + bar_height * len(chart.series) + gap
    height = group * len(chart.labels) + 4
    peak = (
        100 if chart.percent else _nice_ceiling(max(v or 0 for s in chart.series for v in s.values))
    )
    room = WIDTH - value_room
    parts = []
    for i, label in enumerate(chart.labels):
        y = i * group
        parts.append(format_html('<text class="chart-label" x="0" y="{}">{}</text>', y + 11, label))
        for n, series in enumerate(chart.series):
            value = series.values[i]
            top = y + label_height + n * bar_height
            length = room * (value or 0) / peak
            parts.append(
                format_html(
                    '<rect class="chart-track" x="0" y="{}" width="{}" height="{}"/>'
                    '<rect class="c-{}" x="0" y="{}" width="{}" height="{}">'
                    "<title>{} · {}: {}</title></rect>"
                    '<text class="chart-value" x="{}" y="{}">{}</text>',
                    top,
                    room,
                    bar_height - 2,
                    series.css,
                    top,
                    _f(length),
                    bar_height - 2,
                    label,
                    series.name,
                    _number(value, chart.percent),
                    _f(room + 4),
                    top + bar_height - 3,
                    _number(value, chart.percent),
                )
            )
    return _svg(chart, height, mark_safe("".join(parts)))  # noqa: S308 (each part is escaped)


def legend(chart):
    """The series' names with their colours, as HTML under the chart (several series only)."""
    if len(chart.series) < 2:
        return ""
    items = format_html_join(
        "", '<li><span class="swatch c-{}"></span>{}</li>', ((s.css, s.name) for s in chart.series)
    )
    return format_html('<ul class="chart-legend">{}</ul>', items)
