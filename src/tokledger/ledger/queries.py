"""The SQL behind the reports: filtered, grouped sums of the events table.

Reports never see SQL; they ask for sums grouped by some of ``day`` (the local day, from an expression the
report layer builds out of the time zone's offsets), ``session`` and ``project``, and always by source and
model, and label the groups themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_COST = {  # the cost a report adds up, per --mode; {a} is a table alias ("" or "e.")
    "calculate": "{a}cost_pusd",
    "logged": "{a}logged_cost_pusd",
    "auto": "COALESCE({a}logged_cost_pusd, {a}cost_pusd)",
}
DIMENSIONS = {
    "session": "COALESCE(session_id, '')",
    "project": "COALESCE(project, '')",
}


@dataclass(frozen=True)
class EventFilter:
    start_ms: int | None = None  # inclusive
    end_ms: int | None = None  # exclusive
    sources: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # substrings, case-insensitive
    projects: tuple[str, ...] = ()  # substrings, case-insensitive
    sessions: tuple[str, ...] = ()  # exact ids

    def where(self, alias: str = "") -> tuple[str, list]:
        """The WHERE clause and its arguments; ``alias`` qualifies the columns (``"e."``) in a join."""
        a = alias
        clauses, args = ["1 = 1"], []
        if self.start_ms is not None:
            clauses.append(f"{a}ts >= ?")
            args.append(self.start_ms)
        if self.end_ms is not None:
            clauses.append(f"{a}ts < ?")
            args.append(self.end_ms)
        if self.sources:
            clauses.append(f"{a}source IN ({', '.join('?' * len(self.sources))})")
            args.extend(self.sources)
        for column, values in (("model", self.models), ("project", self.projects)):
            if values:
                clauses.append("(" + " OR ".join(f"instr(lower({a}{column}), ?) > 0" for _ in values) + ")")
                args.extend(v.lower() for v in values)
        if self.sessions:
            clauses.append(f"{a}session_id IN ({', '.join('?' * len(self.sessions))})")
            args.extend(self.sessions)
        return " AND ".join(clauses), args


SUM_COLUMNS = (
    "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "reasoning_tokens",
)  # fmt: skip


def grouped_sums(conn: sqlite3.Connection, f: EventFilter, dims: Sequence[str], mode: str,
                 day_sql: tuple[str, list] | None = None) -> Iterator[tuple]:  # fmt: skip
    """Rows of (*dims, source, model, six token sums, requests, cost_pusd, unpriced, min_ts, max_ts, project).

    ``project`` (the largest project path in the group) is only computed for the session dimension; it is
    None otherwise, so the other queries stay on the covering index.

    The ``day`` dimension is the local day number computed by ``day_sql`` (an expression and its arguments).
    """
    cost = _COST[mode].format(a="")
    dim_sql = [day_sql[0] if d == "day" else DIMENSIONS[d] for d in dims]
    where, args = f.where()
    if "day" in dims:
        args = [*day_sql[1], *args, *day_sql[1]]
    select = ", ".join(
        [*dim_sql, "source", "model", *(f"SUM({c})" for c in SUM_COLUMNS), "COUNT(*)", f"SUM({cost})",
         f"SUM({cost} IS NULL)", "MIN(ts)", "MAX(ts)", "MAX(project)" if "session" in dims else "NULL"]
    )  # fmt: skip
    group = ", ".join([*dim_sql, "source", "model"])
    return conn.execute(f"SELECT {select} FROM events WHERE {where} GROUP BY {group}", args)


def time_range(conn: sqlite3.Connection, f: EventFilter) -> tuple[int | None, int | None]:
    where, args = f.where()
    return conn.execute(f"SELECT MIN(ts), MAX(ts) FROM events WHERE {where}", args).fetchone()


def timeline(conn: sqlite3.Connection, f: EventFilter, mode: str) -> Iterator[tuple]:
    """Every event in time order: (ts, source, model, six token counts, cost_pusd)."""
    where, args = f.where()
    cols = ", ".join(SUM_COLUMNS)
    cost = _COST[mode].format(a="")
    return conn.execute(f"SELECT ts, source, model, {cols}, {cost} FROM events WHERE {where} ORDER BY ts", args)


def source_counts(conn: sqlite3.Connection) -> dict[str, tuple[int, int | None]]:
    """Per source: (events, newest event ms)."""
    return {s: (n, last) for s, n, last in conn.execute("SELECT source, COUNT(*), MAX(ts) FROM events GROUP BY source")}


def file_counts(conn: sqlite3.Connection) -> dict[str, tuple[int, int, int]]:
    """Per source: (files, skipped lines, last file sync ms)."""
    rows = conn.execute("SELECT source, COUNT(*), SUM(skipped), MAX(synced_ms) FROM files GROUP BY source")
    return {s: (n, skipped or 0, synced) for s, n, skipped, synced in rows}


def source_status(conn: sqlite3.Connection) -> dict[str, tuple[int, str, str]]:
    return {s: (ms, roots, notices) for s, ms, roots, notices in conn.execute("SELECT * FROM source_status")}


def event_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def event_details(conn: sqlite3.Connection, f: EventFilter, mode: str, limit: int | None) -> Iterator[tuple]:
    """The newest events (up to ``limit``), oldest first, with everything that explains their cost:
    (ts, source, model, provider, session_id, project, event_key, request_id, six token counts,
    cost (per ``mode``), cost_pusd, logged_cost_pusd, price_basis, file path)."""
    where, args = f.where("e.")
    cols = ", ".join(f"e.{c}" for c in SUM_COLUMNS)
    sql = (
        f"SELECT e.ts, e.source, e.model, e.provider, e.session_id, e.project, e.event_key, e.request_id, {cols},"
        f" {_COST[mode].format(a='e.')}, e.cost_pusd, e.logged_cost_pusd, e.price_basis,"
        f" files.path FROM events e LEFT JOIN files ON files.id = e.file_id WHERE {where}"
        " ORDER BY e.ts DESC, e.id DESC" + (" LIMIT ?" if limit else "")
    )
    rows = conn.execute(sql, [*args, limit] if limit else args).fetchall()
    return reversed(rows)
