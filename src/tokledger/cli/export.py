"""Commands for exporting: ``daemon run|install|uninstall|status``, ``grafana-dashboard``, ``config check``.

They are not registered on import: the main command group calls :func:`register` with a function that
gives the daemon its :class:`~tokledger.daemon.main.Host` (the workspace) from the command context's
object::

    from tokledger.cli import export
    export.register(cli, host=lambda app: app.workspace)

``register`` adds ``check`` to an existing ``config`` group, or creates the group.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable

import click

HostFactory = Callable[[object], object]


def _service(app):
    from tokledger.daemon.service import Service

    return Service(app.workspace.env)


def _self_argv(app) -> list[str]:
    """The command line the service runs: this interpreter, this ledger and this configuration."""
    return [
        sys.executable,
        "-m",
        "tokledger",
        "--db",
        str(app.workspace.db_path),
        "--config",
        str(app.config_path),
        "daemon",
        "run",
    ]


def build_daemon_group(host_factory: HostFactory) -> click.Group:
    @click.group("daemon")
    def daemon() -> None:
        """Sync the ledger, check budgets and export metrics every interval (one daemon per ledger)."""

    @daemon.command("run")
    @click.option("--once", is_flag=True, help="Run one cycle and exit (non-zero if any step failed).")
    @click.option(
        "--interval",
        type=click.FloatRange(min=10),
        metavar="SECONDS",
        help="Seconds between cycles (default: [daemon] interval, 600).",
    )
    @click.option(
        "--metrics-port",
        type=click.IntRange(0, 65535),
        metavar="PORT",
        help="Serve Prometheus /metrics on this port (default: [daemon] metrics_port; off).",
    )
    @click.option("--metrics-host", metavar="ADDRESS", help="Address for /metrics (default 127.0.0.1).")
    @click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning", "error"]),
        help="Least severe level logged (default: [daemon] log_level, info).",
    )
    @click.pass_obj
    def run_cmd(
        app,
        once: bool,
        interval: float | None,
        metrics_port: int | None,
        metrics_host: str | None,
        log_level: str | None,
    ) -> None:
        """Run in the foreground: SIGTERM/SIGINT finish the cycle and exit, SIGHUP reloads the configuration."""
        from tokledger.daemon.main import serve

        host = host_factory(app)
        env = app.workspace.env
        code = serve(
            host,
            app.config_path,
            env.environ,
            once=once,
            interval=interval,
            metrics_port=metrics_port,
            metrics_host=metrics_host,
            home=env.home,
            hostname=getattr(host, "host", None),
            zone_name=app.config.timezone,
            log_level=log_level,
        )
        sys.exit(code)

    @daemon.command("install")
    @click.pass_obj
    def install_cmd(app) -> None:
        """Install and start the daemon as a user service (systemd on Linux, launchd on macOS)."""
        for line in _service(app).install(_self_argv(app)):
            click.echo(line)

    @daemon.command("uninstall")
    @click.pass_obj
    def uninstall_cmd(app) -> None:
        """Stop the user service and remove its unit or agent file."""
        for line in _service(app).uninstall():
            click.echo(line)

    @daemon.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
    @click.pass_obj
    def status_cmd(app, as_json: bool) -> None:
        """The service (installed, active) and the last cycle: when, and each step's last success and error."""
        from tokledger.daemon.state import read_state

        doc = {"service": _service(app).status(), **read_state(host_factory(app))}
        if as_json:
            click.echo(json.dumps(doc, indent=2))
            return
        click.echo(render_status(doc))

    return daemon


def render_status(doc: dict) -> str:
    service = doc["service"]
    lines = [
        f"service: {'installed' if service['installed'] else 'not installed'} ({service['path']})"
        + (f", {service['active']}" if service.get("active") else "")
    ]
    lines.append(f"last cycle: {doc['last_cycle'] or 'never'}; next: {doc['next_cycle'] or '-'}")
    for name, step in doc["steps"].items():
        error = step["last_error"]
        text = f"  {name}: last success {step['last_success'] or 'never'}"
        if error:
            text += f"; last error {error['at']}: {error['error']}"
        lines.append(text)
    return "\n".join(lines)


def build_grafana_command() -> click.Command:
    @click.command("grafana-dashboard")
    @click.option(
        "--title", default="tokledger: AI coding assistant usage", show_default=True, help="Dashboard title."
    )
    def grafana_dashboard_cmd(title: str) -> None:
        """Print a Grafana dashboard (JSON) for the exported series: `tokledger grafana-dashboard > dashboard.json`."""
        from tokledger.exporters.grafana import dashboard

        click.echo(json.dumps(dashboard(title), indent=2))

    return grafana_dashboard_cmd


def config_problems(app) -> list[str]:
    """Every problem with the configuration file, one message each, naming the file and the key
    (none: ``[]``): first what the core refuses (TOML, unknown tables, ``timezone``, ``mode``, prices,
    ``[team]``), then the exporter and daemon settings, their secrets and the file's permissions."""
    from tokledger.errors import ConfigError
    from tokledger.exporters.config import check

    workspace = app.workspace
    path = app.config_path
    try:
        workspace.config.zone()
        _ = workspace.host
        problems = []
    except ConfigError as exc:
        problems = [str(exc)]
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return problems  # a file that is missing is no configuration; one that does not parse is told above
    return problems + check(doc, path, workspace.env.environ, home=workspace.env.home)


def build_check_command() -> click.Command:
    @click.command("check")
    @click.pass_obj
    def config_check_cmd(app) -> None:
        """Check the configuration file: URLs, keys, secrets and file permissions (values are never shown)."""
        problems = config_problems(app)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        if app.config_path.exists():
            click.echo(f"{app.config_path}: ok")
        else:
            click.echo(f"{app.config_path}: no configuration file (the defaults apply)")

    return config_check_cmd


def register(group: click.Group, host: HostFactory) -> None:
    """Add the commands to ``group`` (the ``tokledger`` command group). Each call builds them anew: click
    keeps a command's help option once built, and it depends on the group's settings (``-h``)."""
    group.add_command(build_daemon_group(host))
    group.add_command(build_grafana_command())
    config = group.commands.get("config")
    if not isinstance(config, click.Group):

        @click.group("config")
        def config() -> None:
            """The configuration file."""

        group.add_command(config)
    config.add_command(build_check_command())
