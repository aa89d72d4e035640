"""Report tables for the terminal, and the lines printed under them.

:func:`report_table` turns a :class:`~tokledger.reports.Report` (any kind, blocks included) into columns
that :mod:`tokledger.reports.layout` fits to the terminal: the row label, then per kind the session's
source, project and first/last request, a block's status and share of the token limit, the models a row
used, the token categories, requests and cost. Each row is one line; ``--breakdown`` adds a dim line per
source and model under it. :func:`footnotes` says what the table cannot: the active block, the token
limit, unpriced requests (and how to price them in the current ``--mode``), the compact view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.text import Text

from tokledger.ledger import ms_to_datetime
from tokledger.reports import KINDS, Report, Row, Totals
from tokledger.reports.blocks import BlockRow
from tokledger.reports.format import ago, compact, cost_text, duration, integer, printable, short_model
from tokledger.reports.layout import Column, Layout, draw, fit
from tokledger.reports.render import parts

TOKENS = (("Input", "In", "input_tokens", False), ("Output", "Out", "output_tokens", False),
          ("Cache write", "Cache W", "cache_write_tokens", True), ("Cache read", "Cache R", "cache_read_tokens", True),
          ("Total", "Total", "total_tokens", False))  # fmt: skip
LIMIT_STYLES = {"ok": "green", "warning": "yellow", "exceeds": "bold red"}


def one_line(text: str | None) -> str:
    return printable(text or "").replace("\n", " ").replace("\t", " ")


def local(ms: int | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if ms is None else ms_to_datetime(ms).astimezone(tz).strftime(fmt)


@dataclass
class Line:
    label: str
    totals: Totals | None
    row: Row | None = None
    """The report row of a main line (None for a breakdown line)."""
    style: str | None = None
    model: str = ""
    """A breakdown line's model (shown in the Models column)."""


def _lines(report: Report, breakdown, gaps: bool) -> list[Line]:
    out = []
    for row in report.rows:
        if isinstance(row, BlockRow) and row.is_gap:
            if gaps:
                out.append(Line(local(row.start_ms, report.query.tz), None, row, "dim"))
            continue
        label = local(row.start_ms, report.query.tz) if isinstance(row, BlockRow) else one_line(row.period)
        out.append(
            Line(label, row.totals, row, "bold" if isinstance(row, BlockRow) and row.is_active else None)
        )
        for (source, model), part in sorted(parts(row, breakdown), key=lambda kv: -kv[1].total_tokens):
            out.append(Line(f"  └ {source}", part, None, "dim", short_model(model) if model else ""))
    return out


def _models(line: Line) -> str:
    row = line.row
    if row is None or not row.models:
        return line.model
    cost: dict[str, tuple[int, int]] = {}
    for (_, model), t in row.models.items():
        p, n = cost.get(model, (0, 0))
        cost[model] = (p + t.priced_pusd, n + t.total_tokens)
    return ", ".join(short_model(m) for m in sorted(cost, key=lambda m: (-cost[m][0], -cost[m][1], m)))


def _status(row: BlockRow, terse: bool = False) -> str:
    if row.is_gap:
        minutes = (row.end_ms - row.start_ms) / 60_000
        return f"idle {duration(minutes if not terse or minutes < 60 else minutes // 60 * 60)}"
    if row.is_active:
        return f"active, {duration(row.remaining_minutes or 0)} left"
    return duration(((row.last_ms or row.start_ms) - row.start_ms) / 60_000)


def _limit(row: Row | None) -> tuple[str, str | None]:
    limit = getattr(row, "token_limit", None)
    if limit is None or limit.percent_used is None:
        return "", None
    mark = "!" if limit.status == "exceeds" else ""
    return f"{limit.percent_used:.0f}%{mark}", LIMIT_STYLES[limit.status]


