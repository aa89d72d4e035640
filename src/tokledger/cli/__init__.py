"""The ``tokledger`` command: parse options, call the library, render what it returns.

Every report first syncs the ledger with the assistants' logs (incrementally: an unchanged file costs one
``stat``) unless ``--no-sync`` is given. Expected failures print one line and exit non-zero; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from tokledger import __version__
from tokledger.config import Config, load_config
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

        progress = None if quiet else ProgressBar()
        try:
            return sync(self.ledger, self.env, self.pricer, only=only, jobs=jobs, strict=strict, progress=progress,
                        fingerprint=self.fingerprint)  # fmt: skip
        finally:
            if progress is not None:
                progress.close()


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


def make_console():
    from rich.console import Console

    # Piped output is not cut to 80 columns: a report in a file or another program keeps every digit.
    width = None if sys.stdout.isatty() else 200
    return Console(no_color="NO_COLOR" in os.environ or None, highlight=False, width=width)


def split_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def parse_sources(value: str | None) -> tuple[str, ...]:
    from tokledger.sources import SOURCES

    names = split_list(value)
    for name in names:
        if name not in SOURCES:
            raise click.BadParameter(f"unknown source {name!r} (known: {', '.join(SOURCES)})", param_hint="--source")
    return names


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
        ctx.invoke(cli.commands["today"])


def main() -> None:
    cli(prog_name="tokledger")


# The commands register themselves on ``cli`` when their modules are imported.
from tokledger.cli import admin, dashboards, reports  # noqa: F401
