"""Local days from UTC instants with integer arithmetic: a zone's UTC offsets as spans, and the SQL over them.

Offsets change at most a few times a year, so an instant's local day is ``(ms + offset) // day`` with the
offset of the span it falls in. Rollups keyed by UTC quarter-hour give exact local days for every zone
whose offsets, and the instants where they change, are whole quarter-hours (:func:`aligned`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from tokledger.ledger.dialect import SQLITE, Dialect

DAY_MS = 86_400_000
QUARTER_MS = 900_000


def offset_at(tz: ZoneInfo, ms: int) -> int:
    return int(datetime.fromtimestamp(ms / 1000, tz).utcoffset().total_seconds()) * 1000


def offset_spans(tz: ZoneInfo, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """The zone's UTC offsets over [start_ms, end_ms]: ``(from_ms, offset_ms)`` pairs, first from -inf.

    Each change is found by checking every half day and then bisecting to the second (zone rules change
    on whole seconds), so a report can bucket instants into local days with plain integer arithmetic.
    """
    spans = [(-(2**62), offset_at(tz, start_ms))]
    t = start_ms
    while t < end_ms:
        nxt = min(t + DAY_MS // 2, end_ms)
        if offset_at(tz, nxt) != spans[-1][1]:
            lo, hi = t, nxt  # offset(lo) is the current offset, offset(hi) another one
            while hi - lo > 1000:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset_at(tz, mid) == spans[-1][1] else (lo, mid)
            spans.append(((lo // 1000 + 1) * 1000, offset_at(tz, nxt)))
        t = nxt
    return spans


def aligned(spans: Sequence[tuple[int, int]]) -> bool:
    """True when every offset and every change of offset falls on a whole quarter-hour."""
    return spans[0][1] % QUARTER_MS == 0 and all(
        s % QUARTER_MS == 0 and o % QUARTER_MS == 0 for s, o in spans[1:]
    )


def local_day_sql(spans: Sequence[tuple[int, int]], time: str) -> tuple[str, list[int]]:
    """SQL giving an instant's local day as days since 1970-01-01, from ``(from_ms, offset_ms)`` spans
    (the first from -inf); ``time`` is the SQL of the instant in ms."""
    if len(spans) == 1:
        return f"({time} + ?) / {DAY_MS}", [spans[0][1]]
    cases, args = [], []
    for (_, off), (until, _) in itertools.pairwise(spans):
        cases.append(f"WHEN {time} < ? THEN ({time} + ?) / {DAY_MS}")
        args += [until, off]
    args.append(spans[-1][1])
    return f"CASE {' '.join(cases)} ELSE ({time} + ?) / {DAY_MS} END", args


class QuarterDays:
    """The local day of each UTC quarter-hour in one zone, remembered as it is asked for."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._days: dict[int, int] = {}

    def day(self, bucket: int) -> int:
        found = self._days.get(bucket)
        if found is None:
            ms = bucket * QUARTER_MS
            found = self._days[bucket] = (ms + offset_at(self.tz, ms)) // DAY_MS
        return found


def period_sql(day: str, period: str, start_of_week: int = 0, d: Dialect = SQLITE) -> str:
    """SQL of the period a local day number (``day``, an SQL expression) falls in: ``week`` gives the day
    number of the week's first day (``start_of_week`` 0 = Monday), ``month`` gives ``year * 100 + month``
    (the engine's date functions, several times faster here than the same in integer arithmetic)."""
    if period == "week":
        return f"({day} - (({day} + {10 - start_of_week}) % 7))"  # 1970-01-01 was a Thursday (weekday 3)
    return d.month_of_day(day)
