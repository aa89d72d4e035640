"""What a live dashboard shows, bundled per refresh: lifetime / month / day totals, daily trends of the top
models, a day's split by model and by source, and the active 5-hour block with its burn rate and limit.

Everything comes from the report API (:func:`~tokledger.reports.usage_report`,
:func:`~tokledger.reports.blocks.blocks_report`). The two halves cost very different amounts, so a caller
that refreshes often can rebuild them on their own schedules: :func:`usage_panels` reads the whole history
(rebuild it when the ledger changed); :func:`recent_blocks` reads only the last day or so (cheap enough for
every refresh, and its totals tell when recent data changed).

An old history — no usage in the trend range ending today — is shown as of its last active day (the
*anchor*): the trends end there, the month row is that month's, the day row that day's, and
:attr:`Usage.stale` says so, so the faces can say when usage was last seen and leave out what is empty.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from tokledger.ledger import Ledger, ms_to_datetime, queries
from tokledger.reports import Query, Report, Row, Totals, usage_report
from tokledger.reports.blocks import PlanWindow, blocks_report
from tokledger.reports.palette import model_colours
from tokledger.reports.periods import local_midnight_ms

TOP_MODELS = 5


@dataclass
class Trend:
    """One model's daily figures over the range, oldest day first."""

    model: str
    tokens: list[int]
    cost_pusd: list[int]  # the priced part of each day
    totals: Totals


@dataclass
class Usage:
    """The history half of a dashboard (expensive: reads every event)."""

    today: date
    days: list[date]
    lifetime: Totals
    month: Totals
    range_totals: Totals
    today_totals: Totals
    today_models: list[tuple[str, Totals]]
    today_sources: list[tuple[str, Totals]]
    trends: list[Trend]
    models_in_range: int
    anchor: date | None = None
    """The last day shown: today, or the last active day when the range ending today has no usage."""
    last_ms: int | None = None
    """The newest request (to the quarter-hour)."""
    last_month: Totals = field(default_factory=Totals)
    """The month before the anchor's, up to the same day of the month."""
    last_month_full: Totals = field(default_factory=Totals)
    month_fraction: float = 1.0
    """How much of the anchor's month has passed (1.0 for a month that is over)."""
    day_totals: list[Totals] = field(default_factory=list)
    """Every model's totals per day of :attr:`days`."""
    colours: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.anchor is None:
            self.anchor = self.today

    @property
    def stale(self) -> bool:
        """True when the trends end before today: the last usage is older than the range."""
        return self.anchor != self.today

    @property
    def month_start(self) -> date:
        return self.anchor.replace(day=1)

    def projected(self, t: Totals) -> Totals:
        """Month-to-date totals carried to the month's end at the pace so far (costs and tokens)."""
        f = max(self.month_fraction, 1e-9)
        return Totals(input_tokens=round(t.input_tokens / f), output_tokens=round(t.output_tokens / f),
                      cache_write_tokens=round(t.cache_write_tokens / f), cache_read_tokens=round(t.cache_read_tokens / f),
                      requests=round(t.requests / f), priced_pusd=round(t.priced_pusd / f),
                      unpriced_requests=t.unpriced_requests)  # fmt: skip

    hosts: list[tuple[str, Totals]] = field(default_factory=list)
    """A team ledger's lifetime sums per host, costliest first (empty for a personal ledger: its own only)."""


@dataclass
class ActiveBlock:
    """The 5-hour block in progress. Costs are the priced part (``totals.unpriced_requests`` says if partial)."""

    start: datetime
    end: datetime
    totals: Totals
    elapsed_minutes: int
    remaining_minutes: int
    tokens_per_minute: float | None = None
    cost_per_hour: Totals | None = None
    projected_tokens: int | None = None
    projected_cost: Totals | None = None
    limit: int | None = None
    """The token limit the block is measured against, if any."""
    limit_from: str = ""
    """Where the limit comes from: ``--token-limit``, ``config`` or ``largest block``."""

    def share(self, tokens: int | None) -> float | None:
        return None if not self.limit or tokens is None else tokens / self.limit

    @staticmethod
    def status(share: float | None) -> str:
        """``ok``, ``warning`` (80 % of the limit) or ``exceeds``, as ``blocks --token-limit`` says."""
        if share is None:
            return "ok"
        return "exceeds" if share > 1 else "warning" if share > 0.8 else "ok"


@dataclass
class Dashboard:
    now: datetime
    query: Query
    days: int
    usage: Usage
    block: ActiveBlock | None
    sources: list[dict] = field(default_factory=list)
    plan: list[PlanWindow] = field(default_factory=list)
    """The plan's own usage windows, when Claude Code reported them (:func:`~tokledger.reports.blocks.plan_usage`)."""

    @property
    def unpriced_models(self) -> list[str]:
        return sorted(self.usage.lifetime.unpriced_models)


def _by(row: Row | None, index: int) -> list[tuple[str, Totals]]:
    """A row's (source, model) breakdown summed by source (index 0) or model (index 1), costliest first."""
    out: dict[str, Totals] = {}
    for key, part in row.models.items() if row else ():
        out.setdefault(key[index], Totals()).add(part)
    return sorted(out.items(), key=lambda kv: (-kv[1].priced_pusd, -kv[1].total_tokens, kv[0]))


