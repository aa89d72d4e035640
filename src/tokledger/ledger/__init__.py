"""The ledger: one SQLite file (WAL, busy timeout, numbered migrations) holding every event ever read.

Events are kept when the files they came from disappear: the ledger, not the assistants' logs, is the
history. Writers take the write lock up front (``BEGIN IMMEDIATE``) so two imports running at once queue
instead of failing with "database is locked". Front-ends never use this module directly; they call
:mod:`tokledger.reports`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tokledger.errors import LedgerError
from tokledger.events import UsageEvent
from tokledger.ledger.migrations import migrate

PUSD_PER_USD = 10**12
BUSY_TIMEOUT_S = 60.0

EVENT_COLUMNS = (
    "source", "event_key", "ts", "model", "provider", "session_id", "project", "git_branch", "request_id",
    "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "reasoning_tokens", "cost_pusd", "price_basis", "logged_cost_pusd", "is_primary", "speed", "file_id",
)  # fmt: skip

_UPSERT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) "
    "ON CONFLICT (source, event_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in EVENT_COLUMNS[2:])
)


def usd_to_pusd(value: Decimal) -> int:
    return int((value * PUSD_PER_USD).to_integral_value())


def pusd_to_usd(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / PUSD_PER_USD


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def datetime_to_ms(value: datetime) -> int:
    """Exact (no float rounding); a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MS


@dataclass(frozen=True)
class FileState:
    id: int
    source: str
    path: str
    size: int
    mtime_ns: int
    inode: int
    offset: int
    tail_hash: bytes | None
    events: int
    skipped: int


@dataclass(frozen=True)
class StoredEvent:
    """An event as the ledger holds it, with its stored costs."""

    event: UsageEvent
    cost_pusd: int | None
    price_basis: str | None


class Ledger:
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Ledger:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise LedgerError(f"cannot open the ledger {path} in WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {exc}") from None
        except OSError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {exc.strerror or exc}") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the write lock from its start."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- files ---------------------------------------------------------------------------------------

    def file_states(self, source: str | None = None) -> dict[str, FileState]:
        sql = "SELECT id, source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped FROM files"
        rows = self.conn.execute(sql + " WHERE source = ?", (source,)) if source else self.conn.execute(sql)
        return {row[2]: FileState(*row) for row in rows}

    def save_file(
        self, source: str, path: str, *, size: int, mtime_ns: int, inode: int, offset: int,
        tail_hash: bytes | None, events: int, skipped: int, synced_ms: int,
    ) -> int:  # fmt: skip
        """Insert or update a file checkpoint; returns the file id. Call inside a transaction."""
        row = self.conn.execute(
            "INSERT INTO files (source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped,"
            " synced_ms) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET source = excluded.source,"
            " size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode, offset = excluded.offset,"
            " tail_hash = excluded.tail_hash, events = excluded.events,"
            " skipped = excluded.skipped, synced_ms = excluded.synced_ms RETURNING id",
            (source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped, synced_ms),
        ).fetchone()
        return row[0]

    def save_source_status(self, source: str, synced_ms: int, roots_json: str, notices_json: str) -> None:
        self.conn.execute(
            "INSERT INTO source_status (source, synced_ms, roots, notices) VALUES (?,?,?,?) ON CONFLICT (source)"
            " DO UPDATE SET synced_ms = excluded.synced_ms, roots = excluded.roots, notices = excluded.notices",
            (source, synced_ms, roots_json, notices_json),
        )

    def price_cache(self, fingerprint: str) -> dict[str, str]:
        rows = self.conn.execute("SELECT key, schedule FROM price_cache WHERE fingerprint = ?", (fingerprint,))
        return dict(rows.fetchall())

    def save_price_cache(self, fingerprint: str, schedules: dict[str, str]) -> None:
        """Store computed price schedules (call inside a transaction); other tables' entries are dropped."""
        self.conn.execute("DELETE FROM price_cache WHERE fingerprint != ?", (fingerprint,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO price_cache (fingerprint, key, schedule) VALUES (?, ?, ?)",
            [(fingerprint, k, v) for k, v in schedules.items()],
        )

    def clear_price_cache(self) -> None:
        self.conn.execute("DELETE FROM price_cache")

    # -- events --------------------------------------------------------------------------------------

    def stored_events(self, source: str, keys: Sequence[str]) -> dict[str, StoredEvent]:
        """The events already recorded under these keys (for merging a new copy into them)."""
        found: dict[str, StoredEvent] = {}
        cols = ", ".join(EVENT_COLUMNS)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = f"SELECT {cols} FROM events WHERE source = ? AND event_key IN ({', '.join('?' * len(chunk))})"
            for row in self.conn.execute(sql, (source, *chunk)):
                found[row[1]] = row_to_stored(row)
        return found

    def upsert_events(self, rows: Iterable[tuple]) -> None:
        self.conn.executemany(_UPSERT, rows)

    def data_version(self) -> int:
        """Changes whenever another connection commits a write (SQLite's ``PRAGMA data_version``)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def count_events(self, source: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM events WHERE source = ?", (source,)).fetchone()[0]

    def has_events(self, source: str) -> bool:
        return self.conn.execute("SELECT 1 FROM events WHERE source = ? LIMIT 1", (source,)).fetchone() is not None

    def all_events(self) -> Iterator[tuple[int, StoredEvent]]:
        """Every event with its row id (for re-pricing)."""
        cols = ", ".join(EVENT_COLUMNS)
        for row in self.conn.execute(f"SELECT id, {cols} FROM events ORDER BY id"):
            yield row[0], row_to_stored(row[1:])

    def update_costs(self, rows: Iterable[tuple[int | None, str | None, int]]) -> None:
        """(cost_pusd, price_basis, id) triples; call inside a transaction."""
        self.conn.executemany("UPDATE events SET cost_pusd = ?, price_basis = ? WHERE id = ?", rows)


def event_row(event: UsageEvent, cost_pusd: int | None, basis: str | None, file_id: int | None) -> tuple:
    logged = None if event.logged_cost_usd is None else usd_to_pusd(event.logged_cost_usd)
    return (
        event.source, event.key, datetime_to_ms(event.timestamp), event.model, event.provider, event.session_id,
        event.project, event.git_branch, event.request_id, event.input_tokens, event.output_tokens,
        event.cache_write_tokens, event.cache_write_1h_tokens, event.cache_read_tokens, event.reasoning_tokens,
        cost_pusd, basis, logged, int(event.primary), event.speed, file_id,
    )  # fmt: skip


def row_to_stored(row: Sequence) -> StoredEvent:
    (source, key, ts, model, provider, session_id, project, git_branch, request_id, inp, out, cw, cw1h, cr, rsn,
     cost, basis, logged, primary, speed, _file_id) = row  # fmt: skip
    event = UsageEvent(
        source=source, key=key, timestamp=ms_to_datetime(ts), model=model, provider=provider,
        session_id=session_id, project=project, git_branch=git_branch, request_id=request_id,
        input_tokens=inp, output_tokens=out, cache_write_tokens=cw, cache_write_1h_tokens=cw1h,
        cache_read_tokens=cr, reasoning_tokens=rsn, logged_cost_usd=pusd_to_usd(logged),
        primary=bool(primary), speed=speed,
    )  # fmt: skip
    return StoredEvent(event, cost, basis)
