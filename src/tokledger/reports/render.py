"""Turning a :class:`Report` into a Rich table, the JSON contract, or CSV.

JSON (``--json``) — an object::

    {"report": "daily", "timezone": "Europe/Berlin", "mode": "auto",
     "rows": [ROW, ...], "totals": TOTALS,
     "unpriced": {"requests": 0, "models": []}}

ROW has ``period`` and the TOTALS keys, plus ``models`` (with ``--breakdown``: a list of TOTALS with
``source`` and ``model``) or ``sources`` (with ``--breakdown source``: TOTALS with ``source``), and per report: ``project``, ``first_timestamp``, ``last_timestamp``
(session); ``start``, ``end``, ``actual_end``, ``is_active``, ``is_gap`` and for the active block
``burn_rate`` / ``projection`` (blocks). TOTALS keys: ``input_tokens``, ``output_tokens``,
``cache_write_tokens``, ``cache_write_1h_tokens``, ``cache_read_tokens``, ``reasoning_tokens``,
``total_tokens``, ``requests``, ``cost_usd`` (null when any request is unpriced),
``cost_usd_priced`` (the priced part), ``unpriced_requests``.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from tokledger.ledger import ms_to_datetime
from tokledger.reports import Report, Row, Totals

TOKEN_KEYS = (
    "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "reasoning_tokens", "total_tokens",
)  # fmt: skip


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 10))


def totals_dict(t: Totals) -> dict:
    out: dict = {key: getattr(t, key) for key in TOKEN_KEYS}
    out["requests"] = t.requests
    out["cost_usd"] = _money(t.cost_usd)
    out["cost_usd_priced"] = _money(t.cost_usd_priced)
    out["unpriced_requests"] = t.unpriced_requests
    return out


def _iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_datetime(ms).isoformat().replace("+00:00", "Z")


def parts(row: Row, breakdown: str | bool | None) -> list[tuple[tuple[str, str], Totals]]:
    """A row's breakdown: per (source, model), or with ``breakdown="source"`` per source (model "")."""
    if breakdown == "source":
        by_source: dict[tuple[str, str], Totals] = {}
        for (source, _model), t in row.models.items():
            by_source.setdefault((source, ""), Totals()).add(t)
        return sorted(by_source.items())
    return sorted(row.models.items()) if breakdown else []


def row_dict(report: Report, row: Row, breakdown: str | bool | None) -> dict:
    out = {"period": row.period, **totals_dict(row.totals)}
    x = row.extra
    if report.kind == "session":
        out["project"] = x.get("project")
        out["first_timestamp"] = _iso(row.first_ms)
        out["last_timestamp"] = _iso(row.last_ms)
    if report.kind == "blocks":
        out.update(start=_iso(x["start_ms"]), end=_iso(x["end_ms"]), actual_end=_iso(x.get("actual_end_ms")),
                   is_active=x["is_active"], is_gap=x["is_gap"])  # fmt: skip
        if "tokens_per_minute" in x:
            out["burn_rate"] = {"tokens_per_minute": x["tokens_per_minute"],
                                "cost_per_hour_usd": _money(x.get("cost_per_hour_usd"))}  # fmt: skip
        if x["is_active"]:
            out["projection"] = {"remaining_minutes": x.get("remaining_minutes"),
                                 "total_tokens": x.get("projected_tokens", row.totals.total_tokens),
                                 "cost_usd": _money(x.get("projected_cost_usd"))}  # fmt: skip
        if "token_limit" in x:
            out["token_limit"] = x["token_limit"]
    if breakdown == "source":
        out["sources"] = [{"source": source, **totals_dict(t)} for (source, _), t in parts(row, breakdown)]
    elif breakdown:
        out["models"] = [{"source": source, "model": model, **totals_dict(t)} for (source, model), t in
                         parts(row, breakdown)]  # fmt: skip
    return out


def to_json(report: Report, breakdown: str | bool | None) -> str:
    doc = {
        "report": report.kind,
        "timezone": report.query.tz.key,
        "mode": report.query.mode,
        "rows": [row_dict(report, row, breakdown) for row in report.rows],
        "totals": totals_dict(report.totals),
        "unpriced": {"requests": report.totals.unpriced_requests, "models": report.unpriced_models},
    }
    return json.dumps(doc, indent=2)


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

