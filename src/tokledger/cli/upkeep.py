"""Looking after the ledger itself: doctor (impossible rows, rollups) and prune (a range of history)."""

from __future__ import annotations

import json

import click

from tokledger.cli import App, cli, flag, pass_app


@cli.command("doctor")
@click.option("--fix", is_flag=True, help="Remove the impossible events and rebuild rollups that differ.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def doctor_cmd(app: App, fix: bool, as_json: bool) -> None:
    """Check the ledger: events no log can have produced (an instant in the year 9999, a count or cost past
    any bound) and rollups that differ from the events. Reports read nothing from logs meanwhile."""
    doc = app.workspace.doctor(fix=fix)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    from tokledger.reports.format import printable
    from tokledger.sources._records import reason_text

    if not doc["impossible_events"] and not doc["rollup_differences"]:
        click.echo("the ledger is sound: no impossible events, rollups equal their events")
        return
    if doc["impossible_events"]:
        click.echo(f"{doc['impossible_events']:,} impossible events ({reason_text(doc['reasons'])}), e.g.:")
        for example in doc["examples"]:
            click.echo(f"  {printable(example['key'])[:80]}: {example['reason']}")
    if doc["rollup_differences"]:
        click.echo(
            f"rollups differ from their events ({len(doc['rollup_differences'])} rows shown by --json)"
        )
    if doc["fixed"]:
        click.echo("fixed: impossible events removed, rollups rebuilt")
    else:
        click.echo("run `tokledger doctor --fix` to remove them and rebuild the rollups")


@cli.command("prune")
@click.option("--before", metavar="YYYY-MM-DD", help="Delete the events before this local day.")
@click.option("--after", metavar="YYYY-MM-DD", help="Delete the events after this local day.")
@click.option("--timezone", "-z", metavar="ZONE", help="IANA zone of the days (default: system).")
@click.option("--yes", is_flag=True, help="Delete without asking.")
@pass_app
def prune_cmd(app: App, before: str | None, after: str | None, timezone: str | None, yes: bool) -> None:
    """Delete a range of history from the ledger (the rollups follow). The logs are not touched; a file read
    again later (rewritten or replaced) brings its events back."""
    if not before and not after:
        raise click.UsageError("give --before, --after or both")
    query = app.workspace.query({"since": before, "until": after, "timezone": timezone},
                                label=lambda name: flag({"since": "before", "until": "after"}.get(name, name)))  # fmt: skip
    what = " and ".join(p for p in (f"before {query.since}" if before else "", f"after {query.until}" if after else "")
                        if p)  # fmt: skip
    if not yes:
        click.confirm(f"delete every event {what} ({query.tz.key}) from {app.workspace.db_path}?", abort=True)
    n = app.workspace.prune(query.since if before else None, query.until if after else None, query.tz)
    click.echo(f"pruned {n:,} events {what}")
