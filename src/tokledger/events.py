"""The one event type every source produces, and the token field names used everywhere.

Token categories are disjoint, so they add up (house style, "The event and its numbers"):

``input_tokens``           prompt tokens neither read from nor written to a cache
``cache_write_tokens``     prompt tokens written to a cache, all TTLs (5-minute + 1-hour)
``cache_write_1h_tokens``  the 1-hour part of ``cache_write_tokens``
``cache_read_tokens``      prompt tokens read from a cache
``output_tokens``          all generated tokens, reasoning included
``reasoning_tokens``       the reasoning part of ``output_tokens`` (never billed twice)

``total_tokens`` = input + cache write + cache read + output.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
)


def token_count(value: int | None) -> int:
    """A vendor's token count: null or missing is 0; a negative count is malformed (ValueError)."""
    if value is None:
        return 0
    if value < 0:
        raise ValueError("negative token count")
    return value


class UsageEvent(msgspec.Struct, kw_only=True):
    """One billed request (or the smallest unit a source records), in tokledger's categories.

    ``key`` identifies the request within its source and is stable across re-reads, copies and
    files; the ledger keeps one row per (source, key). ``primary`` is False for a copy that must
    lose against any primary copy of the same key (Claude Code side-chain replays).
    """

    source: str
    key: str
    timestamp: datetime
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    session_id: str | None = None
    project: str | None = None
    git_branch: str | None = None
    provider: str | None = None
    request_id: str | None = None
    logged_cost_usd: Decimal | None = None
    primary: bool = True
    speed: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens + self.output_tokens

    @property
    def total_input_tokens(self) -> int:
        """Everything the prompt held, cached or not: what long-context price tiers look at."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


_ATTRIBUTION = ("model", "session_id", "project", "git_branch", "provider", "request_id", "speed")


def merge(old: UsageEvent, new: UsageEvent) -> UsageEvent:
    """Combine two records of the same request (same source and key) into the most complete one.

    - A primary copy beats a non-primary one outright (a side-chain replay never adds to its parent).
    - Otherwise every token field keeps its maximum (streaming lines carry partial output counts) and the
      earliest timestamp dates the request; who the request belongs to (session, project, branch) comes
      from the earlier copy, and from ``old`` on a tie, so a resumed session's copy never moves it.

    Neither argument is changed.
    """
    return merge_into(msgspec.structs.replace(old), new)


def merge_into(old: UsageEvent, new: UsageEvent) -> UsageEvent:
    """:func:`merge`, updating and returning ``old`` where it survives (the parsers' hot path)."""
    if old.primary != new.primary:
        return old if old.primary else new
    if new.timestamp < old.timestamp:
        old.timestamp = new.timestamp
        for name in _ATTRIBUTION:  # the earlier copy's values win; old's fill what it lacks
            value = getattr(new, name)
            if value:
                setattr(old, name, value)
    else:
        for name in _ATTRIBUTION:
            if not getattr(old, name):
                setattr(old, name, getattr(new, name))
    old.input_tokens = max(old.input_tokens, new.input_tokens)
    old.output_tokens = max(old.output_tokens, new.output_tokens)
    old.cache_write_tokens = max(old.cache_write_tokens, new.cache_write_tokens)
    old.cache_write_1h_tokens = max(old.cache_write_1h_tokens, new.cache_write_1h_tokens)
    old.cache_read_tokens = max(old.cache_read_tokens, new.cache_read_tokens)
    old.reasoning_tokens = max(old.reasoning_tokens, new.reasoning_tokens)
    if new.logged_cost_usd is not None and (
        old.logged_cost_usd is None or new.logged_cost_usd > old.logged_cost_usd
    ):
        old.logged_cost_usd = new.logged_cost_usd
    return old
