"""The ledger: one SQLite file (WAL, busy timeout, numbered migrations) holding every event ever read.

Events are kept when the files they came from disappear: the ledger, not the assistants' logs, is the
history. Writers take the write lock up front (``BEGIN IMMEDIATE``) so two imports running at once queue
instead of failing with "database is locked". Every write of events also updates the rollups
(:mod:`tokledger.ledger.rollups`) before the same transaction commits. This package is the only place that
holds SQL; faces reach it through :class:`tokledger.workspace.Workspace` and the reports.

Names (sources, models, sessions, projects, branches, price bases) are stored once in ``dims`` and
referred to by integer id; an id never changes meaning, so both directions are cached per connection
(and dropped when a transaction that may have added names rolls back).

The file is created readable by its owner only (it holds project paths and spend), in a data directory
created the same way. A database that other software made is refused before anything touches it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from tokledger.errors import LedgerError
from tokledger.ledger import repair, rollups
from tokledger.ledger.migrations import SCHEMA_VERSION, migrate
from tokledger.ledger.rows import (
    PUSD_PER_USD,
    EventRow,
    datetime_to_ms,
    ms_to_datetime,
    pusd_to_usd,
    usd_to_pusd,
)
from tokledger.ledger.zones import QuarterDays

__all__ = [
    "PUSD_PER_USD", "EventRow", "FileState", "Ledger", "datetime_to_ms", "ms_to_datetime", "pusd_to_usd",
    "usd_to_pusd",
]  # fmt: skip

BUSY_TIMEOUT_S = 60.0
_OWN_TABLES = {
    "files",
    "events",
    "entries",
    "dims",
    "source_status",
    "price_cache",
    "state",
    "rollup_zones",
    "billed",
    "billed_sources",
    "alerts",
    "rate_limits",
    *rollups.TABLES,
}
# Dimension kinds of an EventRow, in the order of Ledger._ids.
_KINDS = ("source", "model", "provider", "session", "project", "branch", "basis", "speed")
_ENTRY_COLUMNS = (
    "id", "source_id", "event_key", "ts", "model_id", "provider_id", "session_id", "project_id", "branch_id",
    "request_id", "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens",
    "cache_read_tokens", "reasoning_tokens", "cost_pusd", "basis_id", "logged_cost_pusd", "is_primary", "speed_id",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS[1:])}, file_id) "
    f"VALUES ({', '.join('?' * len(_ENTRY_COLUMNS))})"
)
_UPDATE = (
    "UPDATE entries SET " + ", ".join(f"{c} = ?" for c in (*_ENTRY_COLUMNS[2:], "file_id")) + " WHERE id = ?"
)


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
    reasons_json: str = "{}"

    @property
    def reasons(self) -> dict[str, int]:
        """Why records of the file were skipped: reason → count."""
        try:
            found = json.loads(self.reasons_json or "{}")
        except ValueError:
            found = {}
        return found if isinstance(found, dict) else {}


def _create_private(path: Path) -> None:
    """The ledger's directory and file, readable by their owner only whatever the umask."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path.parent, 0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """A database with tables but no tokledger schema belongs to another program: touch nothing.

    Migrations set ``user_version`` in the transaction that creates the tables, so a ledger of this or an
    older release has a version and the checkpoint table with its digest column; an empty file (a new
    ledger) has neither tables nor a version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if (not tables and not version) or version > SCHEMA_VERSION:
        return  # a new ledger; or one of a newer release, which the migrations refuse by name
    ours = (
        version
        and {"files", "state"} & tables
        and "tail_hash" in {r[0] for r in conn.execute("SELECT name FROM pragma_table_info('files')")}
    )
    if not ours or not tables <= _OWN_TABLES:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise LedgerError(
            f"{path} is a database of another program (tables {shown or 'none'}), not a tokledger ledger;"
            " choose another --db path"
        )


