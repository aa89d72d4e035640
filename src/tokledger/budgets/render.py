"""``tokledger budget`` output: the JSON document (a public contract) and the Rich table.

JSON (``--json``)::

    {"timezone": "Europe/Berlin", "now": "2025-06-02T08:00:00Z", "level": "warn", "exit_code": 1,
     "budgets": [{"key": "budget:global:*:daily_usd:10000000000000:1748815200000", "scope": "global",
                  "target": null, "period": "daily", "unit": "usd", "limit": 10.0, "used": 8.1,
                  "remaining": 1.9, "percent": 81.0, "level": "warn", "warn_at": 0.8, "stop_at": 1.0,
                  "start": "2025-06-01T22:00:00Z", "end": "2025-06-02T22:00:00Z", "projected": 11.2,
                  "projected_level": "stop", "projected_monthly": 240.0, "unpriced_requests": 0}]}

``limit``, ``used``, ``remaining``, ``projected`` and ``projected_monthly`` are USD for ``unit`` "usd"
and token counts for "tokens"; ``start``/``end``/``projected*`` are null for lifetime limits. ``level``
is the worst level and ``exit_code`` the command's exit code (0 ok, 1 warn, 2 stop).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from tokledger.budgets.evaluate import BudgetStatus, exit_code, format_amount, label, worst

_STYLE = {"ok": "green", "warn": "yellow", "stop": "bold red"}


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(value: int | None, unit: str) -> float | int | None:
    if value is None or unit == "tokens":
        return value
    return float(round(Decimal(value) / 10**12, 10))


def status_dict(status: BudgetStatus) -> dict:
    limit, unit = status.limit, status.limit.unit
    return {
        "key": status.key, "scope": limit.scope, "target": status.target, "period": limit.period, "unit": unit,
        "limit": _value(limit.amount, unit), "used": _value(status.used, unit),
        "remaining": _value(status.remaining, unit), "percent": status.percent, "level": status.level,
        "warn_at": float(limit.warn_at), "stop_at": float(limit.stop_at),
        "start": _iso(status.start_ms), "end": _iso(status.end_ms),
        "projected": _value(status.projected, unit), "projected_level": status.projected_level,
        "projected_monthly": _value(status.projected_monthly, unit), "unpriced_requests": status.unpriced,
    }  # fmt: skip


def to_document(statuses: list[BudgetStatus], now: datetime, timezone: str) -> dict:
    return {
        "timezone": timezone,
        "now": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "level": worst(statuses),
        "exit_code": exit_code(statuses),
        "budgets": [status_dict(s) for s in statuses],
    }


def to_json(statuses: list[BudgetStatus], now: datetime, timezone: str) -> str:
    return json.dumps(to_document(statuses, now, timezone), indent=2)


def _resets(status: BudgetStatus, now: datetime) -> str:
    if status.end_ms is None:
        return "never"
    left = max(status.end_ms - int(now.timestamp() * 1000), 0) // 60_000
    days, rest = divmod(left, 1440)
    return f"{days}d {rest // 60}h" if days else f"{rest // 60}h {rest % 60:02d}m"


def to_table(statuses: list[BudgetStatus], now: datetime, timezone: str):
    """A Rich table, one row per limit (import Rich only here: evaluation never needs it)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Budgets ({timezone})", title_justify="left", pad_edge=False)
    for name, justify in (
        ("Budget", "left"),
        ("Used", "right"),
        ("Limit", "right"),
        ("%", "right"),
        ("Level", "left"),
        ("Left", "right"),
        ("Resets in", "right"),
        ("At period end", "right"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # fmt: skip
    for s in statuses:
        unit = s.limit.unit
        projected = "" if s.projected is None else format_amount(s.projected, unit)
        if s.projected_level and s.projected_level != "ok":
            projected = Text(projected, style=_STYLE[s.projected_level])
        used = format_amount(s.used, unit) + ("*" if s.unpriced and unit == "usd" else "")
        table.add_row(Text(label(s)), used, format_amount(s.limit.amount, unit), f"{s.percent:.0f}%",
                      Text(s.level, style=_STYLE[s.level]), format_amount(s.remaining, unit), _resets(s, now),
                      projected)  # fmt: skip
    return table


def footnotes(statuses: list[BudgetStatus]) -> list[str]:
    notes = []
    unpriced = max((s.unpriced for s in statuses if s.limit.unit == "usd"), default=0)
    if unpriced:
        notes.append(f"* leaves out unpriced requests ({unpriced} in the largest period)")
    if not statuses:
        notes.append("no budgets configured: add a [budgets] table to the configuration file")
    return notes