def _sum(rows: dict[str, Row], first: date, last: date) -> Totals:
    total = Totals()
    for period, row in rows.items():
        if first.isoformat() <= period <= last.isoformat():
            total.add(row.totals)
    return total


def usage_panels(ledger: Ledger, query: Query, *, days: int, now: datetime) -> Usage:
    """Lifetime, month and day totals and the daily trends of the ``days`` ending today — or ending on the
    last active day, when the days ending today hold no usage."""
    today = now.astimezone(query.tz).date()
    whole = replace(query, since=None, until=None)
    team = ledger.dialect.postgres
    by_model = usage_report(ledger, "model", whole, parts="host" if team else True)
    lifetime = by_model.totals
    hosts: dict[str, Totals] = {}
    for row in by_model.rows:
        for host, part in row.by.items():
            hosts.setdefault(host, Totals()).add(part)
    _, last_ms = queries.time_range(ledger, whole.event_filter()) if lifetime.requests else (None, None)
    last_day = ms_to_datetime(last_ms).astimezone(query.tz).date() if last_ms is not None else None
    anchor = last_day if last_day is not None and last_day < today - timedelta(days=days - 1) else today
    first = anchor - timedelta(days=days - 1)
    month_start = anchor.replace(day=1)
    prev_start = (month_start - timedelta(days=1)).replace(day=1)
    daily = usage_report(ledger, "daily", replace(query, since=min(first, prev_start), until=anchor))
    rows = {row.period: row for row in daily.rows}
    prev_days = monthrange(prev_start.year, prev_start.month)[1]
    anchor_row = rows.get(anchor.isoformat())
    fraction = 1.0
    if anchor == today:
        elapsed = now.timestamp() * 1000 - local_midnight_ms(month_start, query.tz)
        fraction = min(1.0, elapsed / 86_400_000 / monthrange(anchor.year, anchor.month)[1])

    span = [first + timedelta(days=i) for i in range(days)]
    in_range = Totals()
    per_day: list[Totals] = []
    per_model: dict[str, Trend] = {}
    for i, day in enumerate(span):
        row = rows.get(day.isoformat())
        per_day.append(row.totals if row else Totals())
        if row is not None:
            in_range.add(row.totals)
        for model, part in _by(row, 1):
            trend = per_model.get(model)
            if trend is None:
                trend = per_model[model] = Trend(model, [0] * days, [0] * days, Totals())
            trend.tokens[i] += part.total_tokens
            trend.cost_pusd[i] += part.priced_pusd
            trend.totals.add(part)
    ranked = sorted(
        per_model.values(), key=lambda t: (-t.totals.priced_pusd, -t.totals.total_tokens, t.model)
    )
    return Usage(
        today=today, days=span, lifetime=lifetime, month=_sum(rows, month_start, anchor), range_totals=in_range,
        today_totals=anchor_row.totals if anchor_row else Totals(),
        today_models=_by(anchor_row, 1), today_sources=_by(anchor_row, 0),
        trends=ranked[:TOP_MODELS], models_in_range=len(ranked), anchor=anchor, last_ms=last_ms,
        last_month=_sum(rows, prev_start, prev_start + timedelta(days=min(anchor.day, prev_days) - 1)),
        last_month_full=_sum(rows, prev_start, month_start - timedelta(days=1)), month_fraction=fraction,
        day_totals=per_day, colours=model_colours(ledger),
        hosts=sorted(hosts.items(), key=lambda kv: (-kv[1].priced_pusd, -kv[1].total_tokens, kv[0])),
    )  # fmt: skip


def largest_block(ledger: Ledger, query: Query, *, hours: int = 5, now: datetime) -> int | None:
    """The most tokens any finished block of the whole history used (the ``max`` token limit)."""
    report = blocks_report(
        ledger, replace(query, since=None, until=None, start_ms=None), hours=hours, now=now
    )
    done = [row.totals.total_tokens for row in report.rows if not row.is_gap and not row.is_active]
    return max(done, default=None)


def active_block(
    report: Report, now: datetime, *, limit: int | None = None, limit_from: str = ""
) -> ActiveBlock | None:
    row = next((r for r in reversed(report.rows) if r.is_active), None)
    if row is None:
        return None
    t = row.totals
    now_ms = int(now.timestamp() * 1000)
    block = ActiveBlock(
        start=ms_to_datetime(row.start_ms), end=ms_to_datetime(row.end_ms), totals=t,
        elapsed_minutes=max(0, (now_ms - row.start_ms) // 60_000), remaining_minutes=row.remaining_minutes,
        limit=limit, limit_from=limit_from if limit else "",
    )  # fmt: skip
    minutes = (row.last_ms - row.first_ms) / 60_000
    if minutes > 0:
        per_hour = Decimal(t.priced_pusd) / Decimal(str(minutes)) * 60
        block.tokens_per_minute = row.tokens_per_minute
        block.projected_tokens = row.projected_tokens
        block.cost_per_hour = Totals(priced_pusd=int(per_hour), unpriced_requests=t.unpriced_requests)
        projected = t.priced_pusd + per_hour / 60 * row.remaining_minutes
        block.projected_cost = Totals(priced_pusd=int(projected), unpriced_requests=t.unpriced_requests)
    return block
