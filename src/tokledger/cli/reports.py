"""The report commands: today, daily, weekly, monthly, session, project, model, blocks, events."""

from __future__ import annotations

from datetime import date

import click

from tokledger.cli import App, cli, make_console, parse_sources, pass_app, split_list
from tokledger.config import COST_MODES


def report_options(func):
    """The filters and output options every report takes."""
    options = [
        click.option("--since", metavar="YYYY-MM-DD", help="First local day to include."),
        click.option("--until", metavar="YYYY-MM-DD", help="Last local day to include."),
        click.option("--year", type=int, help="Only this calendar year (local time)."),
        click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`)."),
        click.option("--model", "model", metavar="TEXT", help="Only models whose name contains TEXT (comma list)."),
        click.option("--project", "project", metavar="TEXT", help="Only projects whose path contains TEXT."),
        click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days/weeks/months (default: system)."),
        click.option("--mode", type=click.Choice(COST_MODES), help="auto: the logged cost when the log has one, "
                     "else calculated; calculate: always from tokens; logged: only logged costs."),
        click.option("--breakdown", "-b", type=click.Choice(["model", "source"]), is_flag=False, flag_value="model",
                     default=None, help="Add a row per source and model (or with 'source', per source) under each row."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON (keys documented in the README)."),
        click.option("--csv", "as_csv", is_flag=True, help="Print CSV."),
        click.option("--no-sync", is_flag=True, help="Report from the ledger as it is, without reading logs."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def build_query(app: App, opts: dict, start_of_week: int = 0):
    from tokledger.reports import Query
    from tokledger.reports.periods import parse_day, zone

    since = parse_day(opts["since"], "--since") if opts.get("since") else None
    until = parse_day(opts["until"], "--until") if opts.get("until") else None
    if opts.get("year"):
        since = max(since or date(opts["year"], 1, 1), date(opts["year"], 1, 1))
        until = min(until or date(opts["year"], 12, 31), date(opts["year"], 12, 31))
    if since and until and since > until:
        raise click.UsageError(f"--since {since} is after --until {until}")
    return Query(
        tz=zone(opts.get("timezone") or app.config.timezone),
        since=since,
        until=until,
        sources=parse_sources(opts.get("source")),
        models=split_list(opts.get("model")),
        projects=split_list(opts.get("project")),
        sessions=split_list(opts.get("session_ids")),
        mode=opts.get("mode") or app.config.mode,
        start_of_week=start_of_week,
    )


def _nothing_found(app: App, report, title: str | None) -> str:
    """What to say when a selection is empty: for today, where the last usage was, or where we looked."""
    prefix = f"{title}: " if title else ""
    if report.kind != "today":
        return f"{prefix}no usage recorded for this selection."
    from tokledger.reports.status import source_status

    status = source_status(app.ledger)
    seen = [s for s in status if s["last_event"]]
    if not seen:
        looked = sum(len(s["paths"]) for s in status)
        return (f"{prefix}no usage recorded yet. tokledger looked in {looked} places for {len(status)} assistants; "
                "`tokledger sources` lists them.")  # fmt: skip
    last = max(seen, key=lambda s: s["last_event"])
    from datetime import datetime

    when = datetime.fromisoformat(last["last_event"]).astimezone(report.query.tz)
    return f"{prefix}no usage yet today. Last usage: {when:%Y-%m-%d %H:%M} ({last['source']}); see `tokledger daily`."


def _emit(app: App, report, opts: dict, title: str | None = None) -> None:
    from tokledger.reports import render

    breakdown = opts.get("breakdown", False)
    if opts.get("as_json") and opts.get("as_csv"):
        raise click.UsageError("--json and --csv cannot be used together")
    if opts.get("as_json"):
        click.echo(render.to_json(report, breakdown))
        return
    if opts.get("as_csv"):
        click.echo(render.to_csv(report, breakdown), nl=False)
        return
    console = make_console()
    if not report.rows:
        console.print(_nothing_found(app, report, title))
        return
    console.print(render.to_table(report, breakdown, title))
    for line in render.footnotes(report):
        console.print(line)


def run_report(kind: str, app: App, opts: dict, *, start_of_week: int = 0, title: str | None = None, **kw):
    query = build_query(app, opts, start_of_week)
    if not opts.get("no_sync"):
        app.sync(query.sources or None, quiet=bool(opts.get("as_json") or opts.get("as_csv")))
    if kind == "blocks":
        from tokledger.reports.blocks import blocks_report

        report = blocks_report(app.ledger, query, **kw)
    else:
        from tokledger.reports import usage_report

        report = usage_report(app.ledger, kind, query)
    _emit(app, report, opts, title)


@cli.command("today")
@report_options
@pass_app
def today_cmd(app: App, **opts) -> None:
    """Today's usage (local day) by model, with a row per source under each."""
    from tokledger.reports import today
    from tokledger.reports.periods import zone

    day = today(zone(opts.get("timezone") or app.config.timezone)).isoformat()
    opts.update(since=day, until=day, year=None, breakdown=opts.get("breakdown") or "model")
    run_report("today", app, opts, title=f"Today {day}")


def _simple_report(kind: str, doc: str):
    @report_options
    @pass_app
    def command(app: App, **opts) -> None:
        run_report(kind, app, opts)

    command.__doc__ = doc
    return cli.command(kind)(command)


_simple_report("daily", "Usage per local day (in --timezone, default the system zone), oldest first.")
_simple_report("monthly", "Usage per calendar month in local time, oldest first.")
_simple_report("project", "Usage per project (the working directory the assistant ran in), costliest first.")
_simple_report("model", "Usage per model across all sources, costliest first.")


@cli.command("weekly")
@report_options
@click.option("--start-of-week", type=click.Choice(["monday", "tuesday", "wednesday", "thursday", "friday",
              "saturday", "sunday"]), default="monday", show_default=True, help="First day of a week.")  # fmt: skip
@pass_app
def weekly_cmd(app: App, start_of_week: str, **opts) -> None:
    """Usage per week (ISO weeks such as 2025-W23 when weeks start on Monday, else the first day's date)."""
    from tokledger.reports.periods import WEEKDAYS

    run_report("weekly", app, opts, start_of_week=WEEKDAYS.index(start_of_week))


@cli.command("session")
@report_options
@click.option("--id", "session_id", metavar="ID", help="Only this session.")
@pass_app
def session_cmd(app: App, session_id: str | None, **opts) -> None:
    """Usage per session, most recent last, with its project."""
    run_report("session", app, {**opts, "session_ids": session_id})


@cli.command("blocks")
@report_options
@click.option("--active", is_flag=True, help="Only the block in progress.")
@click.option("--token-limit", metavar="N|max", help="Flag blocks whose (projected) tokens pass N; "
              "'max' = the largest completed block.")  # fmt: skip
@click.option("--session-length", type=click.IntRange(1, 24), default=5, show_default=True, help="Block hours.")
@pass_app
def blocks_cmd(app: App, active: bool, token_limit: str | None, session_length: int, **opts) -> None:
    """5-hour billing windows; the active one with burn rate and projected end-of-block cost."""
    if token_limit not in (None, "max") and not token_limit.isdigit():
        raise click.BadParameter("expected a whole number of tokens or 'max'", param_hint="--token-limit")
    run_report("blocks", app, opts, hours=session_length, token_limit=token_limit, active_only=active)


@cli.command("events")
@report_options
@click.option("--id", "session_id", metavar="ID", help="Only this session.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="The newest N requests of the selection (0: all).")  # fmt: skip
@pass_app
def events_cmd(app: App, session_id: str | None, limit: int, **opts) -> None:
    """Request by request, with the price entry and rule behind each cost: why a number is what it is."""
    import csv
    import io
    import json

    from tokledger.reports.events import KEYS, event_list

    query = build_query(app, {**opts, "session_ids": session_id})
    if not opts.get("no_sync"):
        app.sync(query.sources or None, quiet=bool(opts.get("as_json") or opts.get("as_csv")))
    rows = event_list(app.ledger, query, limit or None)
    if opts.get("as_json"):
        click.echo(json.dumps({"mode": query.mode, "events": rows}, indent=2))
        return
    if opts.get("as_csv"):
        buf = io.StringIO()
        writer = csv.DictWriter(buf, KEYS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        click.echo(buf.getvalue(), nl=False)
        return
    console = make_console()
    if not rows:
        console.print("no usage recorded for this selection.")
        return
    from datetime import datetime

    from rich.table import Table

    table = Table(header_style="bold")
    for col in ("Time", "Source", "Model", "Input", "Output", "Cache write", "Cache read", "Cost", "Price basis"):
        table.add_column(col, justify="right" if col in ("Input", "Output", "Cache write", "Cache read", "Cost")
                         else "left", overflow="fold")  # fmt: skip
    for r in rows:
        when = datetime.fromisoformat(r["timestamp"]).astimezone(query.tz)
        cost = "unpriced" if r["cost_usd"] is None else f"${r['cost_usd']:,.6f}"
        basis = r["price_basis"] or ("logged by the source" if r["logged_cost_usd"] is not None else "-")
        if r["logged_cost_usd"] is not None and query.mode != "calculate":
            basis = f"logged ${r['logged_cost_usd']:,.6f}; calculated: {basis}"
        table.add_row(f"{when:%Y-%m-%d %H:%M:%S}", r["source"], r["model"], f"{r['input_tokens']:,}",
                      f"{r['output_tokens']:,}", f"{r['cache_write_tokens']:,}", f"{r['cache_read_tokens']:,}",
                      cost, basis)  # fmt: skip
    console.print(table)