class Ledger:
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._ids: dict[tuple[str, str], int] = {}
        self._names: dict[int, str] = {}
        self._days: dict[str, QuarterDays] = {}
        self._delta = rollups.Delta()
        self._new_from = 0  # the first id of the events the open transaction adds
        self._billed: tuple[int, ...] | None = None

    @classmethod
    def open(cls, path: Path) -> Ledger:
        try:
            _create_private(path)
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _refuse_foreign(conn, path)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise LedgerError(f"cannot open the ledger {path} in WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
            # Large imports insert into indexes at random places and sort rollup groups: a page cache of up
            # to 32 MiB (used only as the ledger grows) and sorting in memory keep both off the disk.
            conn.execute("PRAGMA cache_size = -32768")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {_reason(exc)}") from None
        except OSError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {exc.strerror or exc}") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the write lock from its start; rollups are brought up to date
        with the events written in it just before it commits."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"cannot write to the ledger {self.path}: {_reason(exc)}") from None
        try:
            zones = self._zones()
            self._delta = rollups.Delta(zones)
            self._new_from = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetchone()[0]
            yield self.conn
            rollups.add_new(self.conn, self._new_from, zones)
            self._delta.apply(self.conn)
        except BaseException as exc:
            self.conn.execute("ROLLBACK")
            self._ids.clear()
            self._names.clear()
            self._billed = None
            self._delta = rollups.Delta()
            if isinstance(exc, sqlite3.OperationalError):
                raise LedgerError(f"cannot write to the ledger {self.path}: {_reason(exc)}") from None
            raise
        self.conn.execute("COMMIT")

    # -- zones with day rollups ----------------------------------------------------------------------

    def _zones(self) -> list[tuple[int, QuarterDays]]:
        out = []
        for zone_id, name in self.conn.execute("SELECT id, name FROM rollup_zones ORDER BY id"):
            days = self._days.get(name)
            if days is None:
                days = self._days[name] = QuarterDays(ZoneInfo(name))
            out.append((zone_id, days))
        return out

    def zone_id(self, name: str) -> int | None:
        """The id of a zone whose local days the ledger keeps sums of, or None."""
        row = self.conn.execute("SELECT id FROM rollup_zones WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def keep_days(self, name: str) -> bool:
        """Keep sums per local day of this zone from now on (the most recent :data:`rollups.MAX_ZONES`
        zones are kept); False when its days cannot be kept (offsets not whole quarter-hours)."""
        if self.zone_id(name) is not None:
            return True
        with self.transaction():
            if self.zone_id(name) is not None:
                return True
            zone_id = self.conn.execute(
                "INSERT INTO rollup_zones (name, added_ms) VALUES (?, ?) RETURNING id",
                (name, int(time.time() * 1000)),
            ).fetchone()[0]
            days = self._days.setdefault(name, QuarterDays(ZoneInfo(name)))
            if not rollups.build_zone(self.conn, zone_id, days):
                self.conn.execute("DELETE FROM rollup_zones WHERE id = ?", (zone_id,))
                return False
            for (old,) in self.conn.execute(
                "SELECT id FROM rollup_zones ORDER BY id DESC LIMIT -1 OFFSET ?", (rollups.MAX_ZONES,)
            ).fetchall():
                self.conn.execute("DELETE FROM rollup_day WHERE zone_id = ?", (old,))
                self.conn.execute("DELETE FROM rollup_zones WHERE id = ?", (old,))
            self._delta = rollups.Delta(self._zones())
        return True

    # -- names ---------------------------------------------------------------------------------------

    def _id(self, kind: str, value: str | None) -> int | None:
        if value is None:
            return None
        found = self._ids.get((kind, value))
        if found is None:
            self.conn.execute("INSERT OR IGNORE INTO dims (kind, value) VALUES (?, ?)", (kind, value))
            found = self.conn.execute(
                "SELECT id FROM dims WHERE kind = ? AND value = ?", (kind, value)
            ).fetchone()[0]
            self._ids[(kind, value)] = found
            self._names[found] = value
        return found

    def names(self, ids: Iterable[int | None]) -> dict[int, str]:
        """The names behind dimension ids (every id given that exists; cached)."""
        missing = {i for i in ids if i and i not in self._names}
        for start in range(0, len(missing), 500):
            chunk = list(missing)[start : start + 500]
            sql = f"SELECT id, value FROM dims WHERE id IN ({', '.join('?' * len(chunk))})"
            self._names.update(self.conn.execute(sql, chunk))
        return self._names

    def billed_sources(self) -> tuple[int, ...]:
        """The ids of the sources whose events are billed usage (the providers'; read once per connection)."""
        if self._billed is None:
            self._billed = tuple(r[0] for r in self.conn.execute("SELECT source_id FROM billed_sources"))
        return self._billed

    # -- files ---------------------------------------------------------------------------------------

    def file_states(self, source: str | None = None) -> dict[str, FileState]:
        sql = ("SELECT id, source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped, skip_reasons"
               " FROM files")  # fmt: skip
        rows = self.conn.execute(sql + " WHERE source = ?", (source,)) if source else self.conn.execute(sql)
        return {row[2]: FileState(*row) for row in rows}

    def file_state(self, path: str) -> FileState | None:
        """The checkpoint of one file (by the path it was read under), or None."""
        row = self.conn.execute(
            "SELECT id, source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped FROM files"
            " WHERE path = ?",
            (path,),
        ).fetchone()
        return FileState(*row) if row else None

    def save_file(
        self, source: str, path: str, *, size: int, mtime_ns: int, inode: int, offset: int,
        tail_hash: bytes | None, events: int, skipped: int, synced_ms: int, reasons: dict[str, int] | None = None,
    ) -> int:  # fmt: skip
        """Insert or update a file checkpoint (``reasons``: why its ``skipped`` records were skipped);
        returns the file id. Call inside a transaction."""
        row = self.conn.execute(
            "INSERT INTO files (source, path, size, mtime_ns, inode, offset, tail_hash, events, skipped,"
            " synced_ms, skip_reasons) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET"
            " source = excluded.source, size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode,"
            " offset = excluded.offset, tail_hash = excluded.tail_hash, events = excluded.events,"
            " skipped = excluded.skipped, synced_ms = excluded.synced_ms, skip_reasons = excluded.skip_reasons"
            " RETURNING id",
            (
                source,
                path,
                size,
                mtime_ns,
                inode,
                offset,
                tail_hash,
                events,
                skipped,
                synced_ms,
                json.dumps(reasons or {}, sort_keys=True),
            ),
        ).fetchone()
        return row[0]

    def save_source_status(self, source: str, synced_ms: int, roots_json: str, notices_json: str) -> None:
        self.conn.execute(
            "INSERT INTO source_status (source, synced_ms, roots, notices) VALUES (?,?,?,?) ON CONFLICT (source)"
            " DO UPDATE SET synced_ms = excluded.synced_ms, roots = excluded.roots, notices = excluded.notices",
            (source, synced_ms, roots_json, notices_json),
        )

    # -- small state ---------------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (its own transaction unless one is open)."""
        sql = "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        if self.conn.in_transaction:
            self.conn.execute(sql, (key, value))
        else:
            with self.transaction():
                self.conn.execute(sql, (key, value))

    def price_cache(self, fingerprint: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT key, schedule FROM price_cache WHERE fingerprint = ?", (fingerprint,)
        )
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

    def _row(self, r: Sequence) -> EventRow:
        names = self._names
        return EventRow(
            names[r[1]], r[2], r[3], names[r[4]], names.get(r[5]), names.get(r[6]), names.get(r[7]),
            names.get(r[8]), r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16], names.get(r[17]), r[18],
            bool(r[19]), names.get(r[20]),
        )  # fmt: skip

    def _rows(self, records: list[Sequence]) -> Iterator[tuple[int, EventRow]]:
        self.names(i for r in records for i in (r[1], r[4], r[5], r[6], r[7], r[8], r[17], r[20]))
        for r in records:
            yield r[0], self._row(r)

    def stored_events(self, source: str, keys: Sequence[str]) -> dict[str, tuple[int, EventRow]]:
        """The events already recorded under these keys, with their row ids (to merge a new copy into)."""
        source_id = self._ids.get(("source", source)) or self._lookup("source", source)
        if source_id is None:
            return {}
        found: dict[str, tuple[int, EventRow]] = {}
        cols = ", ".join(_ENTRY_COLUMNS)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = f"SELECT {cols} FROM entries WHERE source_id = ? AND event_key IN ({', '.join('?' * len(chunk))})"
            for row_id, row in self._rows(self.conn.execute(sql, (source_id, *chunk)).fetchall()):
                found[row.key] = (row_id, row)
        return found

    def _lookup(self, kind: str, value: str) -> int | None:
        row = self.conn.execute("SELECT id FROM dims WHERE kind = ? AND value = ?", (kind, value)).fetchone()
        return row[0] if row else None

    def _values(self, row: EventRow, file_id: int | None) -> tuple[list, tuple[int, ...]]:
        known = self._ids
        names = (("source", row.source), ("model", row.model), ("provider", row.provider), ("session", row.session),
                 ("project", row.project), ("branch", row.branch), ("basis", row.basis), ("speed", row.speed))  # fmt: skip
        ids = tuple(None if v is None else known.get((k, v)) or self._id(k, v) for k, v in names)
        src, model, provider, session, project, branch, basis, speed = ids
        tokens = (row.input_tokens, row.output_tokens, row.cache_write_tokens, row.cache_write_1h_tokens,
                  row.cache_read_tokens, row.reasoning_tokens)  # fmt: skip
        values = [src, row.key, row.ts, model, provider, session, project, branch, row.request_id, *tokens,
                  row.cost_pusd, basis, row.logged_cost_pusd, int(row.primary), speed, file_id]  # fmt: skip
        return values, ids

    def _count(self, row: EventRow, values: list, ids: tuple, sign: int = 1, moves: bool = True) -> None:
        """Add (or with ``sign`` -1 take away) a row's sums in the rollups, when the transaction commits."""
        self._delta.add(row.ts, ids[0], ids[1], ids[4], ids[3], ids[5], values[9:15], row.cost_pusd,
                        row.logged_cost_pusd, sign, moves)  # fmt: skip

    def add_events(self, rows: Iterable[EventRow], file_id: int | None) -> None:
        """Record events the ledger does not hold yet (inside a transaction)."""
        self.conn.executemany(_INSERT, [self._values(row, file_id)[0] for row in rows])

    def replace_events(self, pairs: Iterable[tuple[int, EventRow, EventRow]], file_id: int | None) -> None:
        """Overwrite stored events: ``(row id, stored row, new row)`` triples (inside a transaction)."""
        batch = []
        for row_id, old, new in pairs:
            values, ids = self._values(new, file_id)
            batch.append([*values[1:], row_id])
            if row_id < self._new_from:  # an event of this transaction is summed at its end, as it ends up
                self._count(new, values, ids)
                self._count(old, *self._values(old, file_id), sign=-1)
        self.conn.executemany(_UPDATE, batch)

    def remove_events(self, pairs: Iterable[tuple[int, EventRow]]) -> None:
        """Delete stored events: ``(row id, stored row)`` pairs (inside a transaction)."""
        ids = []
        for row_id, old in pairs:
            if row_id < self._new_from:  # an event of this transaction was never summed
                self._count(old, *self._values(old, None), sign=-1)
            ids.append((row_id,))
        self.conn.executemany("DELETE FROM entries WHERE id = ?", ids)

    def all_events(self, batch: int = 5000) -> Iterator[tuple[int, EventRow]]:
        """Every event with its row id, in id order (for re-pricing)."""
        cols = ", ".join(_ENTRY_COLUMNS)
        last = 0
        while True:
            records = self.conn.execute(
                f"SELECT {cols} FROM entries WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not records:
                return
            yield from self._rows(records)
            last = records[-1][0]

    def events_of_models(self, models: Iterable[str]) -> list[tuple[int, EventRow]]:
        """Every event of these models, names compared case-insensitively (as price overrides name them)."""
        wanted = {m.lower() for m in models}
        ids = [
            i
            for i, v in self.conn.execute("SELECT id, value FROM dims WHERE kind = 'model'")
            if v.lower() in wanted
        ]
        found: list[tuple[int, EventRow]] = []
        cols = ", ".join(_ENTRY_COLUMNS)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT {cols} FROM entries WHERE model_id IN ({', '.join('?' * len(chunk))}) ORDER BY id"
            found.extend(self._rows(self.conn.execute(sql, chunk).fetchall()))
        return found

    def update_costs(self, changes: Sequence[tuple[int, EventRow, int | None, str | None]]) -> None:
        """``(row id, stored row, new cost_pusd, new price basis)`` per changed event; inside a transaction."""
        batch = []
        for row_id, old, cost, basis in changes:
            new = msgspec.structs.replace(old, cost_pusd=cost, basis=basis)
            self._count(new, *self._values(new, None))
            self._count(old, *self._values(old, None), sign=-1, moves=False)
            batch.append((cost, self._id("basis", basis), row_id))
        self.conn.executemany("UPDATE entries SET cost_pusd = ?, basis_id = ? WHERE id = ?", batch)

    def data_version(self) -> int:
        """Changes whenever another connection commits a write (SQLite's ``PRAGMA data_version``)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def count_events(self, source: str) -> int:
        source_id = self._lookup("source", source)
        if source_id is None:
            return 0
        row = self.conn.execute("SELECT SUM(requests) FROM rollup_total WHERE source_id = ?", (source_id,))
        return row.fetchone()[0] or 0

    def has_events(self, source: str) -> bool:
        return self.count_events(source) > 0

    def rollup_differences(self) -> list[str]:
        """Empty when the rollups equal a recomputation from the events (see :func:`rollups.differences`)."""
        return rollups.differences(self.conn, self._zones())

    def rebuild_rollups(self) -> None:
        with self.transaction():
            rollups.rebuild_all(self.conn, self._zones())
            self._delta = rollups.Delta(self._zones())

    # -- taking events out ---------------------------------------------------------------------------

    def impossible_events(self, latest_ms: int) -> list[tuple[int, int, str, str]]:
        """``(row id, ts, event key, reason)`` of events no log can have produced: outside the bounds the
        parsers apply (:mod:`tokledger.events`), with instants up to ``latest_ms``."""
        return repair.impossible(self.conn, repair.bounds(latest_ms))

    def delete_impossible(self, latest_ms: int) -> int:
        """Delete :meth:`impossible_events`, rollups following; returns how many."""
        bounds = repair.bounds(latest_ms)
        where = " OR ".join(f"({cond})" for _, cond in repair.REASONS)
        with self.transaction():
            n = repair.delete(self.conn, where, bounds, self._zones(), (bounds["earliest"], bounds["latest"]))
            self._delta = rollups.Delta(self._zones())
        return n

    def prune(self, before_ms: int | None, after_ms: int | None, latest_ms: int) -> int:
        """Delete the events before ``before_ms`` and from ``after_ms`` on (either may be None), rollups
        following; returns how many. Their files keep their checkpoints, so they are not read again."""
        clauses, args = [], []
        if before_ms is not None:
            clauses.append("ts < ?")
            args.append(before_ms)
        if after_ms is not None:
            clauses.append("ts >= ?")
            args.append(after_ms)
        if not clauses:
            return 0
        bounds = repair.bounds(latest_ms)
        with self.transaction():
            n = repair.delete(self.conn, " OR ".join(clauses), args, self._zones(),
                              (bounds["earliest"], bounds["latest"]))  # fmt: skip
            self._delta = rollups.Delta(self._zones())
        return n


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return "the file is read-only (run reports with --no-sync to read it without writing)"
    return text
