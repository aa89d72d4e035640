"""The ``tokledger`` command: parse options, call the library, render what it returns.

Every report first syncs the ledger with the assistants' logs (incrementally: an unchanged file costs one
``stat``) unless ``--no-sync`` is given. Expected failures print one line and exit non-zero; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click

from tokledger import __version__
from tokledger.config import COST_MODES, Config, load_config
from tokledger.env import Env
from tokledger.errors import TokledgerError

PROGRESS_MIN_BYTES = 32 << 20


@dataclass
class App:
    env: Env
    db_path: Path
    config_path: Path
    debug: bool = False
    _config: Config | None = None
    _ledger: object | None = None
    _pricer: object | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def ledger(self):
        if self._ledger is None:
            from tokledger.ledger import Ledger

            self._ledger = Ledger.open(self.db_path)
        return self._ledger

    @property
    def pricer(self):
        if self._pricer is None:
            from tokledger.pricing import Pricer

            self._pricer = Pricer(self.config.prices, cached=self.ledger.price_cache(self.fingerprint))
        return self._pricer

    @property
    def fingerprint(self) -> str:
        from tokledger.pricing import table_fingerprint

        return table_fingerprint()

    def sync(self, only=None, *, jobs=None, strict=False, quiet=False):
        from tokledger.ingest import sync

        progress = None if quiet else _progress_bar()
        try:
            return sync(self.ledger, self.env, self.pricer, only=only, jobs=jobs, strict=strict, progress=progress,
                        fingerprint=self.fingerprint)  # fmt: skip
        finally:
            if progress is not None:
                progress.close()


class _progress_bar:
    """A Rich progress bar on a terminal, shown only for a large first import."""

    def __init__(self):
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("import", total=total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _console():
    from rich.console import Console

    # Piped output is not cut to 80 columns: a report in a file or another program keeps every digit.
    width = None if sys.stdout.isatty() else 200
    return Console(no_color="NO_COLOR" in os.environ or None, highlight=False, width=width)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _sources(value: str | None) -> tuple[str, ...]:
    from tokledger.sources import SOURCES

    names = _split(value)
    for name in names:
        if name not in SOURCES:
            raise click.BadParameter(f"unknown source {name!r} (known: {', '.join(SOURCES)})", param_hint="--source")
    return names


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
        click.option("--breakdown", "-b", is_flag=True, help="Add a row per source and model under each row."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON (keys documented in the README)."),
        click.option("--csv", "as_csv", is_flag=True, help="Print CSV."),
        click.option("--no-sync", is_flag=True, help="Report from the ledger as it is, without reading logs."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _query(app: App, opts: dict, start_of_week: int = 0):
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
        sources=_sources(opts.get("source")),
        models=_split(opts.get("model")),
        projects=_split(opts.get("project")),
        sessions=_split(opts.get("session_ids")),
        mode=opts.get("mode") or app.config.mode,
        start_of_week=start_of_week,
    )


def _emit(report, opts: dict, title: str | None = None) -> None:
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
    console = _console()
    if not report.rows:
        console.print(f"{title + ': ' if title else ''}no usage recorded for this selection.")
        return
    console.print(render.to_table(report, breakdown, title))
    for line in render.footnotes(report):
        console.print(line)


def run_report(kind: str, app: App, opts: dict, *, start_of_week: int = 0, title: str | None = None, **kw):
    query = _query(app, opts, start_of_week)
    if not opts.get("no_sync"):
        app.sync(query.sources or None, quiet=bool(opts.get("as_json") or opts.get("as_csv")))
    if kind == "blocks":
        from tokledger.reports.blocks import blocks_report

        report = blocks_report(app.ledger, query, **kw)
    else:
        from tokledger.reports import usage_report

        report = usage_report(app.ledger, kind, query)
    _emit(report, opts, title)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TokledgerError as exc:
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            raise click.ClickException(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)") from None


pass_app = click.make_pass_decorator(App)


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar="TOKLEDGER_DB",
              help="Ledger file (default: the user data dir; env TOKLEDGER_DB).")  # fmt: skip
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar="TOKLEDGER_CONFIG",
              help="Configuration file (default: the user config dir; env TOKLEDGER_CONFIG).")  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(__version__, prog_name="tokledger")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, config_path: Path | None, debug: bool) -> None:
    """How many tokens your AI coding assistants spent, and what it cost — exactly, kept in one ledger.

    With no command: today's usage by source and model (the same as `tokledger today`).
    """
    env = Env.from_os()
    ctx.obj = App(env=env, db_path=db or env.ledger_path, config_path=config_path or env.config_path, debug=debug)
    if ctx.invoked_subcommand is None:
        ctx.invoke(today_cmd)


@cli.command("today")
@report_options
@pass_app
def today_cmd(app: App, **opts) -> None:
    """Today's usage (local day) by model, with a row per source under each."""
    from tokledger.reports import today
    from tokledger.reports.periods import zone

    day = today(zone(opts.get("timezone") or app.config.timezone)).isoformat()
    opts.update(since=day, until=day, year=None, breakdown=True)
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