def columns(report: Report, lines: list[Line], *, cost: bool = True) -> list[Column]:
    tz = report.query.tz
    kind = None if report.kind == "blocks" else KINDS[report.kind]
    rows = [ln.row for ln in lines]
    main = [ln.label for ln in lines if ln.row is not None]
    label_least = (
        max(map(len, main), default=4) if kind is None or kind.group in ("day", "week", "month") else 12
    )
    label = Column("Block" if kind is None else kind.label, "Block" if kind is None else kind.label,
                   [ln.label for ln in lines], footer="Total", justify="left",
                   cut="start" if kind and kind.group == "project" else "end", least=label_least,
                   comfort=max(label_least, 20 if kind and kind.group in (None, "project") else 16))  # fmt: skip
    if kind is None:  # block starts without the year when space is short
        label.terse = [ln.label[5:] if ln.row is not None else ln.label for ln in lines]
    cols = [label]
    if kind is None:
        cols.append(Column("Status", "Status", [_status(r) if r else "" for r in rows], justify="left", cut="end",
                           least=6, comfort=17, drop=3, terse=[_status(r, True) if r else "" for r in rows]))  # fmt: skip
        if any(getattr(r, "token_limit", None) for r in rows):
            marks = [_limit(r) for r in rows]
            cols.append(Column("% of limit", "% lim", [m[0] for m in marks], styles=[m[1] for m in marks]))
    session = kind is not None and kind.name == "session"
    if session:
        cols.append(Column("Source", "Source", [",".join(sorted({s for s, _ in r.models})) if r else "" for r in rows],
                           justify="left", cut="end", least=6, comfort=11, drop=3))  # fmt: skip
        cols.append(Column("Project", "Project", [one_line(r.project) if r else "" for r in rows], justify="left",
                           cut="start", least=12, comfort=22, drop=4))  # fmt: skip
        cols.append(Column("First", "First", [local(r.first_ms, tz) if r else "" for r in rows], justify="left",
                           full_only=True))  # fmt: skip
        cols.append(Column("Last", "Last", [local(r.last_ms, tz) if r else "" for r in rows], justify="left",
                           terse=[local(r.last_ms, tz, "%m-%d %H:%M") if r else "" for r in rows]))  # fmt: skip
    if kind is not None and kind.name == "team":
        cols.append(Column("Sessions", "Sess", [integer(r.sessions or 0) if r else "" for r in rows], drop=2))
    if kind is None or kind.group is not None:
        cols.append(Column("Models", "Models", [_models(ln) for ln in lines], justify="left", cut="end", least=8,
                           comfort=12, drop=1, full_only=session))  # fmt: skip
    totals = report.totals
    for name, short, key, full_only in TOKENS:
        values = [getattr(ln.totals, key) if ln.totals else None for ln in lines]
        drop = {"input_tokens": 1, "output_tokens": 2}.get(key, 0) if session else 0
        cols.append(Column(name, short, ["" if v is None else integer(v) for v in values],
                           footer=integer(getattr(totals, key)), full_only=full_only,
                           terse=["" if v is None else compact(v) for v in values],
                           terse_footer=compact(getattr(totals, key)), drop=drop))  # fmt: skip
    cols.append(Column("Requests", "Reqs", [integer(ln.totals.requests) if ln.totals else "" for ln in lines],
                       footer=integer(totals.requests), full_only=True))  # fmt: skip
    if cost:
        cols.append(
            Column("Cost", "Cost", [fmt(ln.totals) if ln.totals else "" for ln in lines], footer=fmt(totals))
        )
    return cols


def fmt(t: Totals) -> str:
    return cost_text(t.priced_pusd, t.unpriced_requests)


@dataclass
class Drawn:
    table: object
    layout: Layout


def report_table(report: Report, *, breakdown=None, width: int = 200, compact_view: bool = False,
                 cost: bool = True, gaps: bool = False, title: str | None = None) -> Drawn:  # fmt: skip
    lines = _lines(report, breakdown, gaps)
    layout = fit(columns(report, lines, cost=cost), width, compact_view)
    return Drawn(draw(layout, [ln.style for ln in lines], title=title), layout)


def compact_note(layout: Layout, width: int) -> Text | None:
    if not layout.left_out:
        return None
    text = (
        f"compact view for {width} columns: {', '.join(layout.left_out)} left out (--json has every figure)"
    )
    if len(text) > width:
        text = f"compact view for {width} columns (--json has every figure)"
    return Text(text, style="dim")


