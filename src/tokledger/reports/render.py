"""Turning a :class:`Report` into a Rich table, the JSON contract, or CSV.

JSON (``--json``) — an object::

    {"report": "daily", "timezone": "Europe/Berlin", "mode": "auto",
     "rows": [ROW, ...], "totals": TOTALS,
     "unpriced": {"requests": 0, "models": []}}

ROW has ``period`` and the TOTALS keys, plus ``models`` (with ``--breakdown``: a list of TOTALS with
``source`` and ``model``) or ``sources`` (with ``--breakdown source``: TOTALS with ``source``) or ``hosts`` /
``users`` (with ``--breakdown host|user``: TOTALS with ``host`` / ``user``), and per report: ``project``,
``first_timestamp``, ``last_timestamp`` (session); ``user``, ``host``, ``sessions``, ``top_models`` (team); ``start``, ``end``, ``actual_end``, ``is_active``, ``is_gap`` and for the active block
``burn_rate`` / ``projection`` (blocks). TOTALS keys: ``input_tokens``, ``output_tokens``,
``cache_write_tokens``, ``cache_write_1h_tokens``, ``cache_read_tokens``, ``reasoning_tokens``,
``total_tokens``, ``requests``, ``cost_usd`` (null when any request is unpriced),
``cost_usd_priced`` (the priced part), ``unpriced_requests``. The blocks report adds ``rate_limits``
when Claude Code has reported the plan's own usage windows (see :func:`plan_dict`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from tokledger.events import TOKEN_FIELDS
from tokledger.ledger import ms_to_datetime
from tokledger.reports import KINDS, Report, Row, Totals
from tokledger.reports.blocks import BlockRow, PlanWindow
from tokledger.reports.format import cost_text, integer, iso, money, money_pusd, printable


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


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


def to_csv(report: Report, breakdown: str | bool | None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    keys = [*TOKEN_KEYS, "requests", "cost_usd", "cost_usd_priced", "unpriced_requests"]
    writer.writerow(["period", "source", "model", *keys])

    def emit(period: str, source: str, model: str, t: Totals) -> None:
        d = totals_dict(t)
        writer.writerow([period, source, model, *("" if d[k] is None else d[k] for k in keys)])

    for row in report.rows:
        if breakdown:
            for (source, model), t in parts(row, breakdown):
                emit(row.period, source, model, t)
        else:
            emit(row.period, "", "", row.totals)
    return buf.getvalue()


# -- tables -----------------------------------------------------------------------------------------


def fmt_cost(t: Totals) -> str:
    return cost_text(t.priced_pusd, t.unpriced_requests)


def _label(report: Report) -> str:
    return "Block" if report.kind == "blocks" else KINDS[report.kind].label


def _period_text(report: Report, row: Row) -> str:
    if isinstance(row, BlockRow):
        start = ms_to_datetime(row.start_ms).astimezone(report.query.tz).strftime("%Y-%m-%d %H:%M")
        if row.is_gap:
            return f"{start} (gap)"
        return f"{start} (active)" if row.is_active else start
    period = printable(row.period)
    if report.kind == "team":
        models = ", ".join(printable(m) for m, _ in top_models(row))
        return f"{escape(period)}\n[dim]{row.sessions or 0:,} sessions · {escape(models)}[/dim]"
    if report.kind == "session" and row.project:
        return f"{period}\n[dim]{escape(printable(row.project))}[/dim]"
    return escape(period)


def to_table(report: Report, breakdown: str | bool | None, title: str | None = None):
    from rich.table import Table

    table = Table(title=title, show_footer=True, header_style="bold", footer_style="bold")
    table.add_column(_label(report), footer="Total", overflow="fold", min_width=10)
    for name, key in (("Input", "input_tokens"), ("Output", "output_tokens"), ("Cache write", "cache_write_tokens"),
                      ("Cache read", "cache_read_tokens"), ("Total", "total_tokens")):  # fmt: skip
        table.add_column(name, justify="right", footer=integer(getattr(report.totals, key)), no_wrap=True)
    table.add_column("Cost", justify="right", footer=fmt_cost(report.totals), no_wrap=True)
    for row in report.rows:
        t = row.totals
        table.add_row(_period_text(report, row), *_cells(t))
        for (source, model), part in sorted(parts(row, breakdown), key=lambda kv: -kv[1].total_tokens):
            label = f"{source} · {printable(model)}" if model else source
            table.add_row(f"  [dim]└ {escape(label)}[/dim]", *_cells(part), style="dim")
    return table


def _cells(t: Totals) -> list[str]:
    return [integer(t.input_tokens), integer(t.output_tokens), integer(t.cache_write_tokens),
            integer(t.cache_read_tokens), integer(t.total_tokens), fmt_cost(t)]  # fmt: skip


def _active_block_line(report: Report) -> str | None:
    for row in report.rows:
        if not isinstance(row, BlockRow) or not row.is_active:
            continue
        tz = report.query.tz
        start = ms_to_datetime(row.start_ms).astimezone(tz)
        end = ms_to_datetime(row.end_ms).astimezone(tz)
        parts = [f"active block {start:%H:%M}–{end:%H:%M}", f"{row.remaining_minutes or 0} min left"]
        if row.tokens_per_minute is not None:
            parts.append(f"burn {row.tokens_per_minute:,.0f} tokens/min")
            if row.cost_per_hour_usd is not None:
                parts.append(f"${row.cost_per_hour_usd:,.2f}/h")
            projected = f"projected at {end:%H:%M}: {row.projected_tokens:,} tokens"
            if row.projected_cost_usd is not None:
                projected += f", ${row.projected_cost_usd:,.2f}"
            parts.append(projected)
        if row.token_limit is not None:
            limit = row.token_limit
            parts.append(f"limit {limit.limit:,}: {limit.status} ({limit.percent_used}%)")
        return "; ".join(parts)
    return None


def footnotes(report: Report) -> list[str]:
    lines = []
    active = _active_block_line(report)
    if active:
        lines.append(active)
    t = report.totals
    if t.unpriced_requests:
        models = ", ".join(printable(m) for m in report.unpriced_models)
        lines.append(
            escape(
                f"unpriced: {t.unpriced_requests:,} requests (models {models}); "
                '* marks costs that leave them out — add a [prices."model"] entry to the config to price them'
            )
        )
    return lines


def events_table(rows: list[dict], query):
    """The ``events`` listing as a Rich table (rows as :func:`tokledger.reports.events.event_list` gives them)."""
    from datetime import datetime

    from rich.table import Table

    numeric = ("Input", "Output", "Cache write", "Cache read", "Cost")
    table = Table(header_style="bold")
    for col in ("Time", "Source", "Model", *numeric, "Price basis"):
        table.add_column(col, justify="right" if col in numeric else "left", overflow="fold")
    for r in rows:
        when = datetime.fromisoformat(r["timestamp"]).astimezone(query.tz)
        cost = "unpriced" if r["cost_usd"] is None else f"${r['cost_usd']:,.6f}"
        basis = r["price_basis"] or ("logged by the source" if r["logged_cost_usd"] is not None else "-")
        if r["logged_cost_usd"] is not None and query.mode != "calculate":
            basis = f"logged ${r['logged_cost_usd']:,.6f}; calculated: {basis}"
        table.add_row(f"{when:%Y-%m-%d %H:%M:%S}", r["source"], escape(printable(r["model"])),
                      integer(r["input_tokens"]), integer(r["output_tokens"]), integer(r["cache_write_tokens"]),
                      integer(r["cache_read_tokens"]), cost, escape(basis))  # fmt: skip
    return table


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
