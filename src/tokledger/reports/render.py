"""Turning a :class:`Report` into the JSON contract or CSV (tables: :mod:`tokledger.reports.table`).

JSON (``--json``) — an object::

    {"report": "daily", "timezone": "Europe/Berlin", "mode": "auto",
     "rows": [ROW, ...], "totals": TOTALS,
     "unpriced": {"requests": 0, "models": []}}

ROW has ``period`` and the TOTALS keys, plus ``models`` (with ``--breakdown``: a list of TOTALS with
``source`` and ``model``) or ``sources`` (with ``--breakdown source``: TOTALS with ``source``) or ``hosts`` /
``users`` (with ``--breakdown host|user``: TOTALS with ``host`` / ``user``), and per report: ``project``,
``source``, ``first_timestamp``, ``last_timestamp`` (session); ``user``, ``host``, ``sessions``,
``top_models`` (team); ``start``, ``end``, ``actual_end``, ``is_active``, ``is_gap``, ``token_limit`` and for
the active block ``burn_rate`` / ``projection`` (blocks). TOTALS keys: ``input_tokens``, ``output_tokens``,
``cache_write_tokens``, ``cache_write_1h_tokens``, ``cache_read_tokens``, ``reasoning_tokens``,
``total_tokens``, ``requests``, ``cost_usd`` (null when any request is unpriced), ``cost_usd_priced`` (the
priced part), ``unpriced_requests``. The blocks report adds ``rate_limits`` when Claude Code has reported the
plan's own usage windows (see :func:`plan_dict`). CSV carries every key of a row (see :func:`to_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from tokledger.events import TOKEN_FIELDS
from tokledger.ledger import ms_to_datetime
from tokledger.reports import Report, Row, Totals
from tokledger.reports.blocks import BlockRow, PlanWindow
from tokledger.reports.format import cost_text, iso, money, money_pusd

TOKEN_KEYS = (*TOKEN_FIELDS, "total_tokens")


def totals_dict(t: Totals) -> dict:
    out: dict = {key: getattr(t, key) for key in TOKEN_KEYS}
    out["requests"] = t.requests
    priced = money_pusd(t.priced_pusd)
    out["cost_usd"] = None if t.unpriced_requests else priced
    out["cost_usd_priced"] = priced
    out["unpriced_requests"] = t.unpriced_requests
    return out


TOP_MODELS = 3


def parts(row: Row, breakdown: str | bool | None) -> list[tuple[tuple[str, str], Totals]]:
    """A row's breakdown: per (source, model), or with ``breakdown="source"`` per source (model ""), or with
    ``"host"`` / ``"user"`` per host or user (model "")."""
    if breakdown in ("host", "user"):
        return sorted(((name, ""), t) for name, t in row.by.items())
    if breakdown == "source":
        by_source: dict[tuple[str, str], Totals] = {}
        for (source, _model), t in row.models.items():
            by_source.setdefault((source, ""), Totals()).add(t)
        return sorted(by_source.items())
    return sorted(row.models.items()) if breakdown else []


def top_models(row: Row, n: int = TOP_MODELS) -> list[tuple[str, Totals]]:
    """The row's costliest models (then the most tokens), across sources."""
    by_model: dict[str, Totals] = {}
    for (_source, model), t in row.models.items():
        by_model.setdefault(model, Totals()).add(t)
    ranked = sorted(by_model.items(), key=lambda kv: (-kv[1].priced_pusd, -kv[1].total_tokens, kv[0]))
    return ranked[:n]


def row_dict(report: Report, row: Row, breakdown: str | bool | None) -> dict:
    out = {"period": row.period, **totals_dict(row.totals)}
    if report.kind == "team":
        out.update(user=row.user, host=row.host, sessions=row.sessions)
        out["top_models"] = [{"model": m, "total_tokens": t.total_tokens, "cost_usd": totals_dict(t)["cost_usd"]}
                             for m, t in top_models(row)]  # fmt: skip
    if report.kind == "session":
        out["project"] = row.project
        out["source"] = ",".join(sorted({source for source, _ in row.models})) or None
        out["first_timestamp"] = iso(row.first_ms)
        out["last_timestamp"] = iso(row.last_ms)
    if isinstance(row, BlockRow):
        out.update(start=iso(row.start_ms), end=iso(row.end_ms), actual_end=iso(row.actual_end_ms),
                   is_active=row.is_active, is_gap=row.is_gap)  # fmt: skip
        if row.tokens_per_minute is not None:
            out["burn_rate"] = {"tokens_per_minute": row.tokens_per_minute,
                                "cost_per_hour_usd": money(row.cost_per_hour_usd)}  # fmt: skip
        if row.is_active:
            projected = row.projected_tokens if row.projected_tokens is not None else row.totals.total_tokens
            out["projection"] = {"remaining_minutes": row.remaining_minutes, "total_tokens": projected,
                                 "cost_usd": money(row.projected_cost_usd)}  # fmt: skip
        if row.token_limit is not None:
            out["token_limit"] = asdict(row.token_limit)
    if breakdown in ("host", "user"):
        out[f"{breakdown}s"] = [{breakdown: name, **totals_dict(t)} for (name, _), t in parts(row, breakdown)]
    elif breakdown == "source":
        out["sources"] = [{"source": source, **totals_dict(t)} for (source, _), t in parts(row, breakdown)]
    elif breakdown:
        out["models"] = [{"source": source, "model": model, **totals_dict(t)} for (source, model), t in
                         parts(row, breakdown)]  # fmt: skip
    return out


