"""Rollups: sums of the events, kept in the same transaction as the events they sum.

=================  ===========================================================  ==============================
table              one row per                                                  read by
=================  ===========================================================  ==============================
``rollup_qh``      UTC quarter-hour (``bucket = ts // 900000``), source, model,  blocks, branches, any question
                   project, session, git branch; first and last instant         bounded inside a day
``rollup_qh_model``  quarter-hour, source, model; first and last instant        days/weeks/months in any zone,
                                                                                blocks
``rollup_day``     local day of a kept zone (``rollup_zones``), source, model,  time and project reports in
                   project                                                      the zones a user reports in
``rollup_session`` session, source, model, project; first and last instant      the session report, sessions
                                                                                per user and host
``rollup_total``   source, model, project, git branch                          lifetime totals, models,
                                                                                projects, branches, sources,
                                                                                the team report
=================  ===========================================================  ==============================

Every table is also keyed by host and user (``host_id``, ``user_id``), which a personal ledger holds one
of each of, and a team ledger one per machine and person: filters and breakdowns by host or user read the
same tables. (0 stands for "none" in an id column.) Each row holds the request count, the six token sums and, for every
cost mode (``calc``: calculated at ingest, ``logged``: recorded by the source, ``auto``: logged where there
is one, else calculated), the cost in whole micro-dollars (``_hi``) plus picodollars (``_lo``) and the
requests without a cost (``_unpriced``). Splitting the cost keeps every sum far inside 64 bits (``hi``
overflows past nine trillion dollars) while staying exact.

A quarter-hour lies inside one local day in every zone whose UTC offsets and offset changes fall on whole
quarter-hours — every zone in use since 1979 —, so local days, weeks and months stay exact; a report over
another zone reads the events themselves. The ledger keeps day rows for at most :data:`MAX_ZONES` zones.

Keeping them: the events a transaction adds are summed into every table by SQLite at its end
(:func:`add_new`); any other change is a :class:`Delta` — a replaced or re-priced event subtracts its old
sums and adds its new ones —, applied after it; a row left with no request is deleted. A first or last instant cannot be subtracted, so the quarter-hours and sessions that held a
replaced event are rebuilt (:func:`rebuild_dirty`). They are derived data: a migration that changes them
drops them, creates them with :func:`create_sql` and fills them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from sqlite3 import Connection

from tokledger.ledger.dialect import of as dialect_of
from tokledger.ledger.zones import QuarterDays, aligned, local_day_sql, offset_spans

BUCKET_MS = 900_000
MICRO = 1_000_000  # picodollars in a micro-dollar
MAX_ZONES = 3

COST_MODES = ("calc", "logged", "auto")
TOKEN_COLUMNS = (
    "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "reasoning_tokens",
)  # fmt: skip
SUM_COLUMNS = (
    "requests",
    *TOKEN_COLUMNS,
    *(f"{mode}_{part}" for mode in COST_MODES for part in ("hi", "lo", "unpriced")),
)


@dataclass(frozen=True)
class Table:
    name: str
    keys: tuple[str, ...]
    spans: bool = False  # first_ts / last_ts columns
    index: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *SUM_COLUMNS, *(("first_ts", "last_ts") if self.spans else ()))


WHO = ("host_id", "user_id")
TABLES = {
    t.name: t
    for t in (
        Table("rollup_qh", ("bucket", "source_id", "model_id", "project_id", "session_id", "branch_id", *WHO),
              spans=True, index=("session_id",)),
        Table("rollup_qh_model", ("bucket", "source_id", "model_id", *WHO), spans=True,
              index=("source_id", "bucket")),
        Table("rollup_day", ("zone_id", "day", "source_id", "model_id", "project_id", *WHO)),
        Table("rollup_session", ("session_id", "source_id", "model_id", "project_id", *WHO), spans=True),
        Table("rollup_total", ("source_id", "model_id", "project_id", "branch_id", *WHO)),
    )
}  # fmt: skip
FROM_EVENTS = ("rollup_qh", "rollup_qh_model", "rollup_session", "rollup_total")
_ENTRY_COST = {
    "calc": "cost_pusd",
    "logged": "logged_cost_pusd",
    "auto": "COALESCE(logged_cost_pusd, cost_pusd)",
}
_ENTRY_KEYS = {
    "bucket": f"ts / {BUCKET_MS}",
    "source_id": "source_id",
    "model_id": "model_id",
    "project_id": "COALESCE(project_id, 0)",
    "session_id": "COALESCE(session_id, 0)",
    "branch_id": "COALESCE(branch_id, 0)",
    "host_id": "host_id",
    "user_id": "user_id",
}


ZONES_SQL = (
    "CREATE TABLE rollup_zones (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, added_ms INTEGER NOT NULL)"
)


def create_sql() -> list[str]:
    """CREATE statements of every rollup table (in SQLite's spelling: see :meth:`Dialect.ddl`)."""
    out = []
    for t in TABLES.values():
        columns = ", ".join(f"{c} INTEGER NOT NULL" for c in t.columns)
        out.append(f"CREATE TABLE {t.name} ({columns}, PRIMARY KEY ({', '.join(t.keys)})) WITHOUT ROWID")
        if t.index:
            out.append(f"CREATE INDEX {t.name}_by_{'_'.join(t.index)} ON {t.name} ({', '.join(t.index)})")
    return out


def _entry_sums(d) -> list[str]:
    sums = ["COUNT(*)", *(f"SUM({c})" for c in TOKEN_COLUMNS)]
    for mode in COST_MODES:
        cost = _ENTRY_COST[mode]
        sums += [
            f"COALESCE(SUM({cost} / {MICRO}), 0)",
            f"COALESCE(SUM({cost} % {MICRO}), 0)",
            d.count_null(cost),
        ]
    return sums


def select_sql(table: str, where: str = "", d=None) -> str:
    """The rows of a table kept from the events, as the events give them (``where`` filters the events)."""
    t = TABLES[table]
    spans = ("MIN(ts)", "MAX(ts)") if t.spans else ()
    select = ", ".join([*(_ENTRY_KEYS[k] for k in t.keys), *_entry_sums(d or dialect_of(None)), *spans])
    group = ", ".join(str(i + 1) for i in range(len(t.keys)))
    return f"SELECT {select} FROM entries {where or 'WHERE 1 = 1'} GROUP BY {group}"


def rebuild_sql(where: str = "", tables: Sequence[str] = FROM_EVENTS, d=None) -> list[str]:
    """``INSERT ... SELECT`` statements recomputing tables kept from the events (optionally ``WHERE ...``)."""
    return [f"INSERT INTO {t} ({', '.join(TABLES[t].columns)}) {select_sql(t, where, d)}" for t in tables]


def add_new(conn: Connection, first_id: int, zones: Sequence[tuple[int, QuarterDays]]) -> None:
    """Add the events recorded with ids from ``first_id`` on (this transaction's new events) to every table,
    summed by the database itself: a first import adds each event's sums in C, not in Python."""
    # ``ts + 0``: the new rows are found by id; PostgreSQL would otherwise walk the index on ts for them.
    lo, hi = conn.execute(
        "SELECT MIN(ts + 0), MAX(ts + 0) FROM entries WHERE id >= ?", (first_id,)
    ).fetchone()
    if lo is None:
        return
    d = dialect_of(conn)
    where = "WHERE id >= ?"
    for name in FROM_EVENTS:
        conn.execute(_add_sql(name, select_sql(name, where, d), d), (first_id,))
    for zone_id, days in zones:
        spans = offset_spans(days.tz, lo, hi)
        day, args = local_day_sql(spans, f"(ts / {BUCKET_MS}) * {BUCKET_MS}")
        keys = (str(zone_id), day, *(_ENTRY_KEYS[k] for k in ("source_id", "model_id", "project_id", *WHO)))
        select = (
            f"SELECT {', '.join([*keys, *_entry_sums(d)])} FROM entries {where} GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
        conn.execute(_add_sql("rollup_day", select, d), (*args, first_id))


def _add_sql(table: str, select: str, d) -> str:
    t = TABLES[table]
    updates = [f"{c} = {table}.{c} + excluded.{c}" for c in SUM_COLUMNS]
    if t.spans:
        updates += [f"first_ts = {d.least(f'{table}.first_ts', 'excluded.first_ts')}",
                    f"last_ts = {d.greatest(f'{table}.last_ts', 'excluded.last_ts')}"]  # fmt: skip
    return (f"INSERT INTO {table} ({', '.join(t.columns)}) {select} "
            f"ON CONFLICT ({', '.join(t.keys)}) DO UPDATE SET {', '.join(updates)}")  # fmt: skip


def _from_qh(target: str, keys: Sequence[str], where: str = "WHERE 1 = 1") -> str:
    """``target`` rows summed from ``rollup_qh`` rows (``keys``: the SQL of the target's keys)."""
    t = TABLES[target]
    sums = [f"SUM({c})" for c in SUM_COLUMNS] + (["MIN(first_ts)", "MAX(last_ts)"] if t.spans else [])
    group = ", ".join(str(i + 1) for i in range(len(keys)))
    return (f"INSERT INTO {target} ({', '.join(t.columns)}) SELECT {', '.join([*keys, *sums])} FROM rollup_qh"
            f" {where} GROUP BY {group}")  # fmt: skip


def _split(pusd: int | None) -> tuple[int, int, int]:
    """(hi, lo, unpriced) as SQL's integer division gives them (truncating), so deltas equal rebuilds."""
    if pusd is None:
        return 0, 0, 1
    hi = abs(pusd) // MICRO * (1 if pusd >= 0 else -1)
    return hi, pusd - hi * MICRO, 0


class Delta:
    """Changes to every table, summed per row until :meth:`apply`; also the quarter-hours and sessions
    whose first and last instants must be rebuilt."""

    def __init__(self, zones: Sequence[tuple[int, QuarterDays]] = ()) -> None:
        self.zones = list(zones)
        self.rows: dict[str, dict[tuple, list[int]]] = {name: {} for name in TABLES}
        self.dirty_buckets: set[int] = set()
        self.dirty_sessions: set[int] = set()

    def add(self, ts: int, source_id: int, model_id: int, project_id: int | None, session_id: int | None,
            branch_id: int | None, tokens: Sequence[int], cost: int | None, logged: int | None,
            sign: int = 1, moves: bool = True, who: tuple[int, int] = (0, 0)) -> None:  # fmt: skip
        """Count one event (``sign`` -1: take it away; unless it only changes its cost (``moves`` False),
        its quarter-hour and session are marked for a rebuild of their first and last instants)."""
        bucket = ts // BUCKET_MS
        project, session, branch = project_id or 0, session_id or 0, branch_id or 0
        sums = [1, *tokens, *_split(cost), *_split(logged), *_split(logged if logged is not None else cost)]
        if sign < 0:
            sums = [-v for v in sums]
            if moves:
                self.dirty_buckets.add(bucket)
                self.dirty_sessions.add(session)
        rows = self.rows
        host, user = who
        self._add(
            rows["rollup_qh"], (bucket, source_id, model_id, project, session, branch, host, user), sums, ts
        )
        self._add(rows["rollup_qh_model"], (bucket, source_id, model_id, host, user), sums, ts)
        self._add(rows["rollup_session"], (session, source_id, model_id, project, host, user), sums, ts)
        self._add(rows["rollup_total"], (source_id, model_id, project, branch, host, user), sums)
        for zone_id, days in self.zones:
            key = (zone_id, days.day(bucket), source_id, model_id, project, host, user)
            self._add(rows["rollup_day"], key, sums)

    @staticmethod
    def _add(rows: dict[tuple, list[int]], key: tuple, sums: list[int], ts: int | None = None) -> None:
        row = rows.get(key)
        if row is None:
            rows[key] = [*sums, ts, ts] if ts is not None else list(sums)
            return
        for i, value in enumerate(sums):
            row[i] += value
        if ts is not None:
            row[-2] = min(row[-2], ts)
            row[-1] = max(row[-1], ts)

    def apply(self, conn: Connection) -> None:
        for name, rows in self.rows.items():
            if not rows:
                continue
            t = TABLES[name]
            conn.executemany(_upsert(t, dialect_of(conn)), [(*key, *sums) for key, sums in rows.items()])
            emptied = [key for key, sums in rows.items() if sums[0] <= 0]
            if emptied:
                match = " AND ".join(f"{k} = ?" for k in t.keys)
                conn.executemany(f"DELETE FROM {name} WHERE {match} AND requests = 0", emptied)
            rows.clear()
        rebuild_dirty(conn, self.dirty_buckets, self.dirty_sessions)
        self.dirty_buckets.clear()
        self.dirty_sessions.clear()


def _upsert(t: Table, d) -> str:
    return _add_sql(t.name, f"VALUES ({', '.join('?' * len(t.columns))})", d)


def _ranges(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted buckets as inclusive runs of consecutive numbers."""
    runs: list[list[int]] = []
    for b in sorted(set(buckets)):
        if runs and b == runs[-1][1] + 1:
            runs[-1][1] = b
        else:
            runs.append([b, b])
    return [(lo, hi) for lo, hi in runs]


def rebuild_dirty(conn: Connection, buckets: Iterable[int], sessions: Iterable[int]) -> None:
    """Recompute the rows with first and last instants that a replaced event may have left wrong:
    the quarter-hours of both quarter-hour tables from the events, then ``rollup_session`` sessions from
    ``rollup_qh``."""
    d = dialect_of(conn)
    for lo, hi in _ranges(buckets):
        where = f"WHERE ts >= {lo * BUCKET_MS} AND ts < {(hi + 1) * BUCKET_MS}"
        for table in ("rollup_qh", "rollup_qh_model"):
            conn.execute(f"DELETE FROM {table} WHERE bucket BETWEEN ? AND ?", (lo, hi))
            conn.execute(rebuild_sql(where, (table,), d)[0])
    sessions = sorted(set(sessions))
    for start in range(0, len(sessions), 500):
        chunk = sessions[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        conn.execute(f"DELETE FROM rollup_session WHERE session_id IN ({marks})", chunk)
        sql = _from_qh("rollup_session", ("session_id", "source_id", "model_id", "project_id", *WHO),
                       f"WHERE session_id IN ({marks})")  # fmt: skip
        conn.execute(sql, chunk)


def build_zone(conn: Connection, zone_id: int, days: QuarterDays) -> bool:
    """Fill ``rollup_day`` for one zone from ``rollup_qh``; False when the zone's days cannot come from
    quarter-hours (offsets that are not whole quarter-hours)."""
    conn.execute("DELETE FROM rollup_day WHERE zone_id = ?", (zone_id,))
    lo, hi = conn.execute("SELECT MIN(bucket), MAX(bucket) FROM rollup_qh_model").fetchone()
    if lo is None:
        return True
    spans = offset_spans(days.tz, lo * BUCKET_MS, (hi + 1) * BUCKET_MS)
    if not aligned(spans):
        return False
    day, args = local_day_sql(spans, f"bucket * {BUCKET_MS}")
    conn.execute(
        _from_qh("rollup_day", (str(zone_id), day, "source_id", "model_id", "project_id", *WHO)), args
    )
    return True


def rebuild_all(conn: Connection, zones: Sequence[tuple[int, QuarterDays]] = ()) -> None:
    for name in FROM_EVENTS:
        conn.execute(f"DELETE FROM {name}")
    for statement in rebuild_sql(d=dialect_of(conn)):
        conn.execute(statement)
    for zone_id, days in zones:
        build_zone(conn, zone_id, days)


def differences(conn: Connection, zones: Sequence[tuple[int, QuarterDays]] = ()) -> list[str]:
    """Where the stored rollups differ from a recomputation from the events (empty when they agree)."""
    problems = []
    d = dialect_of(conn)
    fresh_rows = {name: set(map(tuple, conn.execute(select_sql(name, d=d)))) for name in FROM_EVENTS}
    for name in FROM_EVENTS:
        stored = set(map(tuple, conn.execute(f"SELECT {', '.join(TABLES[name].columns)} FROM {name}")))
        problems += [
            f"{name}: stored row {row} is not what the events give"
            for row in sorted(stored - fresh_rows[name])[:5]
        ]
        problems += [f"{name}: missing row {row}" for row in sorted(fresh_rows[name] - stored)[:5]]
    columns = ", ".join(TABLES["rollup_day"].columns)
    for zone_id, days in zones:
        stored = set(
            map(tuple, conn.execute(f"SELECT {columns} FROM rollup_day WHERE zone_id = ?", (zone_id,)))
        )
        fresh: dict[tuple, list[int]] = {}
        for row in fresh_rows["rollup_qh"]:
            bucket, source_id, model_id, project_id = row[:4]
            key = (zone_id, days.day(bucket), source_id, model_id, project_id, row[6], row[7])
            sums = fresh.setdefault(key, [0] * len(SUM_COLUMNS))
            for i, value in enumerate(row[8 : 8 + len(SUM_COLUMNS)]):
                sums[i] += value
        want = {(*key, *sums) for key, sums in fresh.items()}
        problems += [
            f"rollup_day {days.tz.key}: stored row {row} is wrong" for row in sorted(stored - want)[:5]
        ]
        problems += [f"rollup_day {days.tz.key}: missing row {row}" for row in sorted(want - stored)[:5]]
    return problems
