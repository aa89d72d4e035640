"""Commands for what the vendors themselves counted and billed: ``providers``, ``reconcile``, ``billed``, ``tray``.

Importing this module adds its commands to the main group (:func:`register` adds them to any group). They
parse options, call the library (:mod:`tokledger.providers`, :mod:`tokledger.tray`) and render what it
returns, through a :class:`VendorHost`: the workspace's ``vendors`` (:class:`tokledger.providers.host.Vendors`)
when the application object holds a workspace, else its ``vendors`` (or itself): the ledger-backed store,
the settings, and the local and billed totals.

- ``providers list [--json]``: every provider, whether it is configured, its credential's name, last sync;
- ``providers sync [NAME] [--json]``: read the vendors' buckets into the ledger (default: the enabled ones);
- ``providers check [NAME] [--json]``: validate each credential with one cheap authenticated call;
- ``providers import-csv cursor FILE [--json]``: import Cursor's usage CSV export;
- ``reconcile [--provider A,B] [--since D] [--until D] [--json] [--no-sync]``: local estimate against the bill;
- ``billed [--provider A,B] [--since D] [--until D] [--json]``: cost per provider per UTC day, and per model;
- ``tray``: the system tray icon (today's cost; open the dashboard, sync now, quit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from tokledger.env import Env
from tokledger.errors import TokledgerError

if TYPE_CHECKING:
    from tokledger.providers import ProviderRecord
    from tokledger.providers.config import ProviderSettings
    from tokledger.providers.reconcile import DayModelTotals
    from tokledger.providers.sync import ProviderStore


HELP = {"help_option_names": ["-h", "--help"]}  # as on the main group, also where a command runs on its own


class VendorHost(Protocol):
    """What these commands need from the application (the workspace implements it)."""

    env: Env

    def provider_settings(self) -> dict[str, ProviderSettings]: ...

    def provider_store(self) -> ProviderStore: ...

    def billed_records(
        self, providers: Sequence[str], since: date | None, until: date | None
    ) -> list[ProviderRecord]:
        """Stored provider records whose bucket starts within the UTC days ``since``..``until``."""
        ...

    def local_totals(self, since: date | None, until: date | None) -> list[DayModelTotals]:
        """Local events (the assistants' logs) summed per UTC day and model, with their costs."""
        ...

    def billed(self, providers: Sequence[str], since: date | None, until: date | None) -> dict:
        """The billed view's document (:func:`tokledger.reports.billed.billed_view`)."""
        ...

    def today_cost(self) -> str: ...

    def sync_logs(self) -> None:
        """Read new usage from the local logs (what a report does before it reads the ledger)."""
        ...

    def sync_now(self) -> None: ...

    @property
    def dashboard_url(self) -> str: ...


def _host(ctx: click.Context) -> VendorHost:
    obj = ctx.find_root().obj
    workspace = getattr(obj, "workspace", None)
    return workspace.vendors if workspace is not None else getattr(obj, "vendors", obj)


def _names(value: str | None) -> list[str] | None:
    from tokledger.providers import PROVIDERS

    if not value:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    for name in names:
        if name not in PROVIDERS:
            raise click.BadParameter(f"unknown provider {name!r} (known: {', '.join(PROVIDERS)})")
    return names


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _emit(doc: Any) -> None:
    click.echo(json.dumps(doc, indent=2))


@click.group(
    "providers",
    context_settings=HELP,
    epilog="Examples:\n\n\b\n  tokledger providers list\n  tokledger providers sync anthropic_api\n  tokledger providers import-csv cursor usage-events.csv",
)
def providers_group() -> None:
    """The vendors' own usage and billing APIs (Anthropic, OpenAI, Cursor, Bedrock, Vertex)."""


@providers_group.command("list", context_settings=HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every provider: configured or not, its credential's name, its last sync."""
    from tokledger.providers import PROVIDERS
    from tokledger.providers.credentials import resolve
    from tokledger.providers.sync import error_key, watermark_key

    host = _host(ctx)
    settings, store = host.provider_settings(), host.provider_store()
    rows = []
    for name, provider in PROVIDERS.items():
        own = settings[name]
        try:
            credential = resolve(provider, own, host.env).label
        except TokledgerError as exc:
            credential = str(exc)
        rows.append({"provider": name, "title": provider.title, "configured": own.configured,
                     "enabled": own.configured and own.enabled, "credential": credential,
                     "interval_seconds": int(own.interval_for(provider).total_seconds()),
                     "reports": list(own.reports_for(provider)), "last_sync": store.get_state(watermark_key(name)),
                     "last_error": store.get_state(error_key(name)) or None})  # fmt: skip
    if as_json:
        _emit(rows)
        return
    for r in rows:
        state = "enabled" if r["enabled"] else "not configured" if not r["configured"] else "disabled"
        click.echo(
            f"{r['provider']:<14} {state:<15} last sync {r['last_sync'] or 'never'}  credential: {r['credential']}"
        )
        if r["last_error"]:
            click.echo(f"{'':<14} last error: {r['last_error']}")


@providers_group.command("sync", context_settings=HELP)
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def sync_cmd(ctx: click.Context, name: str | None, as_json: bool) -> None:
    """Read the vendors' latest buckets (and, the first time, the backfill) into the ledger."""
    from tokledger.providers.sync import sync_configured

    host = _host(ctx)
    settings = host.provider_settings()
    names = _names(name)
    reports = sync_configured(settings, host.env, host.provider_store(), datetime.now(UTC), names)
    if as_json:
        _emit([r.to_json() for r in reports])
    else:
        if not reports:
            click.echo("no provider is configured: add a [providers.NAME] section, or name one")
        for r in reports:
            if r.ok:
                click.echo(f"{r.provider}: {r.records} records from {r.since:%Y-%m-%d %H:%M} UTC, "
                           f"{r.requests} requests, {r.skipped} skipped")  # fmt: skip
            else:
                error = r.error or ""
                click.echo(error if error.startswith(f"{r.provider}:") else f"{r.provider}: {error}")
            for notice in r.notices:
                click.echo(f"  notice: {notice}")
    if any(not r.ok for r in reports):
        ctx.exit(1)


@providers_group.command("check", context_settings=HELP)
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def check_cmd(ctx: click.Context, name: str | None, as_json: bool) -> None:
    """Validate each provider's credential with one cheap authenticated call."""
    from tokledger.providers import PROVIDERS
    from tokledger.providers.config import enabled
    from tokledger.providers.credentials import CheckResult, check, resolve

    host = _host(ctx)
    settings = host.provider_settings()
    results = []
    for each in _names(name) or enabled(settings) or list(PROVIDERS):
        try:
            credentials = resolve(PROVIDERS[each], settings[each], host.env)
        except TokledgerError as exc:
            results.append(CheckResult(each, False, "-", str(exc)))
            continue
        results.append(check(PROVIDERS[each], credentials, settings[each]))
    if as_json:
        _emit([r.to_json() for r in results])
    else:
        for r in results:
            click.echo(f"{r.provider}: {'ok' if r.ok else 'FAILED'}: {r.message}")
    if any(not r.ok for r in results):
        ctx.exit(1)


@providers_group.command("import-csv", context_settings=HELP)
@click.argument("provider", type=click.Choice(["cursor"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_csv_cmd(ctx: click.Context, provider: str, file: Path, as_json: bool) -> None:
    """Import a usage CSV export (Cursor's usage page); rows already synced are replaced, not added."""
    from tokledger.providers.cursor import import_csv

    try:
        records, skipped = import_csv(file)
    except TokledgerError as exc:
        raise click.ClickException(str(exc)) from None
    _host(ctx).provider_store().record(records)
    if as_json:
        _emit({"provider": provider, "file": str(file), "records": len(records), "skipped": skipped})
    else:
        click.echo(f"{provider}: {len(records)} records imported from {file}, {skipped} rows skipped")


def _billing_options(provider_help: str):
    """The options ``reconcile`` and ``billed`` share: providers, UTC days, JSON."""

    def wrap(func):
        for option in reversed([
            click.option("--provider", "providers", metavar="A,B", help=provider_help),
            click.option("--since", metavar="YYYY-MM-DD", help="First UTC day."),
            click.option("--until", metavar="YYYY-MM-DD", help="Last UTC day."),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        ]):  # fmt: skip
            func = option(func)
        return func

    return wrap


@click.command(
    "reconcile",
    context_settings=HELP,
    epilog="Examples:\n\n\b\n  tokledger reconcile --since 2025-06-01\n  tokledger reconcile --provider anthropic_api --json",
)
@_billing_options("Only these providers' bills (default: all).")
@click.option("--no-sync", is_flag=True, help="Read the ledger as it is (the local logs are not read first).")
@click.pass_context
def reconcile_cmd(ctx: click.Context, providers: str | None, since: str | None, until: str | None,
                  as_json: bool, no_sync: bool) -> None:  # fmt: skip
    """Local estimate against what the vendors billed, per UTC day and model, with the likely causes."""
    from tokledger.providers import PROVIDERS
    from tokledger.providers.reconcile import billed_totals, reconcile, reconcile_json

    host = _host(ctx)
    first, last = _day(since, "--since"), _day(until, "--until")
    names = _names(providers) or list(PROVIDERS)
    if not no_sync:
        host.sync_logs()
    rows = reconcile(host.local_totals(first, last), billed_totals(host.billed_records(names, first, last)))
    doc = reconcile_json(rows)
    if as_json:
        _emit(doc)
        return
    for row in doc["rows"]:
        local, billed, diff = row["local"], row["billed"], row["difference"]
        cost = "" if diff["cost_usd"] is None else f", cost {diff['cost_usd']:+.4f} USD"
        click.echo(f"{row['day']} {row['model']}: local {local['total_tokens']:,} / billed {billed['total_tokens']:,} "
                   f"tokens{cost}")  # fmt: skip
        for cause in row["causes"]:
            click.echo(f"  {cause['cause']}: {cause['explanation']}")


@click.command(
    "billed",
    context_settings=HELP,
    epilog="Examples:\n\n\b\n  tokledger billed\n  tokledger billed --provider anthropic_api --since 2025-06-01 --json",
)
@_billing_options("Only these providers (default: all).")
@click.pass_context
def billed_cmd(ctx: click.Context, providers: str | None, since: str | None, until: str | None,
               as_json: bool) -> None:  # fmt: skip
    """What the vendors billed, apart from the local logs: cost per provider per UTC day, and per model."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        raise click.BadParameter(f"{first} is after --until {last}", param_hint="--since")
    doc = _host(ctx).billed(_names(providers) or [], first, last)
    if as_json:
        _emit(doc)
        return
    from tokledger.cli import make_console
    from tokledger.reports.billed import to_tables

    console = make_console()
    if not doc["rows"]:
        console.print("no billed usage recorded for this selection (`tokledger providers sync` reads it)")
        return
    for table in to_tables(doc):
        console.print(table)


@click.command("tray", context_settings=HELP, epilog="Examples:\n\n\b\n  tokledger tray")
@click.pass_context
def tray_cmd(ctx: click.Context) -> None:
    """A system tray icon: today's cost; open the dashboard, sync now, quit."""
    from tokledger.tray import TrayUnavailable, run_tray

    host = _host(ctx)
    try:
        run_tray(host.today_cost, host.sync_now, host.dashboard_url, host.env)
    except TrayUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def register(group: click.Group) -> None:
    """Add these commands to the main ``tokledger`` group."""
    for command in (providers_group, reconcile_cmd, billed_cmd, tray_cmd):
        group.add_command(command)


def _register_on_main() -> None:
    from tokledger.cli import cli

    register(cli)


_register_on_main()
