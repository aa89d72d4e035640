"""The report API every face uses: sums of the ledger by period, session, project, branch, model, block, or
user and host.

A report is a list of :class:`Row` s and their :class:`Totals`, each with a per (source, model) breakdown.
Reports never price: they add up costs stored at ingest. A row's ``cost_usd`` is ``None`` as soon as any
request in it has no price (``unpriced_requests`` says how many); ``cost_usd_priced`` still gives the
known part. The kinds are data (:mod:`tokledger.reports.kinds`); the JSON and CSV shapes built from these
rows are a public contract (see the README).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tokledger.ledger import Ledger, pusd_to_usd, queries
from tokledger.ledger.queries import EventFilter
from tokledger.ledger.zones import offset_spans
from tokledger.reports.kinds import KINDS, Kind
from tokledger.reports.periods import day_from_number, day_number, local_midnight_ms, week_label

__all__ = ["KINDS", "Kind", "Query", "Report", "Row", "Totals", "reorder", "today", "usage_report"]


@dataclass(slots=True)
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
    def of(cls, model: str, requests: int, tokens: Iterable[int], cost_pusd: int, unpriced: int) -> Totals:
        return cls(*tokens, requests, cost_pusd, unpriced, {model} if unpriced else set())


@dataclass
class Row:
    period: str
    totals: Totals = field(default_factory=Totals)
    models: dict[tuple[str, str], Totals] = field(default_factory=dict)
    first_ms: int | None = None
    last_ms: int | None = None
    project: str | None = None
    """A session's project (the session report)."""
    by: dict[str, Totals] = field(default_factory=dict)
    """With a host or user breakdown: the row's sums per host or user."""
    user: str | None = None
    host: str | None = None
    sessions: int | None = None
    """The team report: whose row it is, and in how many sessions."""

    def add(self, source: str, model: str, part: Totals, first_ms: int | None, last_ms: int | None) -> None:
        """Add ``part`` (which the row may keep: it must not be changed afterwards)."""
        self.totals.add(part)
        kept = self.models.get((source, model))
        if kept is None:
            self.models[(source, model)] = part
        else:
            kept.add(part)
        if first_ms is not None:
            self.first_ms = first_ms if self.first_ms is None else min(self.first_ms, first_ms)
        if last_ms is not None:
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
    hosts: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    mode: str = "auto"
    start_of_week: int = 0
    start_ms: int | None = None
    """An exact instant to start from instead of ``since``'s local midnight (recent blocks)."""

    def event_filter(self) -> EventFilter:
        start = self.start_ms
        if start is None and self.since:
            start = local_midnight_ms(self.since, self.tz)
        return EventFilter(
            start_ms=start,
            end_ms=local_midnight_ms(self.until + timedelta(days=1), self.tz) if self.until else None,
            sources=self.sources,
            models=self.models,
            projects=self.projects,
            sessions=self.sessions,
            hosts=self.hosts,
            users=self.users,
            zone=self.tz.key,
            first_day=day_number(self.since) if self.since and self.start_ms is None else None,
            last_day=day_number(self.until) if self.until else None,
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


def summed(rows: Iterable[Row]) -> Totals:
    total = Totals()
    for row in rows:
        total.add(row.totals)
    return total


def _labeller(kind: Kind, query: Query):
    if kind.group == "day":
        return lambda n: day_from_number(n).isoformat()
    if kind.group == "week":
        return lambda n: week_label(day_from_number(n), query.start_of_week)
    if kind.group == "month":
        return lambda n: f"{n // 100:04d}-{n % 100:02d}"
    return None


def usage_report(ledger: Ledger, kind: str | Kind, query: Query, *, parts: bool | str = True) -> Report:
    """The rows of one of :data:`KINDS` (``today`` expects the caller to have set the day). Without
    ``parts`` the rows carry no per (source, model) breakdown (``Row.models`` stays empty), which the
    ledger then need not compute; the kinds with a row per model, sessions and the team always have it.
    ``parts`` "host" or "user" adds each row's sums per host or user (``Row.by``)."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    by = parts if parts in ("host", "user") else None
    parts = bool(parts) or kind.group in (None, "session", "team")
    f = query.event_filter()

    def spans():
        first, last = queries.time_range(ledger, f)
        return offset_spans(query.tz, first or 0, last or 0)

    label_of = _labeller(kind, query)
    labels: dict[object, str] = {}
    rows: dict[str, Row] = {}
    projects: dict[str, set[str]] = {}
    period = {"week": ("week", query.start_of_week), "month": ("month", 0)}.get(kind.group)
    for g in queries.usage(ledger, f, kind.query_group, query.mode, spans, period, per_model=parts, by=by):
        if label_of is not None:
            label = labels.get(g.value)
            if label is None:
                label = labels[g.value] = label_of(g.value)
        elif kind.group == "team":
            label = f"{g.value[0]}@{g.value[1]}"
        elif kind.group is not None:
            label = g.value or kind.none_label
        else:
            label = g.model
        row = rows.get(label)
        if row is None:
            row = rows[label] = Row(label)
            if kind.group == "team":
                row.user, row.host = g.value
        part = Totals.of(g.model, g.requests, g.tokens, g.cost_pusd, g.unpriced)
        if by is not None:
            row.by.setdefault(g.part, Totals()).add(part)
        if parts:
            row.add(g.source, g.model, part, g.first_ms, g.last_ms)
        else:
            part.unpriced_models = set()
            row.totals.add(part)
            row.first_ms, row.last_ms = g.first_ms, g.last_ms
        if g.project:
            projects.setdefault(label, set()).add(g.project)
    ordered = sorted(rows.values(), key=_sort_key(kind))
    for row in ordered:
        if row.period in projects:
            row.project = min(projects[row.period])
    if kind.group == "team":
        counts = queries.session_counts(ledger, f)
        for row in ordered:
            row.sessions = counts.get((row.user, row.host), 0)
    totals = summed(ordered)
    if not parts and totals.unpriced_requests:
        totals.unpriced_models = set(queries.unpriced_models(ledger, f, query.mode))
    return Report(kind.name, query, ordered, totals)


def _sort_key(kind: Kind):
    if kind.order == "period":
        return lambda r: r.period
    if kind.order == "recent":
        return lambda r: (r.last_ms or 0, r.period)
    return lambda r: (-(r.totals.priced_pusd), -r.totals.total_tokens, r.period)


def reorder(report: Report, order: str | None) -> Report:
    """The report with its rows in ``order`` (``asc``/``desc`` of its kind's own key; None: as they are)."""
    natural = "asc" if report.kind not in KINDS else KINDS[report.kind].direction
    if order and order != natural:
        report.rows.reverse()
    return report


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(tz)).astimezone(tz).date()
