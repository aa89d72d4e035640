"""The ledger: one SQLite file (WAL, busy timeout, numbered migrations) — or a PostgreSQL database for a
team — holding every event ever read.

Events are kept when the files they came from disappear: the ledger, not the assistants' logs, is the
history. Writers take the write lock up front (``BEGIN IMMEDIATE``, or PostgreSQL's advisory lock) so two
imports running at once queue instead of failing with "database is locked". Every write of events also updates the rollups
(:mod:`tokledger.ledger.rollups`) before the same transaction commits. This package is the only place that
holds SQL; faces reach it through :class:`tokledger.workspace.Workspace` and the reports.

Names (sources, models, sessions, projects, branches, price bases) are stored once in ``dims`` and
referred to by integer id; an id never changes meaning, so both directions are cached per connection
(and dropped when a transaction that may have added names rolls back).

Every event belongs to a host and a user (dimension ids too). A personal (SQLite) ledger holds one of
each, its own: the names with ids -1 and -2, which follow the configuration (a renamed host keeps its
history). A team ledger (PostgreSQL, :mod:`tokledger.ledger.pg`) holds many; each writer records under
the ids of its configured names. Engine differences live in :mod:`tokledger.ledger.dialect`.

The file is created readable by its owner only (it holds project paths and spend), in a data directory
created the same way. A database that other software made is refused before anything touches it
(:mod:`tokledger.ledger.opening`). File checkpoints and small state: :mod:`tokledger.ledger.bookkeeping`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from tokledger.errors import LedgerError
from tokledger.ledger import opening, pg, repair, rollups
from tokledger.ledger.bookkeeping import Bookkeeping, FileState
from tokledger.ledger.dialect import POSTGRES, SQLITE, Dialect
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

OWN_HOST, OWN_USER = -1, -2  # a personal ledger's own host and user
# Dimension kinds of an EventRow, in the order of Ledger._ids.
_KINDS = ("source", "model", "provider", "session", "project", "branch", "basis", "speed")
_ENTRY_COLUMNS = (
    "id", "source_id", "event_key", "ts", "model_id", "provider_id", "session_id", "project_id", "branch_id",
    "request_id", "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens",
    "cache_read_tokens", "reasoning_tokens", "cost_pusd", "basis_id", "logged_cost_pusd", "is_primary", "speed_id",
)  # fmt: skip
_INSERT_COLUMNS = (*_ENTRY_COLUMNS[1:], "file_id", "host_id", "user_id")
_INSERT = (
    f"INSERT INTO entries ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})"
)
_UPDATE = (
    "UPDATE entries SET " + ", ".join(f"{c} = ?" for c in (*_ENTRY_COLUMNS[2:], "file_id")) + " WHERE id = ?"
)


class Ledger(Bookkeeping):
    def __init__(self, conn, path: Path | str, dialect: Dialect = SQLITE,
                 identity: tuple[str, str] | None = None):  # fmt: skip
        self.conn = conn
        self.path = path
        """The file, or for PostgreSQL the URL without any password (what messages name)."""
        self.dialect = dialect
        self.identity = identity or ("local", "local")
        """The host and user names this ledger writes as."""
        self._who: tuple[int, int] | None = (OWN_HOST, OWN_USER) if not dialect.postgres else None
        self._ids: dict[tuple[str, str], int] = {}
        self._names: dict[int, str] = {}
        self._days: dict[str, QuarterDays] = {}
        self._delta = rollups.Delta()
        self._new_from = 0  # the first id of the events the open transaction adds
        self._changed: list[int] = []  # ids of stored events this transaction changed (for push)
        self._billed: tuple[int, ...] | None = None

    @classmethod
    def open(cls, location: Path | str, *, host: str | None = None, user: str | None = None,
             options: dict | None = None, pool: pg.Pool | None = None) -> Ledger:  # fmt: skip
        """Open (creating and migrating as needed) the SQLite file at ``location``, or the PostgreSQL
        ledger at a ``postgresql://`` URL (through ``pool`` when given); ``host`` and ``user``: the names
        it records new events under (a personal ledger renames its own to them)."""
        identity = (host, user) if host and user else None
        if pg.is_url(location):
            url = str(location)
            return cls(opening.connect_postgres(url, options, pool), pg.redact(url), POSTGRES, identity)
        path = Path(location)
        conn = opening.connect_sqlite(path)
        try:
            ledger = cls(conn, path, SQLITE, identity)
            ledger._own_names(identity)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {opening.reason(exc)}") from None
        return ledger

    def _own_names(self, identity: tuple[str, str] | None) -> None:
        """A personal ledger's own host and user rows exist, named as configured (a rename keeps the ids)."""
        want = dict(zip(("host", "user"), identity or ("local", "local"), strict=True))
        have = {kind: value for kind, value in self.conn.execute(
            "SELECT kind, value FROM dims WHERE id IN (?, ?)", (OWN_HOST, OWN_USER))}  # fmt: skip
        if identity is None:
            want = {**want, **have}
        if have == want:
            return
        try:
            with self.transaction():
                # Id 0 is held by an empty name, so that new names, numbered after the largest id, never get
                # it: 0 stands for "none" in the rollups.
                self.conn.execute(
                    "INSERT INTO dims (id, kind, value) VALUES (0, '', '') ON CONFLICT DO NOTHING"
                )
                for kind, own in (("host", OWN_HOST), ("user", OWN_USER)):
                    self.conn.execute(
                        "INSERT INTO dims (id, kind, value) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE"
                        " SET value = excluded.value", (own, kind, want[kind]),
                    )  # fmt: skip
        except LedgerError:  # read-only: the names stay as they were
            pass

    def close(self) -> None:
        self.conn.close()

    def who(self) -> tuple[int, int]:
        """The (host id, user id) this ledger records events under (interned in a team ledger)."""
        if self._who is None:
            self._who = (self._id("host", self.identity[0]), self._id("user", self.identity[1]))
        return self._who

    def host_id(self) -> int | None:
        """This writer's host id (None: a team ledger that holds nothing of this host yet)."""
        return self._own_id("host")

    def _own_id(self, kind: str) -> int | None:
        """This writer's host or user id without writing (None: a team ledger that has not seen it)."""
        if self._who is not None:
            return self._who[0 if kind == "host" else 1]
        return self._lookup(kind, self.identity[0 if kind == "host" else 1])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the write lock from its start; rollups are brought up to date
        with the events written in it just before it commits."""
        errors = opening.db_errors()
        try:
            for statement in self.dialect.begin_write:
                self.conn.execute(statement)
        except errors as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise LedgerError(f"cannot write to the ledger {self.path}: {opening.reason(exc)}") from None
        try:
            zones = self._zones()
            self._delta = rollups.Delta(zones)
            self._new_from = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetchone()[0]
            self._changed = []
            yield self.conn
            rollups.add_new(self.conn, self._new_from, zones)
            self._delta.apply(self.conn)
            self._log_changes()
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, errors):
                raise LedgerError(f"cannot write to the ledger {self.path}: {opening.reason(exc)}") from None
            raise
        try:
            self.conn.execute("COMMIT")
        except errors as exc:
            self._abandon()
            raise LedgerError(f"cannot write to the ledger {self.path}: {opening.reason(exc)}") from None

    def _abandon(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._ids.clear()
        self._names.clear()
        self._delta = rollups.Delta()
        self._billed = None
        self._changed = []
        if self.dialect.postgres:
            self._who = None

    def _log_changes(self) -> None:
        """Mark the stored events this transaction changed with a new revision (a personal ledger's push
        sends them again)."""
        if not self._changed or self.dialect.postgres:
            return
        rev = self.conn.execute("SELECT COALESCE(MAX(rev), 0) + 1 FROM entry_changes").fetchone()[0]
        self.conn.executemany(
            "INSERT INTO entry_changes (entry_id, rev) VALUES (?, ?) ON CONFLICT (entry_id) DO UPDATE"
            " SET rev = excluded.rev",
            [(i, rev) for i in set(self._changed)],
        )
        self._changed = []

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
                f"SELECT id FROM rollup_zones ORDER BY id DESC {self.dialect.no_limit} OFFSET ?",
                (rollups.MAX_ZONES,),
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
            self.conn.execute(
                "INSERT INTO dims (kind, value) VALUES (?, ?) ON CONFLICT DO NOTHING", (kind, value)
            )
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

    def stored_events(
        self, source: str, keys: Sequence[str], host_id: int | None = None
    ) -> dict[str, tuple[int, EventRow]]:
        """The events already recorded under these keys by this writer's host (or ``host_id``), with their row
        ids (to merge a new copy into)."""
        source_id = self._ids.get(("source", source)) or self._lookup("source", source)
        host_id = self._own_id("host") if host_id is None else host_id
        if source_id is None or host_id is None:
            return {}
        found: dict[str, tuple[int, EventRow]] = {}
        cols = ", ".join(_ENTRY_COLUMNS)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = (f"SELECT {cols} FROM entries WHERE host_id = ? AND source_id = ?"
                   f" AND event_key IN ({', '.join('?' * len(chunk))})")  # fmt: skip
            for row_id, row in self._rows(self.conn.execute(sql, (host_id, source_id, *chunk)).fetchall()):
                found[row.key] = (row_id, row)
        return found

    def _lookup(self, kind: str, value: str) -> int | None:
        row = self.conn.execute("SELECT id FROM dims WHERE kind = ? AND value = ?", (kind, value)).fetchone()
        return row[0] if row else None

    def _values(
        self, row: EventRow, file_id: int | None, who: tuple[int, int] | None = None
    ) -> tuple[list, tuple]:
        known = self._ids
        names = (("source", row.source), ("model", row.model), ("provider", row.provider), ("session", row.session),
                 ("project", row.project), ("branch", row.branch), ("basis", row.basis), ("speed", row.speed))  # fmt: skip
        ids = tuple(None if v is None else known.get((k, v)) or self._id(k, v) for k, v in names)
        src, model, provider, session, project, branch, basis, speed = ids
        tokens = (row.input_tokens, row.output_tokens, row.cache_write_tokens, row.cache_write_1h_tokens,
                  row.cache_read_tokens, row.reasoning_tokens)  # fmt: skip
        values = [src, row.key, row.ts, model, provider, session, project, branch, row.request_id, *tokens,
                  row.cost_pusd, basis, row.logged_cost_pusd, int(row.primary), speed, file_id,
                  *(who or self.who())]  # fmt: skip
        return values, ids

    def _count(self, row: EventRow, values: list, ids: tuple, sign: int = 1, moves: bool = True) -> None:
        """Add (or with ``sign`` -1 take away) a row's sums in the rollups, when the transaction commits."""
        self._delta.add(row.ts, ids[0], ids[1], ids[4], ids[3], ids[5], values[9:15], row.cost_pusd,
                        row.logged_cost_pusd, sign, moves, (values[-2], values[-1]))  # fmt: skip

    def add_events(
        self, rows: Iterable[EventRow], file_id: int | None, who: tuple[int, int] | None = None
    ) -> None:
        """Record events the ledger does not hold yet (inside a transaction), under this writer's host and
        user or ``who`` (host id, user id)."""
        values = [self._values(row, file_id, who)[0] for row in rows]
        if self.dialect.postgres:
            self.conn.copy_rows("entries", _INSERT_COLUMNS, values)
        else:
            self.conn.executemany(_INSERT, values)

    def replace_events(self, pairs: Iterable[tuple[int, EventRow, EventRow]], file_id: int | None,
                       who: tuple[int, int] | None = None) -> None:  # fmt: skip
        """Overwrite stored events: ``(row id, stored row, new row)`` triples (inside a transaction)."""
        batch = []
        for row_id, old, new in pairs:
            values, ids = self._values(new, file_id, who)
            batch.append([*values[1:-2], row_id])
            if row_id < self._new_from:  # an event of this transaction is summed at its end, as it ends up
                self._count(new, values, ids)
                self._count(old, *self._values(old, file_id, who), sign=-1)
                self._changed.append(row_id)
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
        owners = self._owners([row_id for row_id, *_ in changes])
        for row_id, old, cost, basis in changes:
            new = msgspec.structs.replace(old, cost_pusd=cost, basis=basis)
            who = owners[row_id]
            self._count(new, *self._values(new, None, who))
            self._count(old, *self._values(old, None, who), sign=-1, moves=False)
            batch.append((cost, self._id("basis", basis), row_id))
            self._changed.append(row_id)
        self.conn.executemany("UPDATE entries SET cost_pusd = ?, basis_id = ? WHERE id = ?", batch)

    def _owners(self, row_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """(host id, user id) of stored events by row id (a personal ledger's are all its own)."""
        if not self.dialect.postgres:
            return dict.fromkeys(row_ids, (OWN_HOST, OWN_USER))
        out: dict[int, tuple[int, int]] = {}
        for start in range(0, len(row_ids), 500):
            chunk = row_ids[start : start + 500]
            sql = f"SELECT id, host_id, user_id FROM entries WHERE id IN ({', '.join('?' * len(chunk))})"
            out.update((i, (h, u)) for i, h, u in self.conn.execute(sql, chunk))
        return out

    def data_version(self) -> int:
        """Changes whenever another connection commits a write (see :meth:`Dialect.data_version`)."""
        return self.dialect.data_version(self.conn)

    def count_events(self, source: str) -> int:
        """Events of one source recorded by this writer's host."""
        source_id = self._lookup("source", source)
        host_id = self._own_id("host")
        if source_id is None or host_id is None:
            return 0
        row = self.conn.execute(
            "SELECT SUM(requests) FROM rollup_total WHERE source_id = ? AND host_id = ?", (source_id, host_id)
        )
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
        where = " OR ".join(f"({cond})" for _, cond in repair.conditions(bounds))
        with self.transaction():
            n = repair.delete(self.conn, where, (), self._zones(), (bounds["earliest"], bounds["latest"]))
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
