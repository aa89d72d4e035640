"""The dashboards: live (terminal), serve (web) and the contribution graph export."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from tokledger.cli import App, ProgressBar, cli, flag, make_console, pass_app
from tokledger.cli.reports import build_query
from tokledger.reports.query import YEARS


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback shows your usage to the network.")  # fmt: skip
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one)."
)
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days and months (default: system).")
@click.option("--sync-interval", type=click.FloatRange(min=1), default=30.0, show_default=True, metavar="SECONDS",
              help="While the page is used, read new usage from the logs at most this often.")  # fmt: skip
@click.option("--no-sync", is_flag=True, help="Serve the ledger as it is, without reading logs.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests addressed to this host name (repeatable; for a name in front of it).")  # fmt: skip
@pass_app
def serve_cmd(app: App, host: str, port: int, timezone: str | None, sync_interval: float, no_sync: bool,
              open_browser: bool, allow_hosts: tuple[str, ...]) -> None:  # fmt: skip
    """A local web dashboard: the contribution calendar (2D/3D), charts, and their JSON under /api."""
    from tokledger import web

    app.workspace.query({"timezone": timezone}, label=flag)  # a bad zone fails now, not on the first request
    app.workspace.export_config()  # and so does a bad [exporters] table (/metrics reads it)
    sock = web.listen(host, port)
    backend = web.Backend(app.workspace, sync=not no_sync, sync_every=sync_interval, timezone=timezone)
    if not no_sync:
        app.sync()
        backend.mark_synced()
    token = web.new_token(host)
    if token:
        click.echo(f"warning: listening on {host}: anyone who can reach it and has the address below, token "
                   "included, can read your usage", err=True)  # fmt: skip
    url = web.url_of(sock, host, token)
    click.echo(f"tokledger dashboard on {url} (Ctrl+C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    with _watching_capture(app):
        web.run(backend, sock, host, allow_hosts=allow_hosts, token=token)


@contextmanager
def _watching_capture(app: App):
    """The drop directory watched while a dashboard runs: captured events show up at once."""
    stop = threading.Event()
    watcher = app.workspace.watch_capture(stop)
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=10)  # a read in progress finishes; the watch itself stops within 50 ms


@cli.command("graph")
@click.option("--year", type=click.IntRange(*YEARS), help="Calendar year (default: the newest with usage).")
@click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`).")
@click.option("--model", "model", metavar="TEXT", help="Only models whose name contains TEXT (comma list).")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days (default: system).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the contribution data as JSON (schema in docs/web.md)."
)
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the calendar as a standalone SVG (for a README or a profile).")  # fmt: skip
@click.option("--metric", type=click.Choice(["cost", "tokens"]), default="cost", show_default=True,
              help="What colours a day.")  # fmt: skip
@click.option(
    "--palette", default="green", show_default=True, help="Colour palette (as in the web dashboard)."
)
@click.option(
    "--theme", type=click.Choice(["light", "dark"]), default="light", show_default=True, help="SVG theme."
)
@click.option("--no-sync", is_flag=True, help="Use the ledger as it is, without reading logs.")
@pass_app
def graph_cmd(app: App, year: int | None, source: str | None, model: str | None, timezone: str | None,
              as_json: bool, svg_path: Path | None, metric: str, palette: str, theme: str, no_sync: bool) -> None:  # fmt: skip
    """A year of usage as a contribution calendar: in the terminal, as JSON (--json) or SVG (--svg FILE)."""
    from tokledger.reports import graph, today
    from tokledger.reports.graph_render import PALETTES, to_rich, to_svg

    if palette not in PALETTES:
        raise click.BadParameter(
            f"unknown palette {palette!r} (known: {', '.join(PALETTES)})", param_hint="--palette"
        )
    query = build_query(app, {"source": source, "model": model, "timezone": timezone})
    if not no_sync:
        app.sync(query.sources or None, quiet=as_json)
    day = today(query.tz)
    history = app.workspace.report("daily", query, parts=False)
    year = year or graph.default_year(history, day)
    first, last = graph.year_bounds(year)
    detail = app.workspace.report("daily", replace(query, since=first, until=last))
    doc = graph.graph_data(history, detail, year, today=day)
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
        make_console().print(to_rich(doc, metric=metric, palette=palette))


@cli.command("live")
@click.option("--source", "source", metavar="A,B", help="Only these sources (see `tokledger sources`).")
@click.option("--project", "project", metavar="TEXT", help="Only projects whose path contains TEXT.")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone for days and months (default: system).")
@click.option("--refresh", type=click.FloatRange(min=1), default=10, show_default=True, metavar="SECONDS",
              help="Read new usage and redraw every SECONDS.")  # fmt: skip
@pass_app
def live_cmd(app: App, refresh: float, **opts) -> None:
    """A live terminal dashboard: lifetime, month, today and the 5-hour block, updating as you work."""
    query = build_query(app, opts)
    _ = app.workspace.ledger  # fails here, with one line, before the terminal is taken over
    from tokledger import tui

    progress = ProgressBar()
    try:
        refresher = tui.prepare(app.workspace, query, progress=progress)
    finally:
        progress.close()
    with _watching_capture(app):
        code = tui.run(refresher, refresh=refresh)
    if code:
        raise SystemExit(code)
