"""Budget evaluation: each limit's use in its current period, its level, and projections to the period end.

Sums come from an injected :class:`UsageSums` (the ledger answers it from its per-quarter-hour rollups),
so no check reads events: a check costs two sums per limit (its period, and the last seven days for
the projections), each over bounds that are local midnights or quarter hours (see ``periods``).

Scope: with a :class:`Context` (a hook, the status line) only the limits that apply to that request
are evaluated — global ones, its source's, the projects matching its directory, its session's.
Without one, every limit is, and a limit on every session is evaluated for each session with usage in
the last 24 hours (:meth:`UsageSums.sessions`).

Level: ``stop`` once used ≥ ``stop_at`` × limit, ``warn`` once used ≥ ``warn_at`` × limit, else ``ok``;
compared exactly (integer picodollars or tokens against Decimal fractions). The worst level over all
limits decides the exit code of ``tokledger budget``: 0 ok, 1 warn, 2 stop.

Projections, from the last seven days (the window starts on the quarter hour at or before now − 7 d):
``projected`` = used + (7-day use ÷ elapsed window) × time left in the period — what the period ends
at if the recent pace holds; ``projected_monthly`` = 7-day use ÷ 7 (integer division) × 30, agent-deck's
"ProjectedMonthly" in the limit's own unit, over an exact seven-day window (agent-deck compares RFC 3339
text with SQLite's space-separated datetime, which lets up to a day more in). Lifetime limits have no
projection. USD limits count priced requests only; ``unpriced`` says how many requests had no price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Protocol
from zoneinfo import ZoneInfo

from tokledger.budgets.config import BudgetConfig, Limit
from tokledger.budgets.periods import DAY_MS, floor_quarter_hour, period_bounds, to_ms

LEVELS = ("ok", "warn", "stop")
WEEK_MS = 7 * DAY_MS


@dataclass(frozen=True)
class Sums:
    """Totals over a filter: ``cost_pusd`` of the priced requests (picodollars), all tokens, requests,
    and how many requests had no price."""

    cost_pusd: int = 0
    tokens: int = 0
    requests: int = 0
    unpriced: int = 0


class UsageSums(Protocol):
    """What evaluation reads. ``start_ms``/``end_ms`` bound event times (UTC ms, half-open, None = open);
    both are local midnights or quarter hours. ``sources`` keeps only those sources; ``project_globs``
    keeps events whose project matches any pattern (:func:`project_matches`); ``session`` one session.
    """

    def sums(self, *, start_ms: int | None, end_ms: int | None, sources: tuple[str, ...] = (),
             project_globs: tuple[str, ...] = (), session: str | None = None) -> Sums: ...  # fmt: skip

    def sessions(self, *, start_ms: int, end_ms: int | None) -> list[str]:
        """Ids of the sessions with usage in the window (for limits on every session)."""
        ...


def project_matches(project: str | None, patterns: tuple[str, ...]) -> bool:
    """The one definition of "a project is under a budget's key" (case-sensitive fnmatch)."""
    return project is not None and any(fnmatchcase(project, p) for p in patterns)


@dataclass(frozen=True)
class Context:
    """Who is asking: a hook or status line evaluates only the limits that apply to its own request."""

    source: str | None = None
    project: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class BudgetStatus:
    limit: Limit
    session: str | None
    used: int
    level: str
    start_ms: int | None
    end_ms: int | None
    projected: int | None
    projected_level: str | None
    projected_monthly: int | None
    unpriced: int

    @property
    def percent(self) -> float:
        return round(self.used / self.limit.amount * 100, 1)

    @property
    def remaining(self) -> int:
        return max(self.limit.amount - self.used, 0)

    @property
    def target(self) -> str | None:
        return self.session if self.limit.scope == "session" else self.limit.target

    @property
    def key(self) -> str:
        """Stable id of this limit in this period (alerts claim ``key + level``)."""
        start = "lifetime" if self.start_ms is None else str(self.start_ms)
        return f"budget:{self.limit.scope}:{self.target or '*'}:{self.limit.name}:{self.limit.amount}:{start}"


def level_of(used: int, limit: Limit) -> str:
    if Decimal(used) >= limit.stop_at * limit.amount:
        return "stop"
    if Decimal(used) >= limit.warn_at * limit.amount:
        return "warn"
    return "ok"


def worst(statuses: list[BudgetStatus]) -> str:
    return max((s.level for s in statuses), key=LEVELS.index, default="ok")


def exit_code(statuses: list[BudgetStatus]) -> int:
    """0 when every budget is fine, 1 at a warn level, 2 past a stop level."""
    return LEVELS.index(worst(statuses))


def _filters(limit: Limit, session: str | None) -> dict:
    if limit.scope == "source":
        return {"sources": (limit.target,)}
    if limit.scope == "project":
        return {"project_globs": limit.patterns}
    if limit.scope == "session":
        return {"session": session}
    return {}


def _sessions(limit: Limit, context: Context | None, sums: UsageSums, now_ms: int) -> list[str]:
    if limit.target is not None:
        wanted = context.session if context else None
        return [limit.target] if wanted in (None, limit.target) else []
    if context is not None:
        return [context.session] if context.session else []
    return sums.sessions(start_ms=floor_quarter_hour(now_ms - DAY_MS), end_ms=None)


def _applies(limit: Limit, context: Context | None) -> bool:
    if context is None:
        return True
    if limit.scope == "source":
        return context.source == limit.target
    if limit.scope == "project":
        return project_matches(context.project, limit.patterns)
    return True


def evaluate(
    config: BudgetConfig, sums: UsageSums, now: datetime, tz: ZoneInfo, *, context: Context | None = None
) -> list[BudgetStatus]:
    """Every limit's status now, in configuration order (limits on every session: one per session)."""
    now_ms = to_ms(now)
    recent_start = floor_quarter_hour(now_ms - WEEK_MS)
    memo: dict[tuple, Sums] = {}

    def total(start: int | None, end: int | None, filters: dict) -> Sums:
        key = (start, end, tuple(sorted(filters.items())))
        if key not in memo:
            memo[key] = sums.sums(start_ms=start, end_ms=end, **filters)
        return memo[key]

    statuses = []
    for limit in config.limits:
        if not _applies(limit, context):
            continue
        targets = _sessions(limit, context, sums, now_ms) if limit.scope == "session" else [None]
        for session in targets:
            filters = _filters(limit, session)
            start, end = period_bounds(limit.period, now, tz, config.week_start)
            period = total(start, end, filters)
            used = period.cost_pusd if limit.unit == "usd" else period.tokens
            projected = projected_level = monthly = None
            if end is not None:
                recent = total(recent_start, None, filters)
                pace = recent.cost_pusd if limit.unit == "usd" else recent.tokens
                projected = used + pace * max(end - now_ms, 0) // max(now_ms - recent_start, 1)
                projected_level = level_of(projected, limit)
                monthly = pace // 7 * 30
            statuses.append(BudgetStatus(limit, session, used, level_of(used, limit), start, end, projected,
                                         projected_level, monthly, period.unpriced))  # fmt: skip
    return statuses