def footnotes(report: Report, *, config_path: Path | None = None, cost: bool = True) -> list[Text]:
    lines = []
    active = _active_block_line(report)
    if active:
        lines.append(Text(active))
    limited = [r for r in report.rows if getattr(r, "token_limit", None) is not None]
    if limited:
        limit = limited[0].token_limit.limit
        over = sum(r.token_limit.status == "exceeds" for r in limited)
        near = sum(r.token_limit.status == "warning" for r in limited)
        text = f"token limit {limit:,}: " + (f"{over} block{'s' * (over != 1)} over it (marked !)" if over
                                             else "no block over it")  # fmt: skip
        lines.append(
            Text(text + (f", {near} above 80 % of it" if near else ""), style="red" if over else None)
        )
    t = report.totals
    if cost and t.unpriced_requests:
        models = ", ".join(one_line(m) for m in report.unpriced_models)
        head = (
            f"unpriced: {t.unpriced_requests:,} requests (models {models}); * marks costs that leave them out"
        )
        if report.query.mode == "logged":
            advice = "their logs record no cost (--mode logged); --mode auto prices them from the price table"
        else:
            where = f" in {config_path}" if config_path else " in the config"
            advice = f'a [prices."model"] table{where} prices them'
        lines.append(Text(f"{head} — {advice}"))
    return lines


def _active_block_line(report: Report) -> str | None:
    for row in report.rows:
        if not isinstance(row, BlockRow) or not row.is_active:
            continue
        tz = report.query.tz
        start = ms_to_datetime(row.start_ms).astimezone(tz)
        end = ms_to_datetime(row.end_ms).astimezone(tz)
        parts_ = [f"active block {start:%H:%M}–{end:%H:%M}", f"{row.remaining_minutes or 0} min left"]
        if row.tokens_per_minute is not None:
            parts_.append(f"burn {row.tokens_per_minute:,.0f} tokens/min")
            if row.cost_per_hour_usd is not None:
                parts_.append(f"${row.cost_per_hour_usd:,.2f}/h")
            projected = f"projected at {end:%H:%M}: {row.projected_tokens:,} tokens"
            if row.projected_cost_usd is not None:
                projected += f", ${row.projected_cost_usd:,.2f}"
            parts_.append(projected)
        if row.token_limit is not None:
            limit = row.token_limit
            parts_.append(f"limit {limit.limit:,}: {limit.status} ({limit.percent_used}%)")
        return "; ".join(parts_)
    return None


def last_block_line(report: Report, now: datetime) -> str:
    """For ``blocks --active`` when no block is active: when the last one ended."""
    done = [r for r in report.rows if isinstance(r, BlockRow) and not r.is_gap]
    if not done:
        return "no usage recorded for this selection."
    last = done[-1]
    tz = report.query.tz
    since = ago((now.timestamp() * 1000 - last.end_ms) / 60_000)
    return (f"no active block. The last one ran {local(last.start_ms, tz)}–{local(last.end_ms, tz, '%H:%M')} "
            f"(last request {local(last.last_ms, tz, '%H:%M')}) and ended {since} ago; `tokledger blocks` lists them.")  # fmt: skip


def events_table(rows: list[dict], query, *, width: int = 200, compact_view: bool = False, cost: bool = True):
    """The ``events`` listing (rows as :func:`tokledger.reports.events.event_list` gives them), fitted."""
    tz = query.tz

    def when(r, fmt="%Y-%m-%d %H:%M:%S"):
        return datetime.fromisoformat(r["timestamp"]).astimezone(tz).strftime(fmt)

    def basis(r):
        text = r["price_basis"] or ("logged by the source" if r["logged_cost_usd"] is not None else "-")
        if r["logged_cost_usd"] is not None and query.mode != "calculate":
            text = f"logged ${r['logged_cost_usd']:,.6f}; calculated: {text}"
        return one_line(text)

    cols = [Column("Time", "Time", [when(r) for r in rows], justify="left", terse=[when(r, "%m-%d %H:%M") for r in rows]),
            Column("Source", "Source", [r["source"] for r in rows], justify="left", cut="end", least=6, comfort=11,
                   drop=2),
            Column("Model", "Model", [one_line(r["model"]) for r in rows], justify="left", cut="end", least=10,
                   comfort=20, terse=[short_model(r["model"]) for r in rows])]  # fmt: skip
    for name, short, key, full_only in TOKENS:
        cols.append(Column(name, short, [integer(r[key]) for r in rows], full_only=full_only,
                           terse=[compact(r[key]) for r in rows]))  # fmt: skip
    if cost:
        cols.append(Column("Cost", "Cost", ["unpriced" if r["cost_usd"] is None else f"${r['cost_usd']:,.6f}"
                                            for r in rows]))  # fmt: skip
        cols.append(Column("Price basis", "Basis", [basis(r) for r in rows], justify="left", cut="end", least=12,
                           comfort=30, drop=1))  # fmt: skip
    layout = fit(cols, width, compact_view)
    return Drawn(draw(layout, [None] * len(rows), footer=False), layout)