@cli.command("sync")
@click.option("--source", "source", metavar="A,B", help="Only these sources.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Parser processes (default: all cores).")
@click.option("--strict", is_flag=True, help="Fail on any unreadable file or malformed line.")
@click.option("--verbose", "-v", is_flag=True, help="List every file read, with events and skipped lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def sync_cmd(app: App, source: str | None, jobs: int | None, strict: bool, verbose: bool, as_json: bool) -> None:
    """Read new usage from every source into the ledger (reports do this first on their own)."""
    report = app.sync(_sources(source) or None, jobs=jobs, strict=strict, quiet=as_json)
    if as_json:
        click.echo(json.dumps({
            "seconds": round(report.seconds, 3),
            "sources": {name: {"files": s.files, "read": s.read, "events": s.events, "skipped": s.skipped,
                               "notices": s.notices} for name, s in report.sources.items()},
            "files": [f.__dict__ for f in report.files if f.action != "unchanged" or verbose],
        }, indent=2))  # fmt: skip
        return
    for name, s in report.sources.items():
        click.echo(f"{name}: {s.files} files, {s.read} read, {s.events} events recorded, {s.skipped} lines skipped")
        for notice in s.notices:
            click.echo(f"  notice: {notice}")
    if verbose:
        for f in report.files:
            if f.action != "unchanged":
                extra = f" ({f.error})" if f.error else f": {f.bytes_read:,} bytes, {f.events} events, {f.skipped} skipped"
                click.echo(f"  {f.action:<9} {f.path}{extra}")
        unchanged = sum(f.action == "unchanged" for f in report.files)
        click.echo(f"  unchanged {unchanged} files")
    click.echo(f"done in {report.seconds:.2f}s")


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--no-sync", is_flag=True, help="Show the state of the last sync without reading logs.")
@pass_app
def sources_cmd(app: App, as_json: bool, no_sync: bool) -> None:
    """Every known source: where it looks, files, events, skipped lines and the last sync."""
    from tokledger.reports.status import source_status

    if not no_sync:
        app.sync(quiet=True)
    out = source_status(app.ledger)
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    from rich.table import Table

    table = Table(header_style="bold")
    for col in ("Source", "Accuracy", "Paths", "Files", "Events", "Skipped", "Last event", "Last sync"):
        table.add_column(col, justify="right" if col in ("Files", "Events", "Skipped") else "left")
    for s in out:
        table.add_row(s["source"], s["accuracy"], "\n".join(s["paths"]) or "-", f"{s['files']:,}",
                      f"{s['events']:,}", f"{s['skipped_lines']:,}", (s["last_event"] or "-")[:19],
                      (s["last_sync"] or "never")[:19])  # fmt: skip
    console = _console()
    console.print(table)
    for s in out:
        for notice in s["notices"]:
            console.print(f"{s['source']}: {notice}")


@cli.command("prices")
@click.argument("model")
@click.option("--at", "at", metavar="YYYY-MM-DD", help="The price in force on this day (default: now).")
@click.option("--provider", help="Provider hint (anthropic, openai, google, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def prices_cmd(app: App, model: str, at: str | None, provider: str | None, as_json: bool) -> None:
    """Which price entry MODEL matches and its rates in USD per million tokens."""
    from datetime import UTC, datetime, time

    from tokledger.reports.periods import parse_day

    when = datetime.combine(parse_day(at, "--at"), time(12), UTC) if at else datetime.now(UTC)
    entry = app.pricer.entry(model, when, provider)
    if entry is None:
        raise click.ClickException(f"no price known for {model!r}: its usage is reported as unpriced "
                                   f"(add [prices.\"{model}\"] to {app.config_path} to price it)")  # fmt: skip
    doc = {
        "model": model, "matched": entry.model_id, "provider": entry.provider_id, "basis": entry.basis,
        "at": when.date().isoformat(), "per_million_tokens": {k: str(v) for k, v in entry.base.per_mtok().items()},
        "tiers": [{"above_input_tokens": t, "per_million_tokens": {k: str(v) for k, v in r.per_mtok().items()}}
                  for t, r in entry.tiers],
    }  # fmt: skip
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"{model} → {entry.provider_id}/{entry.model_id} ({entry.basis}), prices on {doc['at']}:")
    rows = [("", doc["per_million_tokens"])] + [
        (f"whole request above {t['above_input_tokens']:,} input tokens", t["per_million_tokens"]) for t in doc["tiers"]
    ]
    for label, rates in rows:
        if label:
            click.echo(f"  {label}:")
        for key, value in rates.items():
            click.echo(f"    {key:<15} ${value} / Mtok")


@cli.command("reprice")
@pass_app
def reprice_cmd(app: App) -> None:
    """Recompute every stored cost with the current price table and config overrides."""
    from tokledger.ingest import reprice
    from tokledger.pricing import Pricer

    count, changed = reprice(app.ledger, Pricer(app.config.prices), app.fingerprint)
    click.echo(f"repriced {count:,} events: {changed:,} changed")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback shows your usage to the network.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one).")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days and months (default: system).")
