"""Budget periods: the UTC bounds of the current local day, week and month, exact across DST changes.

A period starts at a local midnight in the budget's time zone and ends at the next period's start:
a day lasts 23 or 25 hours on the days clocks change, and a week or month spanning a change is one
hour shorter or longer. Midnight comes from ``zoneinfo`` (fold 0): where a zone skips midnight the day
starts at the first instant that exists, and where midnight repeats it starts at the first one.

Weeks open on ``week_start`` (0 = Monday ... 6 = Sunday) at local midnight, so the start day itself
always opens a new week. (agent-deck's SQLite ``date('now', 'weekday 1', '-7 days')`` is a no-op plus
seven days back on a Monday, so its "this week" reaches back to the previous Monday there: agent-deck
#932.) Every bound is a whole second, and on a UTC quarter hour in every zone in use today (all
offsets are multiples of 15 minutes), so sums over per-quarter-hour rollups are exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUARTER_HOUR_MS = 900_000
DAY_MS = 86_400_000


def local_midnight_ms(day: date, tz: ZoneInfo) -> int:
    """The UTC instant (ms) at which ``day`` starts in ``tz``."""
    return int(datetime.combine(day, time(0), tzinfo=tz).timestamp()) * 1000


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_days(period: str, today: date, week_start: int) -> tuple[date, date]:
    """The first day of the period holding ``today`` and the first day after it."""
    if period == "daily":
        return today, today + timedelta(days=1)
    if period == "weekly":
        first = today - timedelta(days=(today.weekday() - week_start) % 7)
        return first, first + timedelta(days=7)
    if period == "monthly":
        first = today.replace(day=1)
        return first, _next_month(first)
    raise ValueError(f"unknown period {period!r}")


def period_bounds(
    period: str, now: datetime, tz: ZoneInfo, week_start: int = 0
) -> tuple[int | None, int | None]:
    """``(start_ms, end_ms)`` of the period holding ``now``; ``(None, None)`` for "lifetime"."""
    if period == "lifetime":
        return None, None
    first, after = period_days(period, now.astimezone(tz).date(), week_start)
    return local_midnight_ms(first, tz), local_midnight_ms(after, tz)


def floor_quarter_hour(ms: int) -> int:
    return ms - ms % QUARTER_HOUR_MS


def to_ms(value: datetime) -> int:
    """A tz-aware instant as integer UTC milliseconds (a naive one is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)
