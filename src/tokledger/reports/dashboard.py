"""What a live dashboard shows, bundled per refresh: lifetime / month-to-date / today totals, daily trends
of the top models, today's split by model and by source, and the active 5-hour block with its burn rate.

Everything comes from the report API (:func:`~tokledger.reports.usage_report`,
:func:`~tokledger.reports.blocks.blocks_report`). The two halves cost very different amounts, so a caller
that refreshes often can rebuild them on their own schedules: :func:`usage_panels` reads the whole history
(rebuild it when the ledger changed); :func:`recent_blocks` reads only the last day or so (cheap enough for
every refresh, and its totals tell when recent data changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from tokledger.ledger import Ledger, ms_to_datetime
from tokledger.reports import Query, Report, Row, Totals, usage_report
from tokledger.reports.blocks import PlanWindow

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


def usage_panels(ledger: Ledger, query: Query, *, days: int, now: datetime) -> Usage:
    """Lifetime, month-to-date and today's totals and the daily trends of the ``days`` ending today."""
    today = now.astimezone(query.tz).date()
    first = today - timedelta(days=days - 1)
    month_start = today.replace(day=1)
    team = ledger.dialect.postgres
    by_model = usage_report(
        ledger, "model", replace(query, since=None, until=None), parts="host" if team else True
    )
    lifetime = by_model.totals
    hosts: dict[str, Totals] = {}
    for row in by_model.rows:
        for host, part in row.by.items():
            hosts.setdefault(host, Totals()).add(part)
    daily = usage_report(ledger, "daily", replace(query, since=min(first, month_start), until=today))
    rows = {row.period: row for row in daily.rows}
    month = Totals()
    for row in daily.rows:
        if row.period >= month_start.isoformat():
            month.add(row.totals)
    today_row = rows.get(today.isoformat())

    span = [first + timedelta(days=i) for i in range(days)]
    in_range = Totals()
    per_model: dict[str, Trend] = {}
    for i, day in enumerate(span):
        row = rows.get(day.isoformat())
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
        today=today, days=span, lifetime=lifetime, month=month, range_totals=in_range,
        today_totals=today_row.totals if today_row else Totals(),
        today_models=_by(today_row, 1), today_sources=_by(today_row, 0),
        trends=ranked[:TOP_MODELS], models_in_range=len(ranked),
        hosts=sorted(hosts.items(), key=lambda kv: (-kv[1].priced_pusd, -kv[1].total_tokens, kv[0])),
    )  # fmt: skip


def active_block(report: Report, now: datetime) -> ActiveBlock | None:
    row = next((r for r in reversed(report.rows) if r.is_active), None)
    if row is None:
        return None
    t = row.totals
    now_ms = int(now.timestamp() * 1000)
    block = ActiveBlock(
        start=ms_to_datetime(row.start_ms), end=ms_to_datetime(row.end_ms), totals=t,
        elapsed_minutes=max(0, (now_ms - row.start_ms) // 60_000), remaining_minutes=row.remaining_minutes,
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
