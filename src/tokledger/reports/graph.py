"""Contribution-calendar data and the stats around it: one entry per local day, intensity grades, streaks.

Everything here is computed from a *daily* :class:`~tokledger.reports.Report` (its rows carry the per
(source, model) breakdown), so ``tokledger graph``, the web dashboard and ``tokledger daily --json`` show the
same numbers. :func:`history` returns that report for a whole history; :func:`graph_data`,
:func:`overview` and :func:`day_detail` slice it. The JSON shapes are documented in ``docs/web.md``.

Definitions (tokscale's, where it has one):

- a day is *active* when it has at least one request, priced or not;
- ``intensity`` is the quartile of a day's priced cost among the active days of the range (as GitHub grades
  its calendar): ``ceil(4 × share of active days costing at most as much)``, 1 for an active day without
  priced cost, 0 for an idle day; ``intensity_tokens`` does the same with total tokens. tokscale grades
  against the busiest day instead, which leaves every other day of a year with one outlier at grade 1. A day
  whose usage is all unpriced is still shown as active, never as an empty $0 day;
- the current streak counts consecutive active days ending today, or yesterday when today is still idle.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from tokledger import __version__
from tokledger.ledger import pusd_to_usd
from tokledger.reports import Report, Row, Totals, summed
from tokledger.reports.format import money
from tokledger.reports.render import row_dict, totals_dict

ONE_DAY = timedelta(days=1)


def grader(values: Iterable[float]):
    """The intensity function of a range: a day's quartile among its active days with a positive value."""
    ordered = sorted(v for v in values if v > 0)

    def grade(value: float, active: bool) -> int:
        if not active:
            return 0
        if value <= 0:
            return 1
        return max(1, math.ceil(4 * bisect_right(ordered, value) / len(ordered)))

    return grade


def _days(report: Report, since: date | None = None, until: date | None = None) -> dict[date, Row]:
    out = {}
    for row in report.rows:
        day = date.fromisoformat(row.period)
        if (since is None or day >= since) and (until is None or day <= until):
            out[day] = row
    return out


def _active(days: dict[date, Row]) -> list[date]:
    return sorted(d for d, row in days.items() if row.totals.requests)


def streaks(active: list[date], today: date) -> tuple[int, dict]:
    """(current streak, longest streak as ``{"days", "start", "end"}``) over sorted active days."""
    longest = {"days": 0, "start": None, "end": None}
    run_start = prev = None
    for day in active:
        if prev is None or day - prev != ONE_DAY:
            run_start = day
        length = (day - run_start).days + 1
        if length > longest["days"]:
            longest = {"days": length, "start": run_start.isoformat(), "end": day.isoformat()}
        prev = day
    seen = set(active)
    current, day = 0, today if today in seen else today - ONE_DAY
    while day in seen:
        current, day = current + 1, day - ONE_DAY
    return current, longest


def _unpriced(t: Totals) -> dict:
    return {"requests": t.unpriced_requests, "models": sorted(t.unpriced_models)}


def _cost_key(t: Totals) -> tuple:
    return (t.priced_pusd, t.total_tokens, t.requests)


def _best_day(days: dict[date, Row]) -> dict | None:
    if not days:
        return None
    day, row = max(days.items(), key=lambda kv: (_cost_key(kv[1].totals), kv[0]))
    return {"date": day.isoformat(), **totals_dict(row.totals)} if row.totals.requests else None


def _average(total: Totals, active_days: int) -> dict:
    n = max(1, active_days)
    return {"cost_usd_priced": money(total.cost_usd_priced / n), "total_tokens": round(total.total_tokens / n),
            "requests": round(total.requests / n, 1)}  # fmt: skip


def _ranked(totals: dict[str, Totals]) -> dict[str, Totals]:
    """Costliest first (then most tokens, most requests, name)."""
    return dict(sorted(totals.items(), key=lambda kv: (tuple(-x for x in _cost_key(kv[1])), kv[0])))


def _grouped(days: dict[date, Row], by_source: bool) -> dict[str, Totals]:
    out: dict[str, Totals] = {}
    for row in days.values():
        for (source, model), part in row.models.items():
            out.setdefault(source if by_source else model, Totals()).add(part)
    return _ranked(out)


def years(report: Report) -> list[dict]:
    """The years holding usage, newest last, with their totals."""
    by_year: dict[int, dict[date, Row]] = {}
    for day, row in _days(report).items():
        by_year.setdefault(day.year, {})[day] = row
    out = []
    for year, days in sorted(by_year.items()):
        active = _active(days)
        out.append({"year": year, "first_day": active[0].isoformat() if active else None,
                    "last_day": active[-1].isoformat() if active else None, "active_days": len(active),
                    **totals_dict(summed(days.values()))})  # fmt: skip
    return out


def default_year(report: Report, today: date) -> int:
    """The newest year with usage, else the current one."""
    return int(report.rows[-1].period[:4]) if report.rows else today.year