def format_amount(value: int, unit: str) -> str:
    """``$8.10`` (cents; below a dollar four places) or ``5.0M`` / ``12.3k`` / ``950`` tokens."""
    if unit == "usd":
        usd = Decimal(value) / 10**12
        return f"${usd:,.2f}" if usd >= 1 or usd == 0 else f"${usd:.4f}"
    for size, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= size:
            return f"{value / size:.1f}{suffix}"
    return str(value)


_CONTROL = str.maketrans({c: None for c in [*map(chr, range(32)), "\x7f"]})


def label(status: BudgetStatus) -> str:
    """``daily budget``, ``codex daily budget``, ``~/work/a/* monthly budget``, ``session 7f3e9a10 lifetime budget``."""
    limit = status.limit
    period = f"{limit.period} {'token ' if limit.unit == 'tokens' else ''}budget"
    if limit.scope == "global":
        return period
    if limit.scope == "session":  # ids come from logs: no control characters reach a terminal
        return f"session {(status.session or '').translate(_CONTROL)[:8]} {period}"
    return f"{(limit.target or '').translate(_CONTROL)} {period}"


def describe(status: BudgetStatus) -> str:
    """One line for people: ``daily budget: $8.10 of $10.00 (81.0 %)``."""
    used, amount = (
        format_amount(status.used, status.limit.unit),
        format_amount(status.limit.amount, status.limit.unit),
    )
    return f"{label(status)}: {used} of {amount} ({status.percent} %)"
