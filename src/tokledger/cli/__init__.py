"""The ``tokledger`` command: parse options, call the library, render what it returns.

Every report first syncs the ledger with the assistants' logs (incrementally: an unchanged file costs one
``stat``) unless ``--no-sync`` is given. Expected failures print one line and exit non-zero; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from tokledger import __version__
from tokledger.errors import OptionError, TokledgerError
from tokledger.workspace import Workspace

PROGRESS_MIN_BYTES = 32 << 20


@dataclass
class App:
    """The command's context: the workspace and how to talk to the user."""

    workspace: Workspace
    debug: bool = False

    @property
    def config(self):
        return self.workspace.config

    @property
    def config_path(self) -> Path:
        return self.workspace.config_path

    def sync(self, only=None, *, jobs=None, strict=False, quiet=False, notify=True):
        """Sync; with ``notify``, one line on stderr says what the sync could not read."""
        progress = None if quiet else ProgressBar()
        try:
            report = self.workspace.sync(only, jobs=jobs, strict=strict, progress=progress)
        finally:
            if progress is not None:
                progress.close()
        if notify and report.summary():
            from tokledger.reports.format import printable

            click.echo(printable(report.summary()), err=True)
        return report


class ProgressBar:
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


def make_console(color: bool | None = None):
    """A console for the reports: ``color`` True forces colour (even piped), False turns it off, None leaves
    it to the terminal and ``NO_COLOR``."""
    from rich.console import Console

    # Piped output is not cut to 80 columns (unless COLUMNS says so): a report in a file or another program
    # keeps every digit.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit() else 200
    if color is None:
        console = Console(no_color="NO_COLOR" in os.environ or None, highlight=False, width=width)
    else:
        console = Console(
            no_color=not color, force_terminal=color or None, highlight=False, width=width or 200
        )
    console.on_broken_pipe = _reader_gone  # Rich would exit with 1
    return console


def _reader_gone() -> None:
    """The reader of our output went away (`tokledger daily | head -1`): stop quietly, and successfully."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


def split_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def flag(name: str) -> str:
    """How the command line spells a parameter of the report API: ``start_of_week`` → ``--start-of-week``."""
    return "--" + name.replace("_", "-")


def parse_sources(app: App, value: str | None) -> tuple[str, ...]:
    names = split_list(value)
    known = app.workspace.source_names
    for name in names:
        if name not in known:
            raise click.BadParameter(
                f"unknown source {name!r} (known: {', '.join(known)})", param_hint="--source"
            )
    return names


class _BadValue(click.ClickException):
    """A wrong option value: one line, and the exit code of a usage error."""

    exit_code = 2


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise _BadValue(str(exc)) from None
        except TokledgerError as exc:
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _reader_gone()
        except Exception as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            raise click.ClickException(
                f"{type(exc).__name__}: {exc} (run with --debug for the traceback; `tokledger doctor` checks the ledger)"
            ) from None


pass_app = click.make_pass_decorator(App)


@click.group(
    cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--db", metavar="PATH|URL", help="Ledger file, or a team ledger's postgresql:// URL (default: "
              "TOKLEDGER_DB, else `ledger` in the config, else the user data dir).")  # fmt: skip
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file, which must exist (default: TOKLEDGER_CONFIG, else the user config dir, "
              "where a missing file means no configuration).")  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(__version__, prog_name="tokledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_path: Path | None, debug: bool) -> None:
    """How many tokens your AI coding assistants spent, and what it cost — exactly, kept in one ledger.

    With no command: today's usage by source and model (the same as `tokledger today`).
    """
    ctx.obj = App(Workspace.from_os(db_path=db, config_path=config_path), debug=debug)
    ctx.call_on_close(ctx.obj.workspace.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.commands["today"])


def main() -> None:
    cli(prog_name="tokledger")


# The commands register themselves on ``cli`` when their modules are imported.
from tokledger.cli import admin, dashboards, export, guard, reports, team, upkeep, vendors  # noqa: F401

export.register(cli, host=lambda app: app.workspace)
guard.register(cli, lambda ctx: ctx.find_root().obj.workspace.guard)
