"""Rollups: sums of the events per UTC quarter-hour, kept in the same transaction as the events they sum.

Two tables, one row per quarter-hour (``bucket = ts // 900000``) and

- ``rollup_session``: source, model, project, session and git branch (0 where an event has none), with the
  first and last instant of its events — what the session, project and block reports read;
- ``rollup_model``: source and model — what the time reports and lifetime totals read.

Each row holds the request count, the six token sums and, for every cost mode (``calc``: calculated at
ingest, ``logged``: recorded by the source, ``auto``: logged where there is one, else calculated), the cost
in whole micro-dollars (``_hi``) plus picodollars (``_lo``) and the requests without a cost
(``_unpriced``). Splitting the cost keeps every sum far inside 64 bits (``hi`` overflows past nine
trillion dollars) while staying exact.

A quarter-hour lies inside one local day in every zone whose UTC offsets and offset changes fall on whole
quarter-hours — every zone in use since 1979 —, so local days, weeks and months stay exact; a report over
another zone reads the events themselves.

Keeping them: a new event adds to its rows (:class:`Delta`, applied once per transaction). A stored event
that a new copy replaces may move to another quarter-hour or change its dimensions, so the quarter-hours
it left and entered are rebuilt from the events (:func:`rebuild_buckets`) — rare, since copies mostly
equal their original. ``reprice`` and the migration that introduced them rebuild everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from sqlite3 import Connection

BUCKET_MS = 900_000
MICRO = 1_000_000  # picodollars in a micro-dollar

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
KEYS = {
    "rollup_session": ("bucket", "source_id", "model_id", "project_id", "session_id", "branch_id"),
    "rollup_model": ("bucket", "source_id", "model_id"),
}
SPAN_COLUMNS = {"rollup_session": ("first_ts", "last_ts"), "rollup_model": ()}
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
}


def _entry_sums() -> list[str]:
    sums = ["COUNT(*)", *(f"SUM({c})" for c in TOKEN_COLUMNS)]
    for mode in COST_MODES:
        cost = _ENTRY_COST[mode]
        sums += [
            f"COALESCE(SUM({cost} / {MICRO}), 0)",
            f"COALESCE(SUM({cost} % {MICRO}), 0)",
            f"SUM({cost} IS NULL)",
        ]
    return sums


def select_sql(table: str, where: str = "") -> str:
    """The rows of a rollup table as the events give them (``where`` filters the events)."""
    keys, spans = KEYS[table], SPAN_COLUMNS[table]
    select = ", ".join(
        [*(_ENTRY_KEYS[k] for k in keys), *_entry_sums(), *(("MIN(ts)", "MAX(ts)") if spans else ())]
    )
    group = ", ".join(str(i + 1) for i in range(len(keys)))
    return f"SELECT {select} FROM entries {where} GROUP BY {group}"


def _columns(table: str) -> str:
    return ", ".join([*KEYS[table], *SUM_COLUMNS, *SPAN_COLUMNS[table]])


def rebuild_sql(where: str = "") -> list[str]:
    """``INSERT ... SELECT`` statements recomputing both tables from ``entries`` (optionally ``WHERE ...``)."""
    return [f"INSERT INTO {table} ({_columns(table)}) {select_sql(table, where)}" for table in KEYS]


def _split(pusd: int | None) -> tuple[int, int, int]:
    """(hi, lo, unpriced) as SQL's integer division gives them (truncating), so deltas equal rebuilds."""
    if pusd is None:
        return 0, 0, 1
    hi = abs(pusd) // MICRO * (1 if pusd >= 0 else -1)
    return hi, pusd - hi * MICRO, 0


class Delta:
    """Additions to both tables from new events, summed per row until :meth:`apply`."""

    def __init__(self) -> None:
        self.session: dict[tuple, list[int]] = {}
        self.model: dict[tuple, list[int]] = {}

    def add(self, ts: int, source_id: int, model_id: int, project_id: int | None, session_id: int | None,
            branch_id: int | None, tokens: Sequence[int], cost: int | None, logged: int | None) -> None:  # fmt: skip
        bucket = ts // BUCKET_MS
        sums = [1, *tokens, *_split(cost), *_split(logged), *_split(logged if logged is not None else cost)]
        for table, key, spans in (
            (
                self.session,
                (bucket, source_id, model_id, project_id or 0, session_id or 0, branch_id or 0),
                True,
            ),
            (self.model, (bucket, source_id, model_id), False),
        ):
            row = table.get(key)
            if row is None:
                table[key] = [*sums, ts, ts] if spans else list(sums)
                continue
            for i, value in enumerate(sums):
                row[i] += value
            if spans:
                row[-2] = min(row[-2], ts)
                row[-1] = max(row[-1], ts)

    def apply(self, conn: Connection) -> None:
        for table, rows in (("rollup_session", self.session), ("rollup_model", self.model)):
            if rows:
                conn.executemany(_upsert(table), [(*key, *sums) for key, sums in rows.items()])
        self.session.clear()
        self.model.clear()


def _upsert(table: str) -> str:
    keys, spans = KEYS[table], SPAN_COLUMNS[table]
    columns = [*keys, *SUM_COLUMNS, *spans]
    updates = [f"{c} = {c} + excluded.{c}" for c in SUM_COLUMNS]
    if spans:
        updates += ["first_ts = MIN(first_ts, excluded.first_ts)", "last_ts = MAX(last_ts, excluded.last_ts)"]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)}"
    )


def _ranges(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted buckets as inclusive runs of consecutive numbers."""
    runs: list[list[int]] = []
    for b in sorted(set(buckets)):
        if runs and b == runs[-1][1] + 1:
            runs[-1][1] = b
        else:
            runs.append([b, b])
    return [(lo, hi) for lo, hi in runs]


def rebuild_buckets(conn: Connection, buckets: Iterable[int]) -> None:
    """Recompute these quarter-hours of both tables from the events (inside the caller's transaction)."""
    for lo, hi in _ranges(buckets):
        for table in KEYS:
            conn.execute(f"DELETE FROM {table} WHERE bucket BETWEEN ? AND ?", (lo, hi))
        where = f"WHERE ts >= {lo * BUCKET_MS} AND ts < {(hi + 1) * BUCKET_MS}"
        for statement in rebuild_sql(where):
            conn.execute(statement)


def rebuild_all(conn: Connection) -> None:
    for table in KEYS:
        conn.execute(f"DELETE FROM {table}")
    for statement in rebuild_sql():
        conn.execute(statement)


def differences(conn: Connection) -> list[str]:
    """Where the stored rollups differ from a recomputation from the events (empty when they agree)."""
    problems = []
    for table in KEYS:
        stored = set(conn.execute(f"SELECT {_columns(table)} FROM {table}"))
        fresh = set(conn.execute(select_sql(table)))
        problems += [
            f"{table}: stored row {row} is not what the events give" for row in sorted(stored - fresh)[:5]
        ]
        problems += [f"{table}: missing row {row}" for row in sorted(fresh - stored)[:5]]
    return problems
