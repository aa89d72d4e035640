"""The team commands: push a personal ledger to a team ledger."""

from __future__ import annotations

import json
import sys

import click

from tokledger.cli import App, cli, pass_app


@cli.command(
    "push",
    epilog="Examples:\n\n\b\n  tokledger push\n  tokledger push --to postgresql://ana@ledger.example.com/tokledger --json",
)
@click.option("--to", "to", metavar="URL", help="The team ledger, postgresql://... (default: [team] ledger).")
@click.option("--batch", type=click.IntRange(1, 1_000_000), default=20_000, show_default=True,
              help="Events per transaction on the team ledger.")  # fmt: skip
@click.option("--no-sync", is_flag=True, help="Push the ledger as it is, without reading logs first.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def push_cmd(app: App, to: str | None, batch: int, no_sync: bool, as_json: bool) -> None:
    """Send this machine's new and changed events to the team ledger (idempotent; resumes where it stopped)."""
    if not no_sync:
        app.sync(quiet=True)
    shown = sys.stderr.isatty() and not as_json

    def progress(sent: int) -> None:
        if shown:
            click.echo(f"\rpushed {sent:,} events", nl=False, err=True)

    report = app.workspace.push(to, batch=batch, progress=progress)
    if shown and report.sent:
        click.echo(err=True)
    if as_json:
        click.echo(json.dumps({"to": report.to, "host": report.host, "user": report.user, "sent": report.sent,
                               "added": report.added, "updated": report.updated, "batches": report.batches,
                               "seconds": round(report.seconds, 3)}, indent=2))  # fmt: skip
        return
    if not report.sent:
        click.echo(f"{report.to}: up to date ({report.host}, {report.user})")
        return
    click.echo(f"{report.to}: sent {report.sent:,} events as {report.user}@{report.host} ({report.added:,} new, "
               f"{report.updated:,} updated) in {report.seconds:.2f}s")  # fmt: skip