def to_doc(report: Report, breakdown: str | bool | None) -> dict:
    """The JSON document of a report, as plain data."""
    return {
        "report": report.kind,
        "timezone": report.query.tz.key,
        "mode": report.query.mode,
        "rows": [row_dict(report, row, breakdown) for row in report.rows],
        "totals": totals_dict(report.totals),
        "unpriced": {"requests": report.totals.unpriced_requests, "models": report.unpriced_models},
    }


def to_json(report: Report, breakdown: str | bool | None) -> str:
    return json.dumps(to_doc(report, breakdown), indent=2)


ROW_KEYS = (*TOKEN_KEYS, "requests", "cost_usd", "cost_usd_priced", "unpriced_requests")
EXTRA_KEYS = {
    "session": ("project", "first_timestamp", "last_timestamp"),
    "blocks": ("start", "end", "actual_end", "is_active", "is_gap", "burn_rate.tokens_per_minute",
               "burn_rate.cost_per_hour_usd", "projection.remaining_minutes", "projection.total_tokens",
               "projection.cost_usd", "token_limit.limit", "token_limit.projected_tokens", "token_limit.percent_used",
               "token_limit.status"),
}  # fmt: skip
"""The CSV columns a kind adds to ``period``, ``source``, ``model`` and :data:`ROW_KEYS`: every other key of
its JSON rows (nested objects as ``object.key``), whether or not a row has it."""


def flat(doc: dict, prefix: str = "") -> dict:
    """A JSON row with nested objects spelled ``burn_rate.tokens_per_minute``; lists left out."""
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        elif not isinstance(value, list):
            out[prefix + key] = value
    return out


def _csv_value(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_csv(report: Report, breakdown: str | bool | None) -> str:
    """One line per row (with ``breakdown`` one per row and source/model, the row's own keys repeated):
    ``period``, ``source``, ``model``, the totals and every other key of the JSON row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    extra = EXTRA_KEYS.get(report.kind, ())
    writer.writerow(["period", "source", "model", *ROW_KEYS, *extra])
    for row in report.rows:
        d = flat(row_dict(report, row, False))
        tail = [_csv_value(d.get(k)) for k in extra]
        lines = parts(row, breakdown) if breakdown else [((d.get("source") or "", ""), row.totals)]
        for (source, model), t in lines:
            totals = totals_dict(t)
            writer.writerow([row.period, source, model, *(_csv_value(totals[k]) for k in ROW_KEYS), *tail])
    return buf.getvalue()


def fmt_cost(t: Totals) -> str:
    return cost_text(t.priced_pusd, t.unpriced_requests)


PLAN_LABELS = {"five_hour": "5-hour", "seven_day": "7-day"}


def plan_dict(windows: list[PlanWindow]) -> dict:
    """``{"five_hour": {"used_percent": 37.0, "resets_at": ISO or null, "observed_at": ISO}, ...}``."""
    return {w.window: {"used_percent": w.used_percent, "resets_at": iso(w.resets_ms), "observed_at": iso(w.observed_ms)}
            for w in windows}  # fmt: skip


def plan_line(windows: list[PlanWindow], tz) -> str:
    """``plan usage (Claude Code): 5-hour 37% (resets 14:00), 7-day 92% (resets 2025-06-09 08:00)``."""
    parts = []
    for w in windows:
        text = f"{PLAN_LABELS.get(w.window, w.window)} {w.used_percent:.0f}%"
        if w.resets_ms is not None:
            resets = ms_to_datetime(w.resets_ms).astimezone(tz)
            text += (
                f" (resets {resets:%H:%M})"
                if w.window == "five_hour"
                else f" (resets {resets:%Y-%m-%d %H:%M})"
            )
        parts.append(text)
    return "plan usage (Claude Code): " + ", ".join(parts)
