"""The commands that guard the spend: ``budget``, ``alerts test``, ``hooks``, ``hook``, ``statusline``,
``capture tmux|drop-dir`` and ``mcp`` — thin click skins over the library.

They reach the ledger and the configuration only through :class:`~tokledger.guard.GuardServices`, which
the workspace implements (``workspace.guard``); :func:`register` adds the commands to a click group with
a factory building it from the click context (``register(cli, lambda ctx: ...)``).

``tokledger budget`` exit codes, for scripts: 0 every budget is fine, 1 one is at its warn level,
2 one is past its stop level (a sync or configuration error exits 1 with a message, like every command).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from tokledger.guard import GuardServices


def register(group: click.Group, services: Callable[[click.Context], GuardServices]) -> None:
    """Add every command of this module to ``group``; ``services`` builds their :class:`GuardServices`."""
    group.guard_services = services
    for command in (budget_cmd, alerts_group, hooks_group, hook_cmd, statusline_cmd, capture_group, mcp_cmd):
        group.add_command(command)


def _services(ctx: click.Context) -> GuardServices:
    return ctx.find_root().command.guard_services(ctx)


@click.command("budget")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (keys documented in tokledger.budgets.render)."
)
@click.option("--no-sync", is_flag=True, help="Evaluate the ledger as it is, without reading logs.")
@click.option("--no-alerts", is_flag=True, help="Do not send alerts for levels crossed.")
@click.pass_context
def budget_cmd(ctx: click.Context, as_json: bool, no_sync: bool, no_alerts: bool) -> None:
    """Every budget: used, limit, level, time to reset and projection. Exit 0 ok, 1 warn, 2 past a stop."""
    from datetime import UTC, datetime

    from tokledger.budgets import evaluate, exit_code
    from tokledger.budgets.render import footnotes, to_json, to_table

    svc = _services(ctx)
    config, tz = svc.budgets(), svc.timezone()
    svc.alerting = not no_alerts
    if not no_sync:
        svc.sync()
    now = datetime.now(UTC)
    statuses = evaluate(config, svc.usage_sums(), now, tz)
    if not no_alerts:
        from tokledger.guard.services import raise_due

        raise_due(svc, statuses)
    name = getattr(tz, "key", str(tz))
    if as_json:
        click.echo(to_json(statuses, now, name))
    else:
        from tokledger.cli import make_console

        console = make_console()
        if statuses:
            console.print(to_table(statuses, now, name))
        for note in footnotes(statuses):
            console.print(note)
    ctx.exit(exit_code(statuses))


@click.group("alerts")
def alerts_group() -> None:
    """Budget alerts: desktop notifications, webhooks and stderr lines."""


@alerts_group.command("test")
@click.pass_context
def alerts_test_cmd(ctx: click.Context) -> None:
    """Send a test alert to every configured channel and say how each went."""
    from tokledger.alerts import build_channels, send_test

    svc = _services(ctx)
    results = send_test(build_channels(svc.alert_config(), svc.env))
    if not results:
        click.echo("no alert channels configured ([alerts] desktop = false and no webhooks)")
    for name, error in results:
        click.echo(f"{name}: {'sent' if error is None else 'failed: ' + error}")
    if any(error for _, error in results):
        ctx.exit(1)


@click.group("hooks")
def hooks_group() -> None:
    """tokledger's Claude Code hooks in settings.json: record every turn, enforce budgets."""


def _settings(ctx: click.Context, project: Path | None, local: bool) -> Path:
    from tokledger.capture.hooks import settings_path

    return settings_path(_services(ctx).env, project.resolve() if project is not None else None, local)


_project = click.option("--project", type=click.Path(file_okay=False, path_type=Path), is_flag=False,
                        flag_value=".", default=None, metavar="[DIR]",
                        help="A project's .claude/settings.json (this directory, or DIR) instead of the user's.")  # fmt: skip
_local = click.option(
    "--local", is_flag=True, help="With --project: .claude/settings.local.json (not shared)."
)


@hooks_group.command("install")
@_project
@_local
@click.option("--command", "command", default="tokledger", show_default=True, help="How hooks run tokledger.")
@click.option(
    "--mid-turn", is_flag=True, help="Also PostToolBatch: end a long turn before its next model call."
)
@click.pass_context
def hooks_install_cmd(ctx, project: Path | None, local: bool, command: str, mid_turn: bool) -> None:
    """Add the Stop, SubagentStop and UserPromptSubmit hooks (idempotent; a backup is written first)."""
    from tokledger.capture.hooks import install

    change = install(_settings(ctx, project, local), command=command, mid_turn=mid_turn)
    _report(change, "installed", "already installed")


