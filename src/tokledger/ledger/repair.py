"""Taking events out of the ledger with the rollups kept exact: impossible rows (``doctor``) and ranges (``prune``).

A ledger written before values were bounded at parse time can hold rows no log can have produced — an
instant in the year 9999, a count past any context window, a cost past any bill — that make reports fail.
:func:`impossible` finds them by the same bounds the parsers apply (:mod:`tokledger.events`).

:func:`delete` removes the events a ``WHERE`` clause selects and takes their sums out of every rollup in
the same transaction: SQLite subtracts the sums grouped as each table keys them (the mirror of
:func:`rollups.add_new`), the rows left without a request are dropped, and the first and last instants
of the quarter-hours and sessions that held a deleted event are rebuilt. When the deleted events lie
outside the plausible window (local days cannot be computed there), every rollup is rebuilt instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from sqlite3 import Connection

from tokledger.ledger import rollups
from tokledger.ledger.dialect import of as dialect_of
from tokledger.ledger.rollups import BUCKET_MS, FROM_EVENTS, SUM_COLUMNS, TABLES, TOKEN_COLUMNS, WHO
from tokledger.ledger.rows import PUSD_PER_USD, datetime_to_ms
from tokledger.ledger.zones import QuarterDays, local_day_sql, offset_spans

REASONS = (
    ("timestamp out of range", "ts < :earliest OR ts > :latest"),
    ("negative token count", " OR ".join(f"{c} < 0" for c in TOKEN_COLUMNS)),
    ("token count out of range", " OR ".join(f"{c} > :max_tokens" for c in TOKEN_COLUMNS)),
    ("cost out of range", " OR ".join(f"{c} < 0 OR {c} > :max_cost" for c in ("cost_pusd", "logged_cost_pusd"))),
)  # fmt: skip


def bounds(latest_ms: int) -> dict[str, int]:
    """The bounds of :func:`impossible`: the parsers' (:mod:`tokledger.events`), instants up to ``latest_ms``."""
    from tokledger.events import EARLIEST, MAX_COST_USD, MAX_TOKENS

    return {"earliest": datetime_to_ms(EARLIEST), "latest": latest_ms, "max_tokens": MAX_TOKENS,
            "max_cost": int(MAX_COST_USD) * PUSD_PER_USD}  # fmt: skip


def conditions(bounds: dict[str, int]) -> list[tuple[str, str]]:
    """:data:`REASONS` with the bounds written in (whole numbers), so both engines read the same SQL."""
    out = []
    for why, cond in REASONS:
        for name, value in bounds.items():
            cond = cond.replace(f":{name}", str(int(value)))
        out.append((why, cond))
    return out


def impossible(conn: Connection, bounds: dict[str, int]) -> list[tuple[int, int, str, str]]:
    """``(row id, ts, event key, reason)`` of every event outside ``bounds`` (``earliest``, ``latest``: ms;
    ``max_tokens``; ``max_cost``: picodollars), the first reason that applies."""
    reasons = conditions(bounds)
    case = " ".join(f"WHEN {cond} THEN '{why}'" for why, cond in reasons)
    where = " OR ".join(f"({cond})" for _, cond in reasons)
    sql = f"SELECT id, ts, event_key, CASE {case} END FROM entries WHERE {where} ORDER BY id"
    return conn.execute(sql).fetchall()


def delete(conn: Connection, where: str, args: Sequence, zones: Sequence[tuple[int, QuarterDays]],
           plausible: tuple[int, int]) -> int:  # fmt: skip
    """Delete the events ``WHERE`` selects, rollups following (call inside a transaction); returns how many."""
    conn.execute("DROP TABLE IF EXISTS doomed")
    conn.execute(f"CREATE TEMP TABLE doomed AS SELECT id FROM entries WHERE {where}", args)
    n, lo, hi = conn.execute(
        "SELECT COUNT(*), MIN(ts), MAX(ts) FROM entries WHERE id IN (SELECT id FROM doomed)"
    ).fetchone()
    if not n:
        conn.execute("DROP TABLE doomed")
        return 0
    picked = "WHERE id IN (SELECT id FROM doomed)"
    d = dialect_of(conn)
    if lo < plausible[0] or hi > plausible[1]:
        conn.execute(f"DELETE FROM entries {picked}")
        rollups.rebuild_all(conn, zones)
        conn.execute("DROP TABLE doomed")
        return n
    buckets = [b for (b,) in conn.execute(f"SELECT DISTINCT ts / {BUCKET_MS} FROM entries {picked}")]
    sessions = [s for (s,) in conn.execute(f"SELECT DISTINCT COALESCE(session_id, 0) FROM entries {picked}")]
    for name in FROM_EVENTS:
        conn.execute(_subtract_sql(name, rollups.select_sql(name, picked, d)))
    for zone_id, days in zones:
        spans = offset_spans(days.tz, lo, hi)
        day, day_args = local_day_sql(spans, f"(ts / {BUCKET_MS}) * {BUCKET_MS}")
        keys = (str(zone_id), day, "source_id", "model_id", "COALESCE(project_id, 0)", *WHO)
        sums = rollups._entry_sums(d)
        select = f"SELECT {', '.join([*keys, *sums])} FROM entries {picked} GROUP BY 1, 2, 3, 4, 5, 6, 7"
        conn.execute(_subtract_sql("rollup_day", select), day_args)
    for name in TABLES:
        conn.execute(f"DELETE FROM {name} WHERE requests <= 0")
    conn.execute(f"DELETE FROM entries {picked}")
    rollups.rebuild_dirty(conn, buckets, sessions)
    conn.execute("DROP TABLE doomed")
    return n


def _subtract_sql(table: str, select: str) -> str:
    """``select``'s sums taken away from ``table``'s rows (every key it gives exists there)."""
    t = TABLES[table]
    updates = ", ".join(f"{c} = {table}.{c} - excluded.{c}" for c in SUM_COLUMNS)
    return (f"INSERT INTO {table} ({', '.join(t.columns)}) {select} "
            f"ON CONFLICT ({', '.join(t.keys)}) DO UPDATE SET {updates}")  # fmt: skip