TITLES = {
    "daily": "Daily", "weekly": "Weekly", "monthly": "Monthly", "session": "Session", "project": "Project",
    "model": "Model", "today": "Model", "blocks": "Block",
}  # fmt: skip


def fmt_cost(t: Totals) -> str:
    if t.unpriced_requests and t.priced_pusd == 0:
        return "unpriced"
    text = f"${t.cost_usd_priced:,.2f}"
    return text + "*" if t.unpriced_requests else text


def fmt_int(n: int) -> str:
    return f"{n:,}"


def _period_text(report: Report, row: Row) -> str:
    if report.kind == "blocks":
        x = row.extra
        start = ms_to_datetime(x["start_ms"]).astimezone(report.query.tz).strftime("%Y-%m-%d %H:%M")
        if x["is_gap"]:
            return f"{start} (gap)"
        return f"{start} (active)" if x["is_active"] else start
    if report.kind == "session" and row.extra.get("project"):
        return f"{row.period}\n[dim]{row.extra['project']}[/dim]"
    return row.period


def to_table(report: Report, breakdown: str | bool | None, title: str | None = None):
    from rich.table import Table

    table = Table(title=title, show_footer=True, header_style="bold", footer_style="bold")
    table.add_column(TITLES[report.kind], footer="Total", overflow="fold", min_width=10)
    for name, key in (("Input", "input_tokens"), ("Output", "output_tokens"), ("Cache write", "cache_write_tokens"),
                      ("Cache read", "cache_read_tokens"), ("Total", "total_tokens")):  # fmt: skip
        table.add_column(name, justify="right", footer=fmt_int(getattr(report.totals, key)), no_wrap=True)
    table.add_column("Cost", justify="right", footer=fmt_cost(report.totals), no_wrap=True)
    for row in report.rows:
        t = row.totals
        table.add_row(_period_text(report, row), *_cells(t))
        for (source, model), part in sorted(parts(row, breakdown), key=lambda kv: -kv[1].total_tokens):
            label = f"{source} · {model}" if model else source
            table.add_row(f"  [dim]└ {label}[/dim]", *_cells(part), style="dim")
    return table


def _cells(t: Totals) -> list[str]:
    return [fmt_int(t.input_tokens), fmt_int(t.output_tokens), fmt_int(t.cache_write_tokens),
            fmt_int(t.cache_read_tokens), fmt_int(t.total_tokens), fmt_cost(t)]  # fmt: skip


def _active_block_line(report: Report) -> str | None:
    for row in report.rows:
        x = row.extra
        if report.kind != "blocks" or not x.get("is_active"):
            continue
        tz = report.query.tz
        start = ms_to_datetime(x["start_ms"]).astimezone(tz)
        end = ms_to_datetime(x["end_ms"]).astimezone(tz)
        parts = [f"active block {start:%H:%M}–{end:%H:%M}", f"{x.get('remaining_minutes', 0)} min left"]
        if "tokens_per_minute" in x:
            parts.append(f"burn {x['tokens_per_minute']:,.0f} tokens/min")
            if "cost_per_hour_usd" in x:
                parts.append(f"${x['cost_per_hour_usd']:,.2f}/h")
            projected = f"projected at {end:%H:%M}: {x['projected_tokens']:,} tokens"
            if "projected_cost_usd" in x:
                projected += f", ${x['projected_cost_usd']:,.2f}"
            parts.append(projected)
        if "token_limit" in x:
            limit = x["token_limit"]
            parts.append(f"limit {limit['limit']:,}: {limit['status']} ({limit['percent_used']}%)")
        return "; ".join(parts)
    return None


def footnotes(report: Report) -> list[str]:
    lines = []
    active = _active_block_line(report)
    if active:
        lines.append(active)
    t = report.totals
    if t.unpriced_requests:
        models = ", ".join(report.unpriced_models)
        lines.append(
            f"unpriced: {t.unpriced_requests:,} requests (models {models}); "
            "* marks costs that leave them out — add a [prices.\"model\"] entry to the config to price them"
        )
    return lines
