"""The dashboard's side of the ledger: a connection per request, throttled sync, and a response cache.

- Reads use a fresh :class:`~tokledger.ledger.Ledger` per request (SQLite in WAL mode lets them run side by
  side and next to a sync).
- Before an ``/api`` request is answered, the logs are synced (by the ``sync`` function given, which should
  use a single parser process: forking a threaded server is not safe) when the last sync is at least
  ``sync_every`` seconds old. Syncs run one at a time on the backend's own connection, under a lock.
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokledger.config import Config
from tokledger.errors import TokledgerError
from tokledger.ledger import Ledger

if TYPE_CHECKING:
    from tokledger.ingest import SyncReport

log = logging.getLogger("tokledger.web")

CACHE_SIZE = 96


class Backend:
    def __init__(
        self, db_path: Path, config: Config, *, sync: Callable[[Ledger], SyncReport] | None = None,
        sync_every: float = 30.0, timezone: str | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.db_path = db_path
        self.config = config
        self.timezone = timezone or config.timezone
        self.sync_every = sync_every
        self._sync = sync
        self._clock = clock
        self._lock = threading.Lock()
        self._writer: Ledger | None = None
        self._version: int | None = None
        self._synced_at: float | None = None
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pending: dict[Hashable, threading.Event] = {}
        self._generation = 0

    def _connection(self) -> Ledger:
        if self._writer is None:
            self._writer = Ledger.open(self.db_path)
            self._version = self._data_version()
        return self._writer

    def _data_version(self) -> int:
        return self._writer.data_version()

    def mark_synced(self) -> None:
        """Record that the ledger was just synced by someone else (the command before serving)."""
        with self._lock:
            self._connection()
            self._synced_at = self._clock()

    def refresh(self) -> None:
        """Sync if due, and drop the cache when the ledger changed since the last look."""
        with self._lock:
            ledger = self._connection()
            changed = False
            if self._sync is not None and (
                self._synced_at is None or self._clock() - self._synced_at >= self.sync_every
            ):
                try:
                    report = self._sync(ledger)
                    changed = any(s.events for s in report.sources.values())
                except (TokledgerError, OSError) as exc:  # keep serving what the ledger holds
                    log.warning("sync failed: %s", exc)
                self._synced_at = self._clock()
            version = self._data_version()
            if version != self._version:
                self._version, changed = version, True
            if changed:
                self.invalidate()

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._generation += 1

    @contextmanager
    def reader(self) -> Iterator[Ledger]:
        ledger = Ledger.open(self.db_path)
        try:
            yield ledger
        finally:
            ledger.close()

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
            if self._writer is not None:
                self._writer.close()
                self._writer = None
