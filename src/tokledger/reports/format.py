"""Formatting at the edge, in one place: ISO instants, money for JSON, cost text for tables, short numbers.

The ledger keeps instants as UTC milliseconds and money as integer picodollars; nothing is rounded until
one of these functions turns it into text for a person or a number for a JSON document.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from tokledger.ledger.rows import ms_to_datetime, pusd_to_usd

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def iso(ms: int | None) -> str | None:
    """UTC milliseconds as ``2025-06-01T10:00:00.123000Z`` (no fraction when whole seconds)."""
    return None if ms is None else iso_time(ms_to_datetime(ms))


def iso_time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def iso_seconds(ms: int) -> str:
    """UTC milliseconds as ``2025-06-01T10:00:00Z`` (block starts and ends)."""
    return ms_to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: Decimal | None) -> float | None:
    """Dollars for a JSON document: exact to 1e-10 USD, which every float of a plausible amount holds."""
    return None if value is None else float(round(value, 10))


def money_pusd(pusd: int | None) -> float | None:
    """:func:`money` of integer picodollars without a Decimal: the amount rounded half-even to 1e-10 USD,
    then one correctly rounded integer division — the same float."""
    if pusd is None:
        return None
    tenths, rest = divmod(pusd, 100)  # units of 1e-10 USD
    if rest > 50 or (rest == 50 and tenths % 2):
        tenths += 1
    return tenths / 10**10


def cost_text(priced_pusd: int, unpriced_requests: int) -> str:
    """``$1,234.56``; with unpriced requests beside a priced part ``$12.00*``; with nothing priced ``unpriced``."""
    if unpriced_requests and priced_pusd == 0:
        return "unpriced"
    text = f"${pusd_to_usd(priced_pusd):,.2f}"
    return text + "*" if unpriced_requests else text


def integer(n: int) -> str:
    return f"{n:,}"


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


def printable(text: str) -> str:
    """Text read from a log, safe to write to a terminal: control characters (escape sequences) removed,
    and anything that is not valid Unicode (a file name in another encoding) replaced."""
    text = _CONTROL.sub("", text)
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode()
    return text
