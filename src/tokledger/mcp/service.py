"""What the MCP tools read: :class:`UsageService`, and the period names ``usage_summary`` accepts.

Every method returns plain JSON data with the same shapes and keys as the matching ``--json`` output,
so an assistant reads what a person would see:

``usage_summary(period)``
    the ``daily``-report document (``rows``, ``totals``, ``unpriced``) over the period's local days
    (resolve the name with :func:`resolve_period`);
``budget_status()``
    the ``tokledger budget --json`` document;
``top_sessions(n)``
    ``{"sessions": [...]}``: the ``n`` costliest sessions as ``session``-report rows;
``explain_cost(id)``
    for a session id, its requests as ``tokledger events --id`` rows (tokens, calculated and logged
    cost, ``price_basis``, file); for a request key (message or request id), that request alone;
    ``{"found": false}`` when the id is unknown.

Period names: ``today``, ``yesterday``, ``this_week``, ``last_week``, ``this_month``, ``last_month``,
``last_7_days``, ``last_30_days``, ``all``, a day ``2025-06-01``, a month ``2025-06``, or a range of days
``2025-06-01..2025-06-15`` (inclusive).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Protocol

NAMED = ("today", "yesterday", "this_week", "last_week", "this_month", "last_month", "last_7_days",
         "last_30_days", "all")  # fmt: skip
_DAY = r"\d{4}-\d{2}-\d{2}"


class UsageService(Protocol):
    def usage_summary(self, period: str) -> dict: ...

    def budget_status(self) -> dict: ...

    def top_sessions(self, n: int) -> dict: ...

    def explain_cost(self, id: str) -> dict: ...


def _month_end(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1) - timedelta(days=1)


def resolve_period(period: str, today: date, week_start: int = 0) -> tuple[date | None, date | None]:
    """``(since, until)``, inclusive local days (None = open); ValueError names the accepted forms."""
    text = period.strip().lower()
    week = today - timedelta(days=(today.weekday() - week_start) % 7)
    month = today.replace(day=1)
    named = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1),) * 2,
        "this_week": (week, today),
        "last_week": (week - timedelta(days=7), week - timedelta(days=1)),
        "this_month": (month, today),
        "last_month": ((month - timedelta(days=1)).replace(day=1), month - timedelta(days=1)),
        "last_7_days": (today - timedelta(days=6), today),
        "last_30_days": (today - timedelta(days=29), today),
        "all": (None, None),
    }
    try:
        if text in named:
            return named[text]
        if re.fullmatch(_DAY, text):
            day = date.fromisoformat(text)
            return day, day
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = date.fromisoformat(text + "-01")
            return first, _month_end(first)
        if m := re.fullmatch(rf"({_DAY})\.\.({_DAY})", text):
            since, until = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            if since <= until:
                return since, until
    except ValueError:
        pass
    raise ValueError(
        f"unknown period {period!r}: use {', '.join(NAMED)}, YYYY-MM-DD, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
    )
