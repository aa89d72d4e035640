"""The one event type every source produces, and the token field names used everywhere.

Token categories are disjoint, so they add up (house style, "The event and its numbers"):

``input_tokens``           prompt tokens neither read from nor written to a cache
``cache_write_tokens``     prompt tokens written to a cache, all TTLs (5-minute + 1-hour)
``cache_write_1h_tokens``  the 1-hour part of ``cache_write_tokens``
``cache_read_tokens``      prompt tokens read from a cache
``output_tokens``          all generated tokens, reasoning included
``reasoning_tokens``       the reasoning part of ``output_tokens`` (never billed twice)

``total_tokens`` = input + cache write + cache read + output.

Values read from a log are bounded here, where sources parse them, so nothing a log holds can fail a
ledger write or a later report: a token count is a whole number from 0 to :data:`MAX_TOKENS`, a logged
cost a finite amount from $0 to :data:`MAX_COST_USD`, an instant lies between :data:`EARLIEST` and a day
after the moment it is read, and names are valid Unicode of at most :data:`MAX_NAME` characters. A record
outside them raises :class:`Skip`, whose message is the reason counted for it.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
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


MAX_TOKENS = 10**10
"""Tokens of one category in one event: far above any context window or session, far below overflow."""
MAX_COST_USD = Decimal(100_000)
"""The largest cost one event may log (a whole session's, for sources that record per session)."""
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE = timedelta(days=1)
"""How far past the moment of reading an instant may lie (clock skew between machines)."""
MAX_NAME = 4096
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST_MS = (EARLIEST - _EPOCH) // timedelta(milliseconds=1)


class Skip(ValueError):
    """A record that could carry usage but cannot be used; the message is the reason it is counted under."""


def token_count(value: int | None) -> int:
    """A vendor's token count: null or missing is 0; negative or implausibly large is :class:`Skip`."""
    if value is None:
        return 0
    if value < 0:
        raise Skip("negative token count")
    if value > MAX_TOKENS:
        raise Skip("token count out of range")
    return value


def logged_cost(value: Decimal | float | None) -> Decimal | None:
    """A cost a log recorded, in USD: None stays None; NaN, infinite, negative or huge is :class:`Skip`."""
    if value is None:
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal):
        value = Decimal(value)
    if not value.is_finite():
        raise Skip("cost not a number")
    if value < 0:
        raise Skip("negative cost")
    if value > MAX_COST_USD:
        raise Skip("cost out of range")
    return value


def instant_ms(ms: float | None) -> datetime:
    """Epoch milliseconds as a UTC instant; missing, or outside the plausible window, is :class:`Skip`."""
    if ms is None:
        raise Skip("no timestamp")
    if math.isnan(ms) or not _EARLIEST_MS <= ms <= time.time() * 1000 + FUTURE.total_seconds() * 1000:
        raise Skip("timestamp out of range")
    return _EPOCH + timedelta(milliseconds=ms)


def _bad_name(value: str) -> bool:
    if len(value) > MAX_NAME:
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return True
    return False


def check(event: UsageEvent, latest: datetime | None = None) -> UsageEvent:
    """``event`` when every value lies within the bounds above (``latest``: the newest instant accepted,
    a day from now by default); else :class:`Skip` with the reason."""
    e, top = event, MAX_TOKENS
    if not (0 <= e.input_tokens <= top and 0 <= e.output_tokens <= top and 0 <= e.cache_write_tokens <= top
            and 0 <= e.cache_write_1h_tokens <= top and 0 <= e.cache_read_tokens <= top
            and 0 <= e.reasoning_tokens <= top):  # fmt: skip
        tokens = [getattr(e, name) for name in TOKEN_FIELDS]
        raise Skip("negative token count" if min(tokens) < 0 else "token count out of range")
    ts = e.timestamp
    if ts.tzinfo is None:
        ts = e.timestamp = ts.replace(tzinfo=UTC)
    if not EARLIEST <= ts <= (latest or datetime.now(UTC) + FUTURE):
        raise Skip("timestamp out of range")
    if e.logged_cost_usd is not None:
        logged_cost(e.logged_cost_usd)
    for value in (e.key, e.model, e.session_id, e.project, e.git_branch, e.provider, e.request_id, e.speed):
        if value is not None and (len(value) > 200 or not value.isascii()) and _bad_name(value):
            raise Skip("name not valid text")
    return e


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
