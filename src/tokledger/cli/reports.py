"""The report commands, one per report kind (:data:`tokledger.reports.KINDS`), plus blocks and events."""

from __future__ import annotations

import json

import click

from tokledger.cli import App, cli, flag, make_console, pass_app
from tokledger.config import COST_MODES
from tokledger.reports.kinds import KINDS, Kind
from tokledger.reports.periods import WEEKDAYS


def report_options(func):
    """The filters and output options every report takes."""
    options = [
        click.option("--since", metavar="YYYY-MM-DD", help="First local day to include."),
        click.option("--until", metavar="YYYY-MM-DD", help="Last local day to include."),
        click.option("--year", metavar="YYYY", help="Only this calendar year (local time)."),
        click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`)."),
        click.option("--model", "model", metavar="TEXT", help="Only models whose name contains TEXT (comma list)."),
        click.option("--project", "project", metavar="TEXT", help="Only projects whose path contains TEXT."),
        click.option("--host", "host", metavar="A,B", help="Only these hosts (machines; see `tokledger team`)."),
        click.option("--user", "user", metavar="A,B", help="Only these users (see `tokledger team`)."),
        click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days/weeks/months (default: system)."),
        click.option("--mode", type=click.Choice(COST_MODES), help="auto: the logged cost when the log has one, "
                     "else calculated; calculate: always from tokens; logged: only logged costs."),
        click.option("--breakdown", "-b", type=click.Choice(["model", "source", "host", "user"]), is_flag=False,
                     flag_value="model", default=None, help="Add a row per source and model (or with 'source', "
                     "per source; 'host', per host; 'user', per user) under each row."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON (keys documented in the README)."),
        click.option("--csv", "as_csv", is_flag=True, help="Print CSV."),
        click.option("--no-sync", is_flag=True, help="Report from the ledger as it is, without reading logs."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


_KIND_OPTIONS = {
    "start_of_week": click.option(
        "--start-of-week",
        type=click.Choice(WEEKDAYS),
        default="monday",
        show_default=True,
        help="First day of a week.",
    ),
    "id": click.option("--id", "id", metavar="ID", help="Only this session."),
}


def build_query(app: App, opts: dict):
    return app.workspace.query(opts, label=flag)


def _nothing_found(app: App, report, title: str | None) -> str:
    """What to say when a selection is empty: for today, where the last usage was, or where we looked."""
    prefix = f"{title}: " if title else ""
    if report.kind != "today":
        return f"{prefix}no usage recorded for this selection."
    status = [s for s in app.workspace.sources() if s["accuracy"] != "billed"]
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


def _prepare(app: App, opts: dict):
    if opts.get("as_json") and opts.get("as_csv"):
        raise click.UsageError("--json and --csv cannot be used together")
    query = build_query(app, opts)
    if not opts.get("no_sync"):
        app.sync(query.sources or None, quiet=bool(opts.get("as_json") or opts.get("as_csv")))
    return query


def _kind_command(kind: Kind):
    def command(app: App, **opts) -> None:
        title = None
        if kind.preset == "today":
            from tokledger.reports import today

            day = today(app.workspace.query({"timezone": opts.get("timezone")}, label=flag).tz).isoformat()
            opts.update(since=day, until=day, year=None, breakdown=opts.get("breakdown") or "model")
            title = f"Today {day}"
        query = _prepare(app, opts)
        breakdown = opts.get("breakdown")
        parts = breakdown if breakdown in ("host", "user") else bool(breakdown)
        _emit(app, app.workspace.report(kind.name, query, parts=parts), opts, title)

    command.__doc__ = kind.title
    command.__name__ = f"{kind.name}_cmd"
    for option in kind.options:
        command = _KIND_OPTIONS[option](command)
    return cli.command(kind.name)(pass_app(report_options(command)))


for _kind in KINDS.values():
    _kind_command(_kind)


@cli.command("blocks")
@report_options
@click.option("--active", is_flag=True, help="Only the block in progress.")
@click.option("--token-limit", metavar="N|max", help="Flag blocks whose (projected) tokens pass N; "
              "'max' = the largest completed block.")  # fmt: skip
@click.option(
    "--session-length", type=click.IntRange(1, 24), default=5, show_default=True, help="Block hours."
)
@pass_app
def blocks_cmd(app: App, active: bool, token_limit: str | None, session_length: int, **opts) -> None:
    """5-hour billing windows; the active one with burn rate and projected end-of-block cost."""
    if token_limit not in (None, "max") and not (token_limit.isascii() and token_limit.isdigit()
                                                 and len(token_limit) <= 18):  # fmt: skip
        raise click.BadParameter("expected a whole number of tokens or 'max'", param_hint="--token-limit")
    query = _prepare(app, opts)
    report = app.workspace.blocks(query, hours=session_length, token_limit=token_limit, active_only=active)
    plan = app.workspace.plan_usage()
    if not plan or opts.get("as_csv"):
        _emit(app, report, opts)
        return
    from tokledger.reports import render

    if opts.get("as_json"):
        doc = render.to_doc(report, opts.get("breakdown"))
        click.echo(json.dumps({**doc, "rate_limits": render.plan_dict(plan)}, indent=2))
        return
    _emit(app, report, opts)
    make_console().print(render.plan_line(plan, query.tz))


@cli.command("events")
@report_options
@click.option("--id", "id", metavar="ID", help="Only this session.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="The newest N requests of the selection (0: all).")  # fmt: skip
@pass_app
def events_cmd(app: App, limit: int, **opts) -> None:
    """Request by request, with the price entry and rule behind each cost: why a number is what it is."""
    import csv
    import io

    from tokledger.reports.events import KEYS

    query = _prepare(app, opts)
    rows = app.workspace.events(query, limit or None)
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
    from tokledger.reports.render import events_table

    console.print(events_table(rows, query))
