"""Line charts in text for the trend panel: braille dots (2 × 4 per cell), one line per series in its own
colour, the scale on the left (the maximum at the top, 0 at the bottom) and day ticks along the bottom.

Stretches where a model was idle are not drawn (so the baseline does not pile up the lines of every
model). A range with more days than the chart has dot columns is drawn with one point per group of days, each
the mean of its days; :attr:`LineChart.per_point` says how many, so the panel can say so. A day cursor
shades its column and names its day on the axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.text import Text

BRAILLE = 0x2800
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column] of a cell's 2 × 4 dots
CURSOR = "on grey30"


def per_point(days: int, columns: int) -> int:
    """Days per point when ``days`` are drawn on ``columns`` dot columns."""
    return max(1, math.ceil(days / max(1, columns)))


def means(values: Sequence[float], k: int) -> list[float]:
    return [sum(values[i : i + k]) / len(values[i : i + k]) for i in range(0, len(values), k)]


@dataclass
class LineChart:
    rows: list[Text]
    axis: Text
    per_point: int


def _line(x0: int, y0: int, x1: int, y1: int):
    """The dots from (x0, y0) to (x1, y1) (Bresenham)."""
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while True:
        yield x0, y0
        if x0 == x1 and y0 == y1:
            return
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy


def line_chart(series: Sequence[tuple[Sequence[float], str]], days: Sequence[date], *, width: int, height: int,
               label: Callable[[float], str], cursor: int | None = None) -> LineChart:  # fmt: skip
    """A chart ``width`` cells wide with ``height`` rows of dots, plus its axis line. ``series``: (a value per
    day, style); ``label`` formats the scale; ``cursor``: the index of a day to mark."""
    n = len(days)
    top_value = max((v for values, _ in series for v in values), default=0)
    scale_w = max(len(label(top_value)), 1)
    plot_w = max(1, width - scale_w - 1)
    k = per_point(n, plot_w * 2)
    points = [(means(values, k), style) for values, style in series]
    m = math.ceil(n / k) if n else 0
    top = max((v for values, _ in points for v in values), default=0)
    xdots, ydots = plot_w * 2, height * 4

    def x_of(p: int) -> int:
        return round(p * (xdots - 1) / (m - 1)) if m > 1 else xdots // 2

    cells = [[0] * plot_w for _ in range(height)]
    styles: list[list[str | None]] = [[None] * plot_w for _ in range(height)]
    for values, style in reversed(points):  # the first series drawn last: its colour wins a shared cell
        ys = [ydots - 1 - (round(v / top * (ydots - 1)) if top > 0 else 0) for v in values]
        pts = [(x_of(p), y) for p, y in enumerate(ys)]
        for p, ((x0, y0), (x1, y1)) in enumerate(zip(pts, pts[1:] or pts, strict=False)):
            if not values[p] and not values[min(p + 1, len(values) - 1)]:
                continue  # idle days stay off the baseline, so the lines of several models do not pile up there
            for x, y in _line(x0, y0, x1, y1):
                cells[y // 4][x // 2] |= DOTS[y % 4][x % 2]
                styles[y // 4][x // 2] = style
    mark = x_of(cursor // k) // 2 if cursor is not None and m else None
    rows = []
    for r in range(height):
        scale = label(top_value) if r == 0 else ("0" if r == height - 1 else "")
        line = Text(scale.rjust(scale_w) + ("┤" if scale else "│"), style="dim")
        for c in range(plot_w):
            style = styles[r][c] or ""
            if c == mark:
                style = f"{style} {CURSOR}".strip()
            line.append(chr(BRAILLE + cells[r][c]) if cells[r][c] else " ", style=style)
        rows.append(line)
    return LineChart(rows, _axis(days, k, m, x_of, plot_w, scale_w, mark, cursor), k)


def _axis(days, k, m, x_of, plot_w, scale_w, mark, cursor) -> Text:
    """The bottom line: ``MM-DD`` ticks spread along the chart, the cursor's day (bold) in place of those
    it covers."""
    chars = ["─"] * plot_w
    styles = ["dim"] * plot_w
    taken = [False] * plot_w

    def place(at: int, text: str, style: str) -> None:
        start = min(max(0, at - len(text) // 2), max(0, plot_w - len(text)))
        span = range(start, min(plot_w, start + len(text)))
        if any(taken[j] for i in span for j in (i - 1, i, i + 1) if 0 <= j < plot_w):
            return
        for i, ch in zip(span, text, strict=False):
            chars[i], styles[i], taken[i] = ch, style, True

    if cursor is not None and mark is not None:
        place(mark, f"{days[cursor]:%m-%d}", "bold")
    if m:
        count = max(2, plot_w // 10)
        for t in range(count):
            p = round(t * (m - 1) / (count - 1)) if m > 1 else 0
            place(x_of(p) // 2, f"{days[min(len(days) - 1, p * k)]:%m-%d}", "dim")
    text = Text(" " * scale_w + "└", style="dim")
    for ch, style in zip(chars, styles, strict=True):
        text.append(ch, style=style)
    return text
