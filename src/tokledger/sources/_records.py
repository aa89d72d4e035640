"""Telling a malformed record from a broken file: what a record's decoder may raise, and the reason counted.

Every source decodes one record at a time (a line, a message, a row) inside ``try``/``except``
:data:`MALFORMED`: whatever a log holds — bad JSON, invalid UTF-8, wrong types, numbers past 64 bits, NaN,
JSON nested a thousand levels deep, an instant in the year 9999 — skips that record with a reason and
keeps every good record beside it. :class:`Skips` counts the reasons of one file.
"""

from __future__ import annotations

from decimal import InvalidOperation

import msgspec

from tokledger.events import Skip

MALFORMED = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    UnicodeError,
    ValueError,
    OverflowError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    RecursionError,
    InvalidOperation,
    OSError,  # datetime.fromtimestamp out of the platform's range
)
"""What decoding one record may raise for a malformed record: the record is skipped and counted."""


def reason(exc: BaseException) -> str:
    """A short, stable reason for a skipped record (the key of the per-reason counts)."""
    if isinstance(exc, Skip):
        return str(exc)
    if isinstance(exc, UnicodeError):
        return "invalid UTF-8"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, msgspec.ValidationError):  # a subclass of DecodeError
        return "number out of range" if "out of range" in str(exc) else "wrong field type"
    if isinstance(exc, msgspec.DecodeError):
        return "truncated JSON" if "truncated" in str(exc) else "not JSON"
    if isinstance(exc, OverflowError | OSError):
        return "number out of range"
    if isinstance(exc, InvalidOperation):
        return "not a number"
    return "malformed value"


class Skips(dict[str, int]):
    """reason → records skipped for it, in one file."""

    def add(self, why: str | BaseException, n: int = 1) -> None:
        key = why if isinstance(why, str) else reason(why)
        self[key] = self.get(key, 0) + n

    @property
    def total(self) -> int:
        return sum(self.values())


def plus(*counts: dict[str, int]) -> Skips:
    """Reason counts added together."""
    out = Skips()
    for c in counts:
        for why, n in c.items():
            out.add(why, n)
    return out


def reason_text(reasons: dict[str, int]) -> str:
    """Skip reasons as ``2 not JSON, 1 cost out of range`` (most frequent first)."""
    return ", ".join(f"{n} {why}" for why, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