@hooks_group.command("uninstall")
@_project
@_local
@click.pass_context
def hooks_uninstall_cmd(ctx, project: Path | None, local: bool) -> None:
    """Remove tokledger's hooks and nothing else."""
    from tokledger.capture.hooks import uninstall

    _report(uninstall(_settings(ctx, project, local)), "removed", "no tokledger hooks found")


def _report(change, verb: str, nothing: str) -> None:
    events = change.added or change.removed
    click.echo(f"{change.path}: {verb} {', '.join(events)}" if events else f"{change.path}: {nothing}")
    if change.backup:
        click.echo(f"backup: {change.backup}")


@hooks_group.command("status")
@_project
@_local
@click.pass_context
def hooks_status_cmd(ctx, project: Path | None, local: bool) -> None:
    """Which tokledger hooks the settings file has. Exit 1 when some are missing."""
    from tokledger.capture.hooks import status

    report = status(_settings(ctx, project, local))
    click.echo(f"{report.path}{'' if report.exists else ' (no such file)'}")
    for event, commands in report.installed.items():
        click.echo(f"  {event}: {'; '.join(commands)}")
    for event in report.missing:
        click.echo(f"  {event}: missing")
    if report.missing:
        ctx.exit(1)


@click.command("hook")
@click.argument("event", required=False)
@click.pass_context
def hook_cmd(ctx: click.Context, event: str | None) -> None:
    """Run as a Claude Code hook (payload on stdin). Always exits 0; see `tokledger hooks install`."""
    from tokledger.guard import run

    ctx.exit(run.hook(lambda: _services(ctx), event, sys.stdin, sys.stdout, sys.stderr))


@click.command("statusline")
@click.option(
    "--format", "template", metavar="TEMPLATE", help="Segments and placeholders (see docs/claude-code.md)."
)
@click.pass_context
def statusline_cmd(ctx: click.Context, template: str | None) -> None:
    """Print Claude Code's status line (its JSON on stdin): model, costs, block, budget, plan limits."""
    from tokledger.guard import run

    text = sys.stdin.read(run.MAX_STDIN)
    click.echo(
        run.statusline(lambda: _services(ctx), text, template=template, colour="NO_COLOR" not in os.environ)
    )


@click.group("capture")
def capture_group() -> None:
    """Live capture for tools that keep no usage log."""


@capture_group.command("tmux")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.5, 3600), help="Seconds.")
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.option("--socket", "socket_name", metavar="NAME", help="tmux server socket name (tmux -L).")
@click.option("--tools", default="gemini,codex,minimax", show_default=True, metavar="A,B",
              help="Which CLIs to read (Gemini CLI and Codex also keep logs that tokledger reads: see the docs).")  # fmt: skip
@click.pass_context
def capture_tmux_cmd(
    ctx: click.Context, interval: float, once: bool, socket_name: str | None, tools: str
) -> None:
    """Poll tmux panes running the Gemini, Codex and MiniMax CLIs and record their usage summaries."""
    from tokledger.capture.terminal import TOOLS
    from tokledger.capture.tmux import Poller, Tmux

    chosen = tuple(t.strip() for t in tools.split(",") if t.strip())
    unknown = [t for t in chosen if t not in TOOLS]
    if unknown or not chosen:
        raise click.BadParameter(f"known tools: {', '.join(TOOLS)}", param_hint="--tools")
    svc = _services(ctx)
    poller = Poller(Tmux(svc.env, socket_name=socket_name), svc.record, tools=chosen)
    if once:
        click.echo(f"{len(poller.poll())} new usage summaries")
        return
    try:
        poller.run(interval)
    except KeyboardInterrupt:
        pass


@capture_group.command("drop-dir")
@click.option("--watch", is_flag=True, help="Keep watching for new files.")
@click.pass_context
def capture_drop_cmd(ctx: click.Context, watch: bool) -> None:
    """Record the cost-event files in the drop directory ([capture] drop_dir); bad files go to rejected/."""
    from tokledger.capture.drop_dir import consume
    from tokledger.capture.drop_dir import watch as watch_dir

    svc = _services(ctx)
    folder = svc.drop_dir()
    result = consume(folder, svc.record)
    click.echo(f"{folder}: {result.recorded} recorded, {result.rejected} rejected")
    if watch:
        try:
            watch_dir(folder, lambda: consume(folder, svc.record))
        except KeyboardInterrupt:
            pass


@click.command("mcp")
@click.pass_context
def mcp_cmd(ctx: click.Context) -> None:
    """Serve usage, budgets and cost explanations to assistants over MCP (stdio)."""
    from tokledger.mcp.server import serve

    serve(_services(ctx).usage_service())
