"""``Workspace``: what every face opens — the environment, the configuration, the ledger, the pricer, and sync.

The command line, the web dashboard, the live dashboard and every later face (daemon, hooks, status line,
exporters, MCP) hold one of these and nothing below it: they never build a ledger, a pricer or a price
fingerprint themselves, so they all sync the same way and fill the same price cache. Parts are opened
when first used, so a command that only prints help touches nothing.

A workspace's connection belongs to the thread that uses it; a threaded face (the web server) takes a
:meth:`reader` per request, which shares the configuration but has its own connection.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Self

from tokledger.config import Config, load_config
from tokledger.env import Env
from tokledger.errors import LedgerError

if TYPE_CHECKING:
    import threading
    from zoneinfo import ZoneInfo

    from tokledger.budgets import BudgetStatus
    from tokledger.events import UsageEvent
    from tokledger.guard.services import WorkspaceGuard
    from tokledger.ingest import ProgressFn, SyncReport
    from tokledger.ledger import Ledger
    from tokledger.pricing import PriceEntry, Pricer
    from tokledger.reports import Query, Report

AfterSync = Callable[["Workspace", "SyncReport"], None]


def check_budgets(workspace: Workspace, report: SyncReport) -> None:
    """After a sync that recorded something: evaluate every budget and raise the alerts now due."""
    workspace.evaluate_budgets()


class Workspace:
    def __init__(self, env: Env, *, db_path: Path | None = None, config_path: Path | None = None,
                 config: Config | None = None) -> None:  # fmt: skip
        self.env = env
        self.db_path = db_path or env.ledger_path
        self.config_path = config_path or env.config_path
        self._explicit_config = config_path is not None
        self._config = config
        self._ledger: Ledger | None = None
        self._pricer: Pricer | None = None
        self._day_zones: set[str] = set()
        self.after_sync: list[AfterSync] = [check_budgets]
        """Called after every sync that recorded something, whoever asked for it."""

    @classmethod
    def from_os(cls, *, db_path: Path | None = None, config_path: Path | None = None) -> Workspace:
        return cls(Env.from_os(), db_path=db_path, config_path=config_path)

    # -- parts ---------------------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=self._explicit_config)
        return self._config

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from tokledger.ledger import Ledger

            self._ledger = Ledger.open(self.db_path)
        return self._ledger

    @cached_property
    def fingerprint(self) -> str:
        from tokledger.pricing import table_fingerprint

        return table_fingerprint()

    @property
    def pricer(self) -> Pricer:
        if self._pricer is None:
            from tokledger.pricing import Pricer

            self._pricer = Pricer(self.config.prices, cached=self.ledger.price_cache(self.fingerprint))
        return self._pricer

    def reader(self) -> Workspace:
        """Another workspace on the same ledger and configuration, with its own connection."""
        return Workspace(self.env, db_path=self.db_path, config_path=self.config_path, config=self.config)

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- keeping the ledger --------------------------------------------------------------------------

    def sync(self, only: Sequence[str] | None = None, *, jobs: int | None = None, strict: bool = False,
             progress: ProgressFn | None = None) -> SyncReport:  # fmt: skip
        """Read new usage from every source (or ``only`` these) into the ledger; see :func:`ingest.sync`."""
        from tokledger.ingest import sync

        report = sync(self.ledger, self.env, self.pricer, only=only, jobs=jobs, strict=strict, progress=progress,
                      fingerprint=self.fingerprint)  # fmt: skip
        if only is None or "drop_dir" in only:
            from tokledger.guard.capture import read_drop_dir

            read_drop_dir(self, report)
        if report.changed:
            for hook in self.after_sync:
                hook(self, report)
        return report

    def ingest_file(self, source: str, path: str | os.PathLike) -> bool:
        """Read one log file of ``source`` from its checkpoint, as a sync would (the transcript a hook or the
        status line names); True when it recorded something. An unchanged JSON Lines file costs a ``stat``
        and one look-up, loading neither the sources nor the pricer; a missing file is nothing to read."""
        key = os.path.realpath(path)
        try:
            st = os.stat(key)
        except FileNotFoundError:
            return False
        if key.endswith(".jsonl"):
            state = self.ledger.file_state(key)
            if state is not None and (state.size, state.mtime_ns, state.inode) == (st.st_size, st.st_mtime_ns,
                                                                                   st.st_ino):  # fmt: skip
                return False
        from tokledger.ingest import sync_file

        report = sync_file(self.ledger, source, key, lambda: self.pricer, self.fingerprint)
        self._after_sync(report)
        return report.changed

    def record(self, events: Sequence[UsageEvent]) -> int:
        """Price and record events captured outside the logs (drop directory, tmux panes), merging copies of
        a key as a sync does; returns how many were added or changed."""
        from tokledger.ingest import FileReport, SourceReport, SyncReport, record

        changed = record(self.ledger, self.pricer, events, self.fingerprint)
        sources = sorted({e.source for e in events})
        report = SyncReport({s: SourceReport(s) for s in sources},
                            [FileReport(s, "", "captured") for s in sources] if changed else [])  # fmt: skip
        self._after_sync(report)
        return changed

    def _after_sync(self, report: SyncReport) -> None:
        if report.changed:
            for hook in self.after_sync:
                hook(self, report)

    @cached_property
    def guard(self) -> WorkspaceGuard:
        """What the budget, alert, hook, status-line, capture and MCP commands use (see :mod:`tokledger.guard`)."""
        from tokledger.guard.services import WorkspaceGuard

        return WorkspaceGuard(self)

    def evaluate_budgets(self, *, alert: bool = True, now: datetime | None = None) -> list[BudgetStatus]:
        """Every configured budget's status (from the rollups); with ``alert``, each level newly reached
        alerts once per period on the configured channels, whichever process gets there first."""
        from tokledger.guard.services import evaluate_budgets

        return evaluate_budgets(self, alert=alert, now=now)

    def watch_capture(self, stop: threading.Event) -> threading.Thread:
        """Record drop-directory files as they land, in a thread, until ``stop`` is set (faces that stay open)."""
        from tokledger.guard.capture import watch_capture

        return watch_capture(self, stop)

    def reprice(self) -> tuple[int, int]:
        """Recompute every stored cost with the current table and overrides; (events, changed)."""
        from tokledger.ingest import reprice
        from tokledger.pricing import Pricer

        self._pricer = None
        return reprice(self.ledger, Pricer(self.config.prices), self.fingerprint)

    def price_entry(self, model: str, when: datetime, provider: str | None = None) -> PriceEntry | None:
        return self.pricer.entry(model, when, provider)

    # -- reading it ------------------------------------------------------------------------------------

    @property
    def source_names(self) -> list[str]:
        """Every source tokledger reads, in registry order, then the sources of captured events."""
        from tokledger.capture import CAPTURE_SOURCES
        from tokledger.sources import SOURCES

        return [*SOURCES, *CAPTURE_SOURCES]

    def known_sources(self) -> list[str]:
        """Every registered source and every source the ledger holds events of (history outlives modules)."""
        from tokledger.ledger import queries

        return sorted(set(self.source_names) | set(queries.source_counts(self.ledger)))

    def query(self, params: Mapping[str, object], *, known: Collection[str] | None = None, dated: bool = True,
              label: Callable[[str], str] = str) -> Query:  # fmt: skip
        """A report query from CLI options or web parameters (see :func:`reports.query.query_from`)."""
        from tokledger.reports.query import query_from

        known = self.source_names if known is None else known
        return query_from(params, self.config, known_sources=known, dated=dated, label=label)

    def keep_days(self, tz: ZoneInfo) -> None:
        """Have the ledger keep sums per local day of this zone (the zone of a face that stays open), so
        its daily, weekly, monthly, model and project reports read those instead of quarter-hours."""
        if tz.key in self._day_zones:
            return
        self._day_zones.add(tz.key)
        try:
            self.ledger.keep_days(tz.key)
        except LedgerError:  # a read-only ledger: the quarter-hours still answer, a little slower
            pass

    def report(self, kind: str, query: Query, *, parts: bool = True) -> Report:
        """A report of one of :data:`reports.KINDS` (``parts``: with the per source and model breakdown);
        the configured zone's days are kept as sums."""
        from tokledger.reports import usage_report

        if query.tz.key == self.config.zone().key:
            self.keep_days(query.tz)
        return usage_report(self.ledger, kind, query, parts=parts)

    def blocks(self, query: Query, **options) -> Report:
        from tokledger.reports.blocks import blocks_report

        return blocks_report(self.ledger, query, **options)

    def events(self, query: Query, limit: int | None) -> list[dict]:
        from tokledger.reports.events import event_list

        return event_list(self.ledger, query, limit)

    def plan_usage(self, now: datetime | None = None) -> list:
        """The plan's own usage windows Claude Code last reported, where still current (see
        :func:`tokledger.reports.blocks.plan_usage`)."""
        from tokledger.reports.blocks import plan_usage

        return plan_usage(self.ledger, now)

    def request_events(self, id: str, mode: str | None = None) -> list[dict]:
        """The request with this message id or request id, as :meth:`events` gives events."""
        from tokledger.reports.events import request_list

        return request_list(self.ledger, id, mode or self.config.mode)

    def sources(self) -> list[dict]:
        from tokledger.reports.status import source_status

        return source_status(self.ledger)

    def changed_elsewhere(self) -> int:
        """A number that changes whenever another connection commits to the ledger."""
        return self.ledger.data_version()
