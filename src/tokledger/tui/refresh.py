"""One refresh cycle of the live dashboard, without any UI: incremental sync, then the dashboard queries.

A :class:`Refresher` owns the ledger while a cycle runs (a lock keeps a second cycle, started before
the first one noticed it was cancelled, from using the connection at the same time). It keeps the
expensive half of the dashboard (:func:`~tokledger.reports.dashboard.usage_panels` and the source
status) and rebuilds it only when something may have changed: the sync read new data or reported
other problems, the recent blocks (read every cycle, cheaply) differ — which catches another process
writing to the ledger —, the view or the local day changed, a refresh was forced, or ``full_every``
seconds have passed.

A source whose sync raises is synced on its own from then on, so the others keep updating; its error
is returned with the snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tokledger.reports import Query, Totals
from tokledger.reports.blocks import block_anchor, recent_blocks
from tokledger.reports.dashboard import Dashboard, Usage, active_block, usage_panels
from tokledger.workspace import Workspace

if TYPE_CHECKING:
    from tokledger.ingest import SyncReport

Clock = Callable[[], datetime]
ProgressFn = Callable[[int, int], None]


class Cancelled(Exception):
    """Raised from the progress callback to stop a sync between two files (each file is atomic)."""


@dataclass(frozen=True)
class View:
    """What the user picked: the range of the trends and one source (None: all of the base query's)."""

    days: int = 30
    source: str | None = None


@dataclass
class Snapshot:
    dashboard: Dashboard
    view: View
    scope: tuple[str, ...] = ()  # the sources synced, for the status panel
    errors: dict[str, str] = field(default_factory=dict)
    synced: bool = False
    rebuilt: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class _Cache:
    """The expensive half of the last dashboard, and what decides whether it still holds."""

    key: tuple
    fingerprint: tuple
    built: float
    usage: Usage
    status: list[dict]
    anchor: int | None


def system_clock() -> datetime:
    return datetime.now(UTC)


class Refresher:
    def __init__(self, workspace: Workspace, query: Query, *, clock: Clock = system_clock, hours: int = 5,
                 full_every: float = 300.0):  # fmt: skip
        self.workspace, self.query = workspace, query
        self.clock, self.hours, self.full_every = clock, hours, full_every
        self.failing: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cache: _Cache | None = None
        self._notices: tuple[str, ...] = ()

    @property
    def sources(self) -> list[str]:
        """The sources this dashboard syncs and can show, in registry order."""
        return [
            name
            for name in self.workspace.source_names
            if not self.query.sources or name in self.query.sources
        ]

    def billed(self, days: int) -> dict:
        """What the vendors billed over the last ``days`` UTC days (the billed view; never the local logs)."""
        with self._lock:
            until = self.clock().astimezone(UTC).date()
            return self.workspace.billed(since=until - timedelta(days=days - 1), until=until)

    def prime(self, progress: ProgressFn | None = None) -> None:
        """Sync with a parser process per core; only while the program has no other thread."""
        with self._lock:
            self._sync(progress, jobs=None)

    def cycle(self, view: View, *, sync: bool = True, force: bool = False,
              progress: ProgressFn | None = None) -> Snapshot:  # fmt: skip
        started = time.perf_counter()
        with self._lock:
            changed = self._sync(progress) if sync else False
            query = self.query if view.source is None else replace(self.query, sources=(view.source,))
            now = self.clock()
            key = (query.sources, view.days, now.astimezone(query.tz).date())
            cache = self._cache
            rebuild = (
                force or changed or cache is None or cache.key != key
                or time.monotonic() - cache.built > self.full_every
            )  # fmt: skip
            anchor = None if rebuild or cache is None else cache.anchor
            ledger = self.workspace.ledger
            blocks = recent_blocks(ledger, query, now=now, hours=self.hours, anchor_ms=anchor)
            # The newest block changing without our sync reading anything: another process wrote the ledger.
            anchor = block_anchor(blocks)
            newest = next((r.totals for r in reversed(blocks.rows) if not r.is_gap), Totals())
            fingerprint = (anchor, newest.requests, newest.total_tokens, newest.priced_pusd,
                           newest.unpriced_requests, self._notices)  # fmt: skip
            if rebuild or cache.fingerprint != fingerprint:
                rebuild = True
                usage = usage_panels(ledger, query, days=view.days, now=now)
                cache = _Cache(key, fingerprint, time.monotonic(), usage, self.workspace.sources(), anchor)
            self._cache = cache = replace(cache, anchor=anchor)
            board = Dashboard(now, query, view.days, cache.usage, active_block(blocks, now), cache.status,
                              self.workspace.plan_usage(now))  # fmt: skip
            errors = dict(self.failing)
        return Snapshot(
            board, view, tuple(self.sources), errors, sync, rebuild, time.perf_counter() - started
        )

    def _sync(self, progress: ProgressFn | None, jobs: int | None = 1) -> bool:
        """Sync every source; True when anything new was read. Raises :class:`Cancelled` from ``progress``."""
        names = self.sources
        healthy = [n for n in names if n not in self.failing]
        reports: list[SyncReport] = []
        alone = [n for n in names if n in self.failing]
        if healthy:
            try:
                reports.append(self._sync_one(healthy, progress, jobs))
            except Cancelled:
                raise
            except Exception:  # noqa: BLE001 - any failure: find the culprit, each source on its own
                alone = names
        failing: dict[str, str] = {}
        for name in alone:
            try:
                reports.append(self._sync_one([name], progress, jobs))
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
                failing[name] = f"{type(exc).__name__}: {exc}"
        self.failing = failing
        self._notices = tuple(n for r in reports for s in r.sources.values() for n in s.notices)
        return any(r.changed for r in reports)

    def _sync_one(self, names: list[str], progress: ProgressFn | None, jobs: int | None) -> SyncReport:
        # jobs=1 from the UI's worker threads: forking a threaded program can deadlock the child.
        return self.workspace.sync(names, jobs=jobs, progress=progress)