def graph_data(
    history: Report, detail: Report, year: int, *, today: date, now: datetime | None = None
) -> dict:
    """The contribution calendar of one year: every day, usage or not. ``history`` is the daily report of
    every year (its breakdown is not needed), ``detail`` the daily report of this year with its breakdown
    (see :func:`year_bounds`)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    days = _days(detail, start, end)
    active = _active(days)
    total = summed(days.values())
    top_cost = max((r.totals.priced_pusd for r in days.values()), default=0)
    top_tokens = max((r.totals.total_tokens for r in days.values()), default=0)
    by_cost = grader(r.totals.priced_pusd for r in days.values())
    by_tokens = grader(r.totals.total_tokens for r in days.values())
    first_sunday = start - timedelta(days=(start.weekday() + 1) % 7)
    contributions = []
    day = start
    while day <= end:
        row = days.get(day) or Row(day.isoformat())
        t, is_active = row.totals, bool(row.totals.requests)
        entry = row_dict(detail, row, breakdown=True)
        contributions.append({"date": entry.pop("period"), "week": (day - first_sunday).days // 7,
                              "weekday": (day.weekday() + 1) % 7, **entry,
                              "intensity": by_cost(t.priced_pusd, is_active),
                              "intensity_tokens": by_tokens(t.total_tokens, is_active)})  # fmt: skip
        day += ONE_DAY
    current, longest = streaks(active, today)
    return {
        "meta": {
            "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tokledger": __version__,
            "timezone": detail.query.tz.key,
            "mode": detail.query.mode,
            "year": year,
            "range": {"start": start.isoformat(), "end": end.isoformat()},
            "filters": {"sources": list(detail.query.sources), "models": list(detail.query.models)},
        },
        "summary": {
            **totals_dict(total),
            "days": (end - start).days + 1,
            "active_days": len(active),
            "average_per_active_day": _average(total, len(active)),
            "max_day": {"cost_usd_priced": money(pusd_to_usd(top_cost)), "total_tokens": top_tokens},
            "best_day": _best_day(days),
            "current_streak": current,
            "longest_streak": longest,
            "sources": list(_grouped(days, by_source=True)),
            "models": list(_grouped(days, by_source=False)),
            "unpriced": _unpriced(total),
        },
        "years": years(history),
        "contributions": contributions,
    }


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def overview(history: Report, by_model: Report, *, today: date, since: date | None = None,
             until: date | None = None) -> dict:  # fmt: skip
    """The headline numbers between ``since`` and ``until`` (inclusive): ``history`` is the daily report of
    every day (its breakdown is not needed), ``by_model`` the model report of the range, by source."""
    days = _days(history, since, until)
    active = _active(days)
    total = summed(days.values())
    first = since or (active[0] if active else None)
    last = until or (active[-1] if active else None)
    if first and last and first <= today < last:
        last = today  # a range still in progress counts the days elapsed so far
    models = _ranked({row.period: row.totals for row in by_model.rows})
    sources: dict[str, Totals] = {}
    for row in by_model.rows:
        for (source, _), part in row.models.items():
            sources.setdefault(source, Totals()).add(part)
    favourite = max(models.items(), key=lambda kv: (kv[1].requests, kv[1].total_tokens), default=None)
    current, longest = streaks(active, today)
    return {
        "timezone": history.query.tz.key,
        "mode": history.query.mode,
        "today": today.isoformat(),
        "range": {
            "since": since and since.isoformat(),
            "until": until and until.isoformat(),
            "first_day": active[0].isoformat() if active else None,
            "last_day": active[-1].isoformat() if active else None,
        },
        "totals": totals_dict(total),
        "unpriced": _unpriced(by_model.totals),
        "days": (last - first).days + 1 if first and last and last >= first else 0,
        "active_days": len(active),
        "current_streak": current,
        "longest_streak": longest,
        "busiest_day": _best_day(days),
        "most_used_model": favourite and {"model": favourite[0], **totals_dict(favourite[1])},
        "average_per_active_day": _average(total, len(active)),
        "sources": [{"source": s, **totals_dict(t)} for s, t in _ranked(sources).items()],
        "models": [{"model": m, **totals_dict(t)} for m, t in models.items()],
        "years": [y["year"] for y in years(history)],
    }


def day_detail(report: Report, day: date) -> dict:
    """One day by source (alphabetical) and, under each, by model (costliest first)."""
    row = _days(report, day, day).get(day) or Row(day.isoformat())
    sources: dict[str, dict[str, Totals]] = {}
    for (source, model), part in row.models.items():
        sources.setdefault(source, {})[model] = part
    out = []
    for source in sorted(sources):
        models = sorted(sources[source].items(), key=lambda kv: (tuple(-x for x in _cost_key(kv[1])), kv[0]))
        subtotal = Totals()
        for _, part in models:
            subtotal.add(part)
        out.append({"source": source, **totals_dict(subtotal),
                    "models": [{"model": m, **totals_dict(t)} for m, t in models]})  # fmt: skip
    return {
        "date": day.isoformat(),
        "timezone": report.query.tz.key,
        "mode": report.query.mode,
        "totals": totals_dict(row.totals),
        "unpriced": _unpriced(row.totals),
        "sources": out,
    }
