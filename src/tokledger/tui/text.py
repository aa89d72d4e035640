"""Text charts and short numbers for panels a few dozen columns wide: eighth-block sparklines and bars,
six-character token counts, durations, ages, and names cut to fit."""

from __future__ import annotations

import re
from datetime import datetime

from tokledger.reports import Totals
from tokledger.reports.format import printable
from tokledger.reports.render import fmt_cost

LEVELS = " ▁▂▃▄▅▆▇█"
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def compact(n: float) -> str:
    """1234 → 1.2K, 12_345_678 → 12.3M: at most six characters."""
    if abs(n) < 999.5:
        return f"{n:,.0f}" if isinstance(n, int) or abs(n) >= 100 else f"{n:.1f}"
    value = float(n)
    for unit in ("K", "M", "B", "T"):
        value /= 1000
        text = f"{value:.1f}" if abs(value) < 99.95 else f"{value:.0f}"
        if abs(float(text)) < 1000 or unit == "T":
            return text + unit
    raise AssertionError("unreachable")


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def per_hour(cost: str) -> str:
    """``$3.21*`` → ``$3.21/h*``: the unpriced marker stays last."""
    if cost == "unpriced":
        return cost
    return cost[:-1] + "/h*" if cost.endswith("*") else cost + "/h"


def age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def columns(values: list[int], width: int) -> list[int]:
    """Daily values spread over exactly ``width`` columns: a day spans one or more columns when there is
    room; otherwise a column shows the mean of the days it covers (so every column is on the same scale)."""
    n = len(values)
    if not n or width <= 0:
        return []
    if n <= width:
        return [values[i * n // width] for i in range(width)]
    out = []
    for i in range(width):
        chunk = values[i * n // width : (i + 1) * n // width]
        out.append(round(sum(chunk) / len(chunk)))
    return out


def sparkline(values: list[int], top: int, height: int = 1) -> list[str]:
    """Rows (top row first) of a bar-per-column chart; any non-zero value shows at least one eighth."""
    levels = [0 if v <= 0 or top <= 0 else max(1, round(v / top * height * 8)) for v in values]
    return [
        "".join(LEVELS[min(8, max(0, lv - (height - 1 - r) * 8))] for lv in levels) for r in range(height)
    ]


def bar(value: float, top: float, width: int) -> str:
    if value <= 0 or top <= 0 or width <= 0:
        return " " * max(0, width)
    eighths = max(1, round(value / top * width * 8))
    full, rest = divmod(min(eighths, width * 8), 8)
    return ("█" * full + (BAR_EIGHTHS[rest] if rest else "")).ljust(width)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns; control characters (a log's escape sequences) removed first."""
    text = printable(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def short_paths(text: str) -> str:
    """Absolute paths cut to their last part: a narrow panel keeps the file name and the problem."""
    return re.sub(r"(?<![\w.])/(?:[^\s/:]+/)+([^\s/:]+)", r"…/\1", text)


def fit_model(model: str, width: int) -> str:
    """A model name in ``width`` columns: without a trailing ``-YYYYMMDD`` release date if that is enough."""
    if len(model) > width:
        model = re.sub(r"-\d{8}$", "", model)
    return fit(model, width)


def whole_dollars(t: Totals) -> str:
    """Like :func:`fmt_cost` without the cents, for a narrow column."""
    text = fmt_cost(t)
    return text if text == "unpriced" else f"${t.cost_usd_priced:,.0f}" + ("*" if t.unpriced_requests else "")