@click.option("--sync-interval", type=click.FloatRange(min=1), default=30.0, show_default=True, metavar="SECONDS",
              help="While the page is used, read new usage from the logs at most this often.")  # fmt: skip
@click.option("--no-sync", is_flag=True, help="Serve the ledger as it is, without reading logs.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@pass_app
def serve_cmd(app: App, host: str, port: int, timezone: str | None, sync_interval: float, no_sync: bool,
              open_browser: bool) -> None:  # fmt: skip
    """A local web dashboard: the contribution calendar (2D/3D), charts, and their JSON under /api."""
    from tokledger import web
    from tokledger.reports.periods import zone

    zone(timezone or app.config.timezone)  # a bad zone fails now, not on the first request
    sock = web.listen(host, port)

    def sync_ledger(ledger):  # one parser process: the server's threads must not be forked
        from tokledger.ingest import sync

        return sync(ledger, app.env, app.pricer, jobs=1, fingerprint=app.fingerprint)

    backend = web.Backend(app.db_path, app.config, sync=None if no_sync else sync_ledger, sync_every=sync_interval,
                          timezone=timezone)  # fmt: skip
    if not no_sync:
        app.sync()
        backend.mark_synced()
    if not web.is_loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach it can read your usage (there is no login)",
                   err=True)  # fmt: skip
    url = web.url_of(sock, host)
    click.echo(f"tokledger dashboard on {url} (Ctrl+C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    web.run(backend, sock, host)


@cli.command("graph")
@click.option("--year", type=click.IntRange(1970, 9999), help="Calendar year (default: the newest with usage).")
@click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`).")
@click.option("--model", "model", metavar="TEXT", help="Only models whose name contains TEXT (comma list).")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days (default: system).")
@click.option("--json", "as_json", is_flag=True, help="Print the contribution data as JSON (schema in docs/web.md).")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the calendar as a standalone SVG (for a README or a profile).")  # fmt: skip
@click.option("--metric", type=click.Choice(["cost", "tokens"]), default="cost", show_default=True,
              help="What colours a day.")  # fmt: skip
@click.option("--palette", default="green", show_default=True, help="Colour palette (as in the web dashboard).")
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light", show_default=True, help="SVG theme.")
@click.option("--no-sync", is_flag=True, help="Use the ledger as it is, without reading logs.")
@pass_app
def graph_cmd(app: App, year: int | None, source: str | None, model: str | None, timezone: str | None,
              as_json: bool, svg_path: Path | None, metric: str, palette: str, theme: str, no_sync: bool) -> None:  # fmt: skip
    """A year of usage as a contribution calendar: in the terminal, as JSON (--json) or SVG (--svg FILE)."""
    from tokledger.reports import graph, today
    from tokledger.reports.graph_render import PALETTES, to_rich, to_svg

    if palette not in PALETTES:
        raise click.BadParameter(f"unknown palette {palette!r} (known: {', '.join(PALETTES)})", param_hint="--palette")
    query = _query(app, {"source": source, "model": model, "timezone": timezone})
    if not no_sync:
        app.sync(query.sources or None, quiet=as_json)
    doc = graph.graph_data(graph.history(app.ledger, query), year, today=today(query.tz))
    if svg_path is not None:
        try:
            svg_path.write_text(to_svg(doc, metric=metric, palette=palette, theme=theme), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {svg_path}: {exc.strerror or exc}") from None
        if not as_json:
            click.echo(f"wrote {svg_path}: {doc['meta']['year']}, {len(doc['contributions'])} days")
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    elif svg_path is None:
        _console().print(to_rich(doc, metric=metric, palette=palette))


@cli.command("live")
@click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`).")
@click.option("--project", "project", metavar="TEXT", help="Only projects whose path contains TEXT.")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days and months (default: system).")
@click.option("--refresh", type=click.FloatRange(min=1), default=10, show_default=True, metavar="SECONDS",
              help="Read new usage and redraw every SECONDS.")  # fmt: skip
@pass_app
def live_cmd(app: App, refresh: float, **opts) -> None:
    """A live terminal dashboard: lifetime, month, today and the 5-hour block, updating as you work."""
    query = _query(app, opts)
    ledger = app.ledger  # fails here, with one line, before the terminal is taken over
    from tokledger import tui

    progress = _progress_bar()
    try:
        refresher = tui.prepare(ledger, app.env, app.pricer, query, progress=progress)
    finally:
        progress.close()
    code = tui.run(refresher, refresh=refresh)
    if code:
        raise SystemExit(code)


def main() -> None:
    cli(prog_name="tokledger")

