"""The report API every front-end uses: sums of the ledger by period, session, project, model or block.

A report is a list of :class:`Row` s and their :class:`Totals`, each with a per (source, model) breakdown.
Reports never price: they add up costs stored at ingest. A row's ``cost_usd`` is ``None`` as soon as any
request in it has no price (``unpriced_requests`` says how many); ``cost_usd_priced`` still gives the
known part. The JSON and CSV shapes built from these rows are a public contract (see the README).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tokledger.ledger import Ledger, pusd_to_usd, queries
from tokledger.ledger.queries import EventFilter
from tokledger.reports.periods import (
    day_from_number,
    day_number_sql,
    local_midnight_ms,
    offset_spans,
    week_label,
)

KINDS = ("daily", "weekly", "monthly", "session", "project", "model", "today")
UNKNOWN_PROJECT = "(unknown)"


@dataclass
class Totals:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 0
    priced_pusd: int = 0
    unpriced_requests: int = 0
    unpriced_models: set[str] = field(default_factory=set)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens

    @property
    def cost_usd(self) -> Decimal | None:
        """The exact cost, or None when any request in these totals is unpriced."""
        return None if self.unpriced_requests else pusd_to_usd(self.priced_pusd)

    @property
    def cost_usd_priced(self) -> Decimal:
        return pusd_to_usd(self.priced_pusd)

    def add(self, other: Totals) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cache_write_1h_tokens += other.cache_write_1h_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.requests += other.requests
        self.priced_pusd += other.priced_pusd
        self.unpriced_requests += other.unpriced_requests
        self.unpriced_models |= other.unpriced_models

    @classmethod
    def from_sums(cls, model: str, sums: tuple) -> Totals:
        inp, out, cw, cw1h, cr, rsn, requests, cost, unpriced = sums
        return cls(inp, out, cw, cw1h, cr, rsn, requests, cost or 0, unpriced, {model} if unpriced else set())


@dataclass
class Row:
    period: str
    totals: Totals = field(default_factory=Totals)
    models: dict[tuple[str, str], Totals] = field(default_factory=dict)
    first_ms: int | None = None
    last_ms: int | None = None
    extra: dict = field(default_factory=dict)

    def add(self, source: str, model: str, part: Totals, first_ms: int, last_ms: int) -> None:
        self.totals.add(part)
        self.models.setdefault((source, model), Totals()).add(part)
        self.first_ms = first_ms if self.first_ms is None else min(self.first_ms, first_ms)
        self.last_ms = last_ms if self.last_ms is None else max(self.last_ms, last_ms)


@dataclass
class Query:
    """What to report on; dates are local days in ``tz``, inclusive."""

    tz: ZoneInfo
    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    mode: str = "auto"
    start_of_week: int = 0

    def event_filter(self) -> EventFilter:
        return EventFilter(
            start_ms=local_midnight_ms(self.since, self.tz) if self.since else None,
            end_ms=local_midnight_ms(self.until + timedelta(days=1), self.tz) if self.until else None,
            sources=self.sources,
            models=self.models,
            projects=self.projects,
            sessions=self.sessions,
        )


@dataclass
class Report:
    kind: str
    query: Query
    rows: list[Row]
    totals: Totals

    @property
    def unpriced_models(self) -> list[str]:
        return sorted(self.totals.unpriced_models)


def _summed(rows: Iterable[Row]) -> Totals:
    total = Totals()
    for row in rows:
        total.add(row.totals)
    return total


def usage_report(ledger: Ledger, kind: str, query: Query) -> Report:
    """The rows of a ``daily``/``weekly``/``monthly``/``session``/``project``/``model``/``today`` report."""
    timed = kind in ("daily", "weekly", "monthly")
    dims = {"session": ["session"], "project": ["project"]}.get(kind, ["day"] if timed else [])
    rows: dict[str, Row] = {}
    label_cache: dict[int, str] = {}
    event_filter = query.event_filter()
    day_sql = None
    if timed:
        first, last = queries.time_range(ledger.conn, event_filter)
        if first is None:
            return Report(kind, query, [], Totals())
        day_sql = day_number_sql(offset_spans(query.tz, first, last))
    for record in queries.grouped_sums(ledger.conn, event_filter, dims, query.mode, day_sql):
        *dim_values, source, model = record[: len(dims) + 2]
        sums = record[len(dims) + 2 : len(dims) + 11]
        first_ms, last_ms, project = record[len(dims) + 11 :]
        if timed:
            number = dim_values[0]
            label = label_cache.get(number)
            if label is None:
                day = day_from_number(number)
                if kind == "daily":
                    label = day.isoformat()
                elif kind == "weekly":
                    label = week_label(day, query.start_of_week)
                else:
                    label = f"{day.year:04d}-{day.month:02d}"
                label_cache[number] = label
        elif kind in ("session", "project"):
            label = dim_values[0] or (UNKNOWN_PROJECT if kind == "project" else "(none)")
        else:  # model, today: one row per model
            label = model
        row = rows.get(label)
        if row is None:
            row = rows[label] = Row(label)
        row.add(source, model, Totals.from_sums(model, sums), first_ms, last_ms)
        if kind == "session" and project:
            row.extra.setdefault("projects", set()).add(project)
    ordered = sorted(rows.values(), key=_sort_key(kind))
    for row in ordered:
        if "projects" in row.extra:
            row.extra["project"] = min(row.extra.pop("projects"))
    return Report(kind, query, ordered, _summed(ordered))


def _sort_key(kind: str):
    if kind in ("daily", "weekly", "monthly"):
        return lambda r: r.period
    if kind == "session":
        return lambda r: (r.last_ms or 0, r.period)
    if kind in ("model", "today", "project"):
        return lambda r: (-(r.totals.priced_pusd), -r.totals.total_tokens, r.period)
    return lambda r: r.period


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(tz)).astimezone(tz).date()
