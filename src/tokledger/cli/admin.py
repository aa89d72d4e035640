"""Keeping the ledger: sync, sources, prices, reprice."""

from __future__ import annotations

import json

import click

from tokledger.cli import App, cli, make_console, parse_sources, pass_app


@cli.command("sync")
@click.option("--source", "source", metavar="A,B", help="Only these sources.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Parser processes (default: all cores).")
@click.option("--strict", is_flag=True, help="Fail on any unreadable file or malformed line.")
@click.option("--verbose", "-v", is_flag=True, help="List every file read, with events and skipped lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def sync_cmd(
    app: App, source: str | None, jobs: int | None, strict: bool, verbose: bool, as_json: bool
) -> None:
    """Read new usage from every source into the ledger (reports do this first on their own)."""
    report = app.sync(
        parse_sources(app, source) or None, jobs=jobs, strict=strict, quiet=as_json, notify=False
    )
    if as_json:
        click.echo(json.dumps({
            "seconds": round(report.seconds, 3),
            "sources": {name: {"files": s.files, "read": s.read, "events": s.events, "skipped": s.skipped,
                               "reasons": s.reasons, "notices": s.notices} for name, s in report.sources.items()},
            "files": [f.__dict__ for f in report.files if f.action != "unchanged" or verbose],
        }, indent=2))  # fmt: skip
        return
    from tokledger.reports.format import printable
    from tokledger.sources._records import reason_text

    for name, s in report.sources.items():
        skipped = f"{s.skipped} lines skipped" + (f" ({reason_text(s.reasons)})" if s.reasons else "")
        click.echo(f"{name}: {s.files} files, {s.read} read, {s.events} events recorded, {skipped}")
        for notice in s.notices:
            click.echo(f"  notice: {printable(notice)}")
    if verbose:
        for f in report.files:
            if f.action != "unchanged":
                if f.error:
                    extra = f" ({printable(f.error)})"
                else:
                    why = f" ({reason_text(f.reasons)})" if f.reasons else ""
                    extra = f": {f.bytes_read:,} bytes, {f.events} events, {f.skipped} skipped{why}"
                click.echo(f"  {f.action:<9} {printable(f.path)}{extra}")
        unchanged = sum(f.action == "unchanged" for f in report.files)
        click.echo(f"  unchanged {unchanged} files")
    click.echo(f"done in {report.seconds:.2f}s")


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--no-sync", is_flag=True, help="Show the state of the last sync without reading logs.")
@pass_app
def sources_cmd(app: App, as_json: bool, no_sync: bool) -> None:
    """Every known source: where it looks, files, events, skipped lines and the last sync."""
    if not no_sync:
        app.sync(quiet=True, notify=False)
    out = app.workspace.sources()
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    from tokledger.reports.format import printable

    table = Table(header_style="bold")
    for col in ("Source", "Accuracy", "Paths", "Files", "Events", "Skipped", "Last event", "Last sync"):
        table.add_column(col, justify="right" if col in ("Files", "Events", "Skipped") else "left")
    for s in out:
        paths = "\n".join(escape(printable(p)) for p in s["paths"])
        table.add_row(s["source"], s["accuracy"], paths or "-", f"{s['files']:,}",
                      f"{s['events']:,}", f"{s['skipped_lines']:,}", (s["last_event"] or "-")[:19],
                      (s["last_sync"] or "never")[:19])  # fmt: skip
    console = make_console()
    console.print(table)
    from tokledger.sources._records import reason_text

    for s in out:
        if s["skipped_reasons"]:
            console.print(
                f"{s['source']}: {s['skipped_lines']:,} lines skipped ({reason_text(s['skipped_reasons'])})"
            )
        for notice in s["notices"]:
            console.print(escape(printable(f"{s['source']}: {notice}")))


@cli.command("prices")
@click.argument("model")
@click.option("--at", "at", metavar="YYYY-MM-DD", help="The price in force on this day (default: now).")
@click.option("--provider", help="Provider hint (anthropic, openai, google, ...).")
@click.option("--url", metavar="URL", help="With `update`: where the genai-prices data file is published.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def prices_cmd(
    app: App, model: str, at: str | None, provider: str | None, url: str | None, as_json: bool
) -> None:
    """Which price entry MODEL matches, its rates in USD per million tokens and how old the price data is.

    `tokledger prices update` fetches the newest published genai-prices data (asking with the ETag of the
    copy kept, so an unchanged file costs one short answer), keeps it in the ledger and reprices what it
    changes; offline the prices in use stay."""
    if model == "update":
        _update(app, url, as_json)
        return
    from datetime import UTC, datetime, time

    from tokledger.reports.periods import parse_day

    when = datetime.combine(parse_day(at, "--at"), time(12), UTC) if at else datetime.now(UTC)
    entry = app.workspace.price_entry(model, when, provider)
    data = app.workspace.price_data()
    if entry is None:
        raise click.ClickException(f"no price known for {model!r}: its usage is reported as unpriced "
                                   f"(add [prices.\"{model}\"] to {app.config_path} to price it)")  # fmt: skip
    doc = {
        "model": model, "matched": entry.model_id, "provider": entry.provider_id, "basis": entry.basis,
        "at": when.date().isoformat(), "per_million_tokens": {k: str(v) for k, v in entry.base.per_mtok().items()},
        "tiers": [{"above_input_tokens": t, "per_million_tokens": {k: str(v) for k, v in r.per_mtok().items()}}
                  for t, r in entry.tiers], "price_data": data,
    }  # fmt: skip
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"{model} → {entry.provider_id}/{entry.model_id} ({entry.basis}), prices on {doc['at']}:")
    rows = [("", doc["per_million_tokens"])] + [
        (f"whole request above {t['above_input_tokens']:,} input tokens", t["per_million_tokens"])
        for t in doc["tiers"]
    ]
    for label, rates in rows:
        if label:
            click.echo(f"  {label}:")
        for key, value in rates.items():
            click.echo(f"    {key:<15} ${value} / Mtok")
    click.echo(_age_line(data))


def _age_line(data: dict) -> str:
    age = "" if data["age_days"] is None else f", {data['age_days']} days old"
    if data["origin"] == "fetched":
        return f"price data: fetched from {data['url']} on {data['fetched'][:10]} (dated {data['date']}{age})"
    hint = "; `tokledger prices update` fetches newer prices" if (data["age_days"] or 0) > 30 else ""
    return f"price data: bundled genai-prices {data['genai_prices']} of {data['date']}{age}{hint}"


def _update(app: App, url: str | None, as_json: bool) -> None:
    result = app.workspace.update_prices(url)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    kept = result["kept"]
    if not result["updated"]:
        click.echo(f"price data unchanged since {kept['fetched'][:10]} ({kept['url']})")
        return
    click.echo(f"kept price data of {kept['last_modified'] or kept['fetched'][:10]}: {kept['providers']} providers, "
               f"{kept['models']:,} models; repriced {result['events']:,} events: {result['repriced']:,} changed")  # fmt: skip


@cli.command("reprice")
@pass_app
def reprice_cmd(app: App) -> None:
    """Recompute every stored cost with the current price table and config overrides."""
    count, changed = app.workspace.reprice()
    click.echo(f"repriced {count:,} events: {changed:,} changed")
