"""The dashboard's side of the ledger: a connection per request, throttled sync, and a response cache.

- Reads use a fresh reader of the workspace per request, with its own connection (SQLite in WAL mode lets
  them run side by side and next to a sync).
- Before an ``/api`` request is answered, the logs are synced (with a single parser process: forking a
  threaded server is not safe) when the last sync is at least ``sync_every`` seconds old. Syncs run one at
  a time on the workspace's own connection, under a lock.
- Answers are cached, keyed by the resolved query (dates, zone, filters) and the local date. The cache is
  dropped when a sync records something, or when another process commits to the ledger: SQLite's
  ``PRAGMA data_version`` on the sync connection changes exactly when *another* connection commits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from tokledger.errors import TokledgerError
from tokledger.workspace import Workspace

log = logging.getLogger("tokledger.web")

CACHE_SIZE = 96


class Backend:
    def __init__(
        self, workspace: Workspace, *, sync: bool = True, sync_every: float = 30.0, timezone: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.workspace = workspace
        self.timezone = timezone
        self.sync_every = sync_every
        self._sync = sync
        self._clock = clock
        self._lock = threading.Lock()
        self._opened = False
        self._version: int | None = None
        self._synced_at: float | None = None
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pending: dict[Hashable, threading.Event] = {}
        self._generation = 0

    def _connection(self) -> Workspace:
        if not self._opened:
            self._opened = True
            self._version = self.workspace.changed_elsewhere()
        return self.workspace

    def mark_synced(self) -> None:
        """Record that the ledger was just synced by someone else (the command before serving)."""
        with self._lock:
            self._connection()
            self._synced_at = self._clock()

    def refresh(self) -> None:
        """Sync if due, and drop the cache when the ledger changed since the last look."""
        with self._lock:
            workspace = self._connection()
            changed = False
            if self._sync and (self._synced_at is None or self._clock() - self._synced_at >= self.sync_every):
                try:
                    report = workspace.sync(jobs=1)
                    changed = any(s.events for s in report.sources.values())
                except (TokledgerError, OSError) as exc:  # keep serving what the ledger holds
                    log.warning("sync failed: %s", exc)
                self._synced_at = self._clock()
            version = workspace.changed_elsewhere()
            if version != self._version:
                self._version, changed = version, True
            if changed:
                self.invalidate()

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._generation += 1

    @contextmanager
    def reader(self) -> Iterator[Workspace]:
        reader = self.workspace.reader()
        try:
            yield reader
        finally:
            reader.close()

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for ``key``; when missing, one caller computes it (outside the lock), others wait."""
        while True:
            with self._cache_lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    return self._cache[key]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = threading.Event()
                    generation = self._generation
                    break
            pending.wait()
        try:
            value = compute()
            with self._cache_lock:
                if generation == self._generation:  # not computed from data an invalidation has replaced
                    self._cache[key] = value
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
        finally:
            with self._cache_lock:
                del self._pending[key]
            pending.set()
        return value

    def close(self) -> None:
        with self._lock:
            self.workspace.close()
            self._opened = False
