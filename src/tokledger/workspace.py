"""``Workspace``: what every face opens — the environment, the configuration, the ledger, the pricer, and sync.

The command line, the web dashboard, the live dashboard and every later face (daemon, hooks, status line,
exporters, MCP) hold one of these and nothing below it: they never build a ledger, a pricer or a price
fingerprint themselves, so they all sync the same way and fill the same price cache. Parts are opened
when first used, so a command that only prints help touches nothing.

A workspace's connection belongs to the thread that uses it; a threaded face (the web server) takes a
:meth:`reader` per request, which shares the configuration but has its own connection (for a PostgreSQL
ledger, one lent by a connection pool the readers share).

The ledger is ``db_path`` (``--db``), else ``TOKLEDGER_DB``, else ``ledger`` in the configuration, else
the personal SQLite file; a ``postgresql://`` URL is a team ledger (:mod:`tokledger.team`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Self

from tokledger.config import Config, load_config
from tokledger.env import Env
from tokledger.errors import LedgerError
from tokledger.team.workspace import TeamWorkspace

if TYPE_CHECKING:
    import threading
    from zoneinfo import ZoneInfo

    from tokledger.budgets import BudgetStatus
    from tokledger.events import UsageEvent
    from tokledger.exporters import MetricTotal
    from tokledger.exporters.config import ExportersConfig
    from tokledger.guard.services import WorkspaceGuard
    from tokledger.ingest import ProgressFn, SyncReport
    from tokledger.ledger import Ledger
    from tokledger.ledger.pg import Pool
    from tokledger.pricing import PriceEntry, Pricer
    from tokledger.pricing.catalogue import Catalogue
    from tokledger.pricing.update import Kept
    from tokledger.providers.host import Vendors
    from tokledger.providers.sync import ProviderSyncReport
    from tokledger.reports import Query, Report

AfterSync = Callable[["Workspace", "SyncReport"], None]


def check_budgets(workspace: Workspace, report: SyncReport) -> None:
    """After a sync that recorded something: evaluate every budget and raise the alerts now due."""
    workspace.evaluate_budgets()


class Workspace(TeamWorkspace):
    def __init__(self, env: Env, *, db_path: Path | str | None = None, config_path: Path | None = None,
                 config: Config | None = None) -> None:  # fmt: skip
        self.env = env
        self._db = db_path or env.ledger_location
        self._pool: Pool | None = None
        self._owns_pool = False
        self._push_pools: dict[str, Pool] = {}
        self.config_path = config_path or env.config_path
        self._explicit_config = config_path is not None
        self._config = config
        self._ledger: Ledger | None = None
        self._pricer: Pricer | None = None
        self._day_zones: set[str] = set()
        self.after_sync: list[AfterSync] = [check_budgets]
        """Called after every sync that recorded something, whoever asked for it."""

    @classmethod
    def from_os(cls, *, db_path: Path | str | None = None, config_path: Path | None = None) -> Workspace:
        return cls(Env.from_os(), db_path=db_path, config_path=config_path)

    # -- parts ---------------------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=self._explicit_config)
        return self._config

    @property
    def db_path(self) -> Path | str:
        """The ledger's location: a path, or a ``postgresql://`` URL."""
        from tokledger.ledger.pg import is_url
        from tokledger.team import ledger_location

        location = self._db or ledger_location(self.config)
        if location is None:
            return self.env.data_dir / "ledger.db"
        if is_url(location):
            return str(location)
        return location if isinstance(location, Path) else self.env.expand(str(location))

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from tokledger.ledger import Ledger
            from tokledger.ledger.pg import is_url

            location = self.db_path
            options = self.connection_options(location) if is_url(location) else None
            self._ledger = Ledger.open(location, host=self.team.host, user=self.team.user, options=options,
                                       pool=self._pool)  # fmt: skip
            self.follow_prices()
        return self._ledger

    @cached_property
    def fingerprint(self) -> str:
        """Names the prices in use: the installed table, and the price data the ledger keeps, if any."""
        from tokledger.pricing import table_fingerprint

        kept = self.kept_prices()
        return table_fingerprint() + (f"; price data {kept.digest}" if kept else "")

    @property
    def pricer(self) -> Pricer:
        if self._pricer is None:
            from tokledger.pricing import Pricer

            self._pricer = Pricer(self.config.prices, cached=self.ledger.price_cache(self.fingerprint),
                                  catalogue=self._kept_catalogue)  # fmt: skip
        return self._pricer

    def reload_config(self) -> None:
        """Read the configuration file again (a daemon's SIGHUP); the pricer follows its price overrides.
        A file that does not load raises and leaves the previous configuration in place."""
        config = load_config(self.config_path, required=self._explicit_config)
        self._config, self._pricer = config, None

    def reader(self) -> Workspace:
        """Another workspace on the same ledger and configuration, with its own connection."""
        from tokledger.ledger.pg import is_url

        reader = Workspace(self.env, db_path=self.db_path, config_path=self.config_path, config=self.config)
        location = reader.db_path
        if is_url(location):
            if self._pool is None:
                self._pool, self._owns_pool = self._open_pool(location, max_size=8), True
            reader._pool = self._pool
        return reader

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._owns_pool and self._pool is not None:
            self._pool.close()
            self._pool, self._owns_pool = None, False
        for pool in self._push_pools.values():
            pool.close()
        self._push_pools.clear()

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
        self._after_sync(report)
        return report

    @cached_property
    def vendors(self) -> Vendors:
        """The providers (the vendors' usage and billing APIs) over this workspace: settings, store, figures."""
        from tokledger.providers.host import Vendors

        return Vendors(self)

    def sync_providers(
        self, only_due: bool = True, names: Sequence[str] | None = None
    ) -> list[ProviderSyncReport]:
        """Read what the vendors counted and billed into the ledger: the configured providers (or ``names``);
        with ``only_due``, only those whose interval has passed since their last sync (a daemon's cycle)."""
        return self.vendors.sync(names, only_due=only_due)

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
        return reprice(
            self.ledger, Pricer(self.config.prices, catalogue=self._kept_catalogue), self.fingerprint
        )

    # -- price data ------------------------------------------------------------------------------------

    def kept_prices(self) -> Kept | None:
        """What the ledger records about the price data it keeps (``prices update``), or None."""
        from tokledger.pricing.update import STATE_META, Kept

        return Kept.from_json(self.ledger.get_state(STATE_META))

    def _kept_catalogue(self) -> Catalogue | None:
        from tokledger.pricing.update import STATE_CATALOGUE, decode

        text = self.ledger.get_state(STATE_CATALOGUE) if self.kept_prices() else None
        return decode(text) if text else None

    def update_prices(self, url: str | None = None) -> dict:
        """Fetch the newest published price data (with the kept ETag), keep it, and reprice what it
        changes: ``{"updated", "events", "repriced", "kept"}``; a one-line error when it cannot be had."""
        from dataclasses import asdict

        from tokledger.pricing.update import DEFAULT_URL, STATE_CATALOGUE, STATE_META, encode, fetch

        previous = self.kept_prices()
        got = fetch(url or (previous.url if previous else DEFAULT_URL), previous)
        with self.ledger.transaction():
            if got.catalogue is not None:
                self.ledger.set_state(STATE_CATALOGUE, encode(got.catalogue))
            self.ledger.set_state(STATE_META, got.kept.to_json())
        events = changed = 0
        if got.catalogue is not None:
            self.__dict__.pop("fingerprint", None)
            events, changed = self.reprice()
        return {"updated": got.catalogue is not None, "events": events, "repriced": changed,
                "kept": asdict(got.kept)}  # fmt: skip

    def update_prices_if_due(self, every: timedelta = timedelta(days=1)) -> dict | None:
        """:meth:`update_prices` when the last look is older than ``every`` (what a daemon calls on each
        cycle); None when not due. Offline it raises, and the prices in use stay."""
        kept = self.kept_prices()
        if kept is not None and datetime.now(UTC) - datetime.fromisoformat(kept.checked) < every:
            return None
        return self.update_prices()

    def price_data(self) -> dict:
        """Which price data prices new events and how old it is: ``origin`` (fetched | bundled), ``date``
        (the day it dates from), ``age_days``, and ``url`` / ``fetched`` or ``genai_prices``."""
        from tokledger.pricing.catalogue import data_date

        kept = self.kept_prices()
        today = datetime.now(UTC).date()
        if kept is not None:
            day = kept.data_date
            return {"origin": "fetched", "date": day.isoformat(), "age_days": (today - day).days, "url": kept.url,
                    "fetched": kept.fetched, "checked": kept.checked}  # fmt: skip
        version, day = data_date()
        return {"origin": "bundled", "genai_prices": version, "date": day.isoformat() if day else None,
                "age_days": (today - day).days if day else None}  # fmt: skip

    def doctor(self, *, fix: bool = False) -> dict:
        """What is wrong with the ledger — events no log can have produced (by reason, with a few examples)
        and rollups that differ from their events — and, with ``fix``, what was repaired."""
        from tokledger.events import FUTURE

        latest = int((datetime.now(UTC) + FUTURE).timestamp() * 1000)
        found = self.ledger.impossible_events(latest)
        reasons: dict[str, int] = {}
        for _, _, _, why in found:
            reasons[why] = reasons.get(why, 0) + 1
        differences = [] if found else self.ledger.rollup_differences()
        doc = {"impossible_events": len(found), "reasons": reasons,
               "examples": [{"key": key, "reason": why} for _, _, key, why in found[:5]],
               "rollup_differences": differences[:10], "fixed": False}  # fmt: skip
        if fix and (found or differences):
            if found:
                self.ledger.delete_impossible(latest)
            if self.ledger.rollup_differences():
                self.ledger.rebuild_rollups()
            doc["fixed"] = True
        return doc

    def prune(self, before: date | None, after: date | None, tz: ZoneInfo) -> int:
        """Delete the events before the local day ``before`` and after the local day ``after`` (in ``tz``),
        rollups following; returns how many were deleted."""
        from tokledger.events import FUTURE

        def midnight(day: date) -> int:
            return int(datetime.combine(day, time(), tz).timestamp() * 1000)

        latest = int((datetime.now(UTC) + FUTURE).timestamp() * 1000)
        after_ms = midnight(after + timedelta(days=1)) if after else None
        return self.ledger.prune(midnight(before) if before else None, after_ms, latest)

    def follow_prices(self) -> int:
        """Reprice the events of models whose ``[prices]`` override was added, changed or removed since the
        ledger last saw the configuration (see :mod:`tokledger.pricing.overrides`); a read-only ledger is
        left as it is. Returns how many events changed cost."""
        if not self.config.prices and self.ledger.get_state("config.prices") is None:
            return 0  # no override now or ever (the key of pricing.overrides): nothing of pricing loaded
        from tokledger.pricing.overrides import follow

        try:
            return follow(self.ledger, self.pricer, self.config.prices)
        except LedgerError:
            return 0

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
        """Every registered source and provider, and every source the ledger holds events of (history
        outlives modules)."""
        from tokledger.ledger import queries
        from tokledger.providers import PROVIDERS

        return sorted(set(self.source_names) | set(PROVIDERS) | set(queries.source_counts(self.ledger)))

    def query(self, params: Mapping[str, object], *, known: Collection[str] | None = None, dated: bool = True,
              label: Callable[[str], str] = str) -> Query:  # fmt: skip
        """A report query from CLI options or web parameters (see :func:`reports.query.query_from`)."""
        from tokledger.reports.query import query_from, split_list

        if known is None:
            known = self.source_names
            if any(name not in known for name in split_list(params.get("source"))):
                from tokledger.providers import PROVIDERS  # billed usage, selected only by name

                known = [*known, *PROVIDERS]
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
        """Every source's status, then the providers configured or holding records (accuracy "billed")."""
        from tokledger.ledger import billed
        from tokledger.reports.status import source_status

        rows = source_status(self.ledger)
        if "providers" in self.config.sections or billed.summary(self.ledger):
            rows += self.vendors.status()
        return rows

    def billed(
        self, providers: Sequence[str] = (), since: date | None = None, until: date | None = None
    ) -> dict:
        """What the vendors billed per provider per UTC day and per model (:mod:`tokledger.reports.billed`)."""
        from tokledger.reports.billed import billed_view

        return billed_view(self.ledger, providers, since, until)

    def model_colours(self) -> dict[str, str]:
        """Every model's colour, the same on every face (see :mod:`tokledger.reports.palette`)."""
        from tokledger.reports.palette import model_colours

        return model_colours(self.ledger)

    def long_context_requests(self, query: Query) -> int:
        """Requests of the selection whose cost a long-context tier set (the whole request at its rates)."""
        from tokledger.ledger import queries

        return queries.long_context_requests(self.ledger, query.event_filter(), query.mode)

    def shown(self, note: str) -> bool:
        """Whether a one-time note was shown to the user of this ledger already."""
        return self.ledger.get_state(f"shown.{note}") is not None

    def mark_shown(self, note: str) -> None:
        try:
            self.ledger.set_state(f"shown.{note}", "1")
        except LedgerError:  # a read-only ledger: the note comes again next time
            pass

    def changed_elsewhere(self) -> int:
        """A number that changes whenever another connection commits to the ledger."""
        return self.ledger.data_version()

    # -- exporting it ----------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The ``host`` label of this ledger's usage: ``[team] host``, else the machine's name."""
        return self.team.host

    def export_config(self) -> ExportersConfig:
        """The ``[exporters.*]`` and ``[daemon]`` tables, validated (see :mod:`tokledger.exporters.config`)."""
        from tokledger.exporters import config

        return config.load(self.config.sections, self.config.path or self.config_path, home=self.env.home)

    def metric_totals(self) -> list[MetricTotal]:
        """Cumulative totals per source, model and host (project with ``[exporters] project_label``), read
        on a connection of their own, so any thread may ask (a ``/metrics`` scrape)."""
        from tokledger.reports import totals

        settings = self.export_config()
        with self.reader() as reader:
            return totals.lifetime(reader.ledger, self.config.mode, host=self.host, user=settings.user,
                                   by_project=settings.project_label)  # fmt: skip

    def today_totals(self, zone: ZoneInfo) -> list[MetricTotal]:
        """The totals of today (local day in ``zone``), on a connection of their own."""
        from tokledger.reports import today, totals

        settings = self.export_config()
        with self.reader() as reader:
            if zone.key == self.config.zone().key:
                reader.keep_days(zone)
            return totals.day(reader.ledger, zone, today(zone), self.config.mode, host=self.host,
                              user=settings.user, by_project=settings.project_label)  # fmt: skip

    def get_state(self, key: str) -> str | None:
        """A value of the ledger's small key/value state (the daemon's last cycle, ...)."""
        return self.ledger.get_state(key)

    def set_state(self, key: str, value: str) -> None:
        self.ledger.set_state(key, value)
