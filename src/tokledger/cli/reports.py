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
        click.option("--since", "-s", metavar="DATE", help="First local day to include (YYYY-MM-DD or YYYYMMDD)."),
        click.option("--until", "-u", metavar="DATE", help="Last local day to include (YYYY-MM-DD or YYYYMMDD)."),
        click.option("--year", metavar="YYYY", help="Only this calendar year (local time)."),
        click.option("--last", metavar="N", help="Only the last N periods up to today: days (weeks for weekly, "
                     "months for monthly)."),
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
        click.option("--order", "-o", type=click.Choice(["asc", "desc"]), help="Oldest (cheapest) first, or newest "
                     "(costliest) first; default: each report's own order."),
        click.option("--compact", is_flag=True, help="The narrow table (no cache, request or first-time columns), "
                     "which a terminal too narrow for the full one gets anyway."),
        click.option("--no-cost", is_flag=True, help="Tables without the cost column (JSON and CSV keep it)."),
        click.option("--color/--no-color", "color", default=None, help="Colour the table even when piped, or never "
                     "(default: on a terminal, unless NO_COLOR is set)."),
        click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON (keys documented in the README)."),
        click.option("--csv", "as_csv", is_flag=True, help="Print CSV: a line per row with every JSON key."),
        click.option("--no-sync", is_flag=True, help="Report from the ledger as it is, without reading logs."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def examples(*lines: str) -> str:
    """A command's help epilog; click keeps a paragraph that starts with \\b as it is."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


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


def build_query(app: App, opts: dict, unit: str = "day"):
    return app.workspace.query({**opts, "last_unit": unit}, label=flag)


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


def _long_context_note(app: App, report):
    """Once per ledger, the first time a table holds requests priced wholly at long-context rates."""
    from rich.text import Text

    if report.query.mode == "logged" or app.workspace.shown("long-context"):
        return None
    count = app.workspace.long_context_requests(report.query)
    if not count:
        return None
    app.workspace.mark_shown("long-context")
    return Text(
        f"note: {count:,} request{'s' * (count != 1)} here passed 200,000 input tokens and are priced wholly at "
        "the long-context rates, as Anthropic bills them; ccusage prices only the tokens above 200k that way, so "
        "its totals are lower (`tokledger events` names the rule per request; shown once)",
        style="dim",
    )


def _emit(app: App, report, opts: dict, title: str | None = None, empty: str | None = None) -> None:
    from tokledger.reports import render, reorder

    breakdown = opts.get("breakdown", False)
    reorder(report, opts.get("order"))
    if opts.get("as_json"):
        click.echo(render.to_json(report, breakdown))
        return
    if opts.get("as_csv"):
        click.echo(render.to_csv(report, breakdown), nl=False)
        return
    from tokledger.reports import table  # Rich: tables only

    console = make_console(opts.get("color"))
    shown = [r for r in report.rows if not getattr(r, "is_gap", False)]
    if not shown:
        console.print(empty or _nothing_found(app, report, title), markup=False)
        return
    cost = not opts.get("no_cost")
    drawn = table.report_table(report, breakdown=breakdown, width=console.width, compact_view=opts.get("compact"),
                               cost=cost, gaps=opts.get("gaps", False), title=title)  # fmt: skip
    console.print(drawn.table)
    notes = table.footnotes(report, config_path=app.config_path, cost=cost)
    if not opts.get("compact"):
        notes.append(table.compact_note(drawn.layout, console.width))
    if cost:
        notes.append(_long_context_note(app, report))
    for line in notes:
        if line is not None:
            console.print(line)


def _prepare(app: App, opts: dict, unit: str = "day"):
    if opts.get("as_json") and opts.get("as_csv"):
        raise click.UsageError("--json and --csv cannot be used together")
    query = build_query(app, opts, unit)
    if not opts.get("no_sync"):
        app.sync(query.sources or None, quiet=bool(opts.get("as_json") or opts.get("as_csv")))
    return query


def _kind_command(kind: Kind):
    def command(app: App, **opts) -> None:
        title = None
        if kind.preset == "today":
            from tokledger.reports import today

            if opts.get("last") or opts.get("since") or opts.get("until") or opts.get("year"):
                raise click.UsageError(
                    "today is one day: use `tokledger daily` for --since, --until, --year or --last"
                )
            day = today(app.workspace.query({"timezone": opts.get("timezone")}, label=flag).tz).isoformat()
            opts.update(since=day, until=day, year=None, breakdown=opts.get("breakdown") or "model")
            title = f"Today {day}"
        query = _prepare(app, opts, kind.unit)
        table = not (opts.get("as_json") or opts.get("as_csv"))  # a table names each row's models
        breakdown = opts.get("breakdown")
        parts = breakdown if breakdown in ("host", "user") else bool(breakdown) or table
        _emit(app, app.workspace.report(kind.name, query, parts=parts), opts, title)

    command.__doc__ = kind.title
    command.__name__ = f"{kind.name}_cmd"
    for option in kind.options:
        command = _KIND_OPTIONS[option](command)
    epilog = examples(*kind.examples) if kind.examples else None
    return cli.command(kind.name, epilog=epilog)(pass_app(report_options(command)))


for _kind in KINDS.values():
    _kind_command(_kind)


@cli.command(
    "blocks",
    epilog=examples(
        "tokledger blocks --active",
        "tokledger blocks --token-limit max --last 7",
        "tokledger blocks --gaps --since 20250601",
        "tokledger blocks -j --active",
    ),
)
@report_options
@click.option("--active", is_flag=True, help="Only the block in progress.")
@click.option("--token-limit", metavar="N|max", help="Show each block's share of N tokens and mark the blocks past "
              "it; 'max' = the largest completed block (default: [blocks] token_limit in the config).")  # fmt: skip
@click.option(
    "--session-length", type=click.IntRange(1, 24), default=5, show_default=True, help="Block hours."
)
@click.option(
    "--gaps", is_flag=True, help="Show the idle time between blocks as a line each (JSON always has it)."
)
@pass_app
def blocks_cmd(
    app: App, active: bool, token_limit: str | None, session_length: int, gaps: bool, **opts
) -> None:
    """5-hour billing windows; the active one with burn rate and projected end-of-block cost."""
    from tokledger.reports.blocks import configured_limit

    if token_limit is None:
        token_limit = configured_limit(app.config)
    if token_limit not in (None, "max") and not (token_limit.isascii() and token_limit.isdigit()
                                                 and len(token_limit) <= 18):  # fmt: skip
        raise click.BadParameter("expected a whole number of tokens or 'max'", param_hint="--token-limit")
    query = _prepare(app, opts)
    report = app.workspace.blocks(query, hours=session_length, token_limit=token_limit, active_only=active)
    empty = None
    if active and not report.rows:
        from datetime import UTC, datetime

        from tokledger.reports.table import last_block_line

        everything = app.workspace.blocks(query, hours=session_length)
        empty = last_block_line(everything, datetime.now(UTC))
    opts = {**opts, "gaps": gaps}
    plan = app.workspace.plan_usage()
    if not plan or opts.get("as_csv"):
        _emit(app, report, opts, empty=empty)
        return
    from tokledger.reports import render, reorder

    if opts.get("as_json"):
        doc = render.to_doc(reorder(report, opts.get("order")), opts.get("breakdown"))
        click.echo(json.dumps({**doc, "rate_limits": render.plan_dict(plan)}, indent=2))
        return
    _emit(app, report, opts, empty=empty)
    make_console(opts.get("color")).print(render.plan_line(plan, query.tz))


@cli.command(
    "events",
    epilog=examples(
        "tokledger events --limit 20",
        "tokledger events --id SESSION_ID --limit 0",
        "tokledger events --model opus --csv > opus.csv",
    ),
)
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
    if opts.get("order") == "desc":
        rows.reverse()
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
    console = make_console(opts.get("color"))
    if not rows:
        console.print("no usage recorded for this selection.")
        return
    from tokledger.reports.table import compact_note, events_table

    drawn = events_table(rows, query, width=console.width, compact_view=opts.get("compact"),
                         cost=not opts.get("no_cost"))  # fmt: skip
    console.print(drawn.table)
    note = None if opts.get("compact") else compact_note(drawn.layout, console.width)
    if note is not None:
        console.print(note)
