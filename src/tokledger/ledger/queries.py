"""The SQL behind the reports: filtered, grouped sums, read from the rollups wherever they cover the question.

A report asks for sums grouped by one of ``day`` (the local day, from the zone's UTC offsets the caller
passes), ``session``, ``project`` or ``branch`` — or by nothing — and always by source and model. Each
question is answered from the smallest table that holds it exactly:

- ``rollup_model`` when only time, source and model matter;
- ``rollup_session`` when a project, session or branch groups or filters;
- the events themselves when a bound of the question does not fall on a quarter-hour (a zone whose offsets
  are not whole quarter-hours, or a bound between two quarter-hours), or for request-level detail.

So a report's time follows the rows it prints, not the length of the history. Costs come back as exact
integers whatever their size: every SQL sum adds micro-dollars and picodollars apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tokledger.ledger import Ledger
from tokledger.ledger.rollups import BUCKET_MS, MICRO, TOKEN_COLUMNS

DAY_MS = 86_400_000
GROUPS = ("day", "session", "project", "branch")
MODE_COLUMN = {"calculate": "calc", "logged": "logged", "auto": "auto"}


@dataclass(frozen=True)
class EventFilter:
    start_ms: int | None = None  # inclusive
    end_ms: int | None = None  # exclusive
    sources: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # substrings, case-insensitive
    projects: tuple[str, ...] = ()  # substrings, case-insensitive
    sessions: tuple[str, ...] = ()  # exact ids

    @property
    def needs_detail(self) -> bool:
        return bool(self.projects or self.sessions)

    @property
    def on_buckets(self) -> bool:
        return all(b is None or b % BUCKET_MS == 0 for b in (self.start_ms, self.end_ms))


def _entry_cost(mode: str, alias: str = "") -> str:
    a = alias
    return {"calc": f"{a}cost_pusd", "logged": f"{a}logged_cost_pusd",
            "auto": f"COALESCE({a}logged_cost_pusd, {a}cost_pusd)"}[MODE_COLUMN[mode]]  # fmt: skip


def _name_ids(kind: str, column: str, values: Sequence[str], *, exact: bool) -> tuple[str, list]:
    if exact:
        match = f"value IN ({', '.join('?' * len(values))})"
        args = list(values)
    else:
        match = "(" + " OR ".join("instr(lower(value), ?) > 0" for _ in values) + ")"
        args = [v.lower() for v in values]
    return f"{column} IN (SELECT id FROM dims WHERE kind = '{kind}' AND {match})", args


def _where(f: EventFilter, time: str, scale: int, alias: str = "") -> tuple[str, list]:
    """WHERE clause and arguments; ``time`` is the column holding instants in units of ``scale`` ms."""
    clauses, args = ["1 = 1"], []
    if f.start_ms is not None:
        clauses.append(f"{alias}{time} >= ?")
        args.append(-(-f.start_ms // scale))
    if f.end_ms is not None:
        clauses.append(f"{alias}{time} < ?")
        args.append(-(-f.end_ms // scale))
    for kind, column, values, exact in (
        ("source", "source_id", f.sources, True),
        ("model", "model_id", f.models, False),
        ("project", "project_id", f.projects, False),
        ("session", "session_id", f.sessions, True),
    ):
        if values:
            clause, more = _name_ids(kind, alias + column, values, exact=exact)
            clauses.append(clause)
            args += more
    return " AND ".join(clauses), args


@dataclass(frozen=True)
class _Table:
    name: str
    time: str  # instants in ms, as SQL
    scale: int  # what one unit of the time column is, in ms
    sums: tuple[str, ...]  # requests, six tokens, cost hi, cost lo, unpriced (for a mode)
    first: str
    last: str

    @classmethod
    def of(cls, name: str, mode: str) -> _Table:
        if name == "entries":
            cost = _entry_cost(mode)
            sums = ("COUNT(*)", *(f"SUM({c})" for c in TOKEN_COLUMNS), f"SUM({cost} / {MICRO})",
                    f"SUM({cost} % {MICRO})", f"SUM({cost} IS NULL)")  # fmt: skip
            return cls("entries", "ts", 1, sums, "MIN(ts)", "MAX(ts)")
        m = MODE_COLUMN[mode]
        sums = ("SUM(requests)", *(f"SUM({c})" for c in TOKEN_COLUMNS), f"SUM({m}_hi)", f"SUM({m}_lo)",
                f"SUM({m}_unpriced)")  # fmt: skip
        spans = name == "rollup_session"
        return cls(name, f"bucket * {BUCKET_MS}", BUCKET_MS, sums, "MIN(first_ts)" if spans else "NULL",
                   "MAX(last_ts)" if spans else "NULL")  # fmt: skip

    @property
    def column(self) -> str:
        return "ts" if self.name == "entries" else "bucket"


def _aligned(spans: Sequence[tuple[int, int]]) -> bool:
    return all(start % BUCKET_MS == 0 and off % BUCKET_MS == 0 for start, off in spans[1:]) and (
        spans[0][1] % BUCKET_MS == 0
    )


def _table(f: EventFilter, group: str | None, mode: str, spans: Sequence[tuple[int, int]] | None) -> _Table:
    if not f.on_buckets or (spans is not None and not _aligned(spans)):
        return _Table.of("entries", mode)
    if group in ("session", "project", "branch") or f.needs_detail:
        return _Table.of("rollup_session", mode)
    return _Table.of("rollup_model", mode)


def local_day_sql(spans: Sequence[tuple[int, int]], time: str) -> tuple[str, list[int]]:
    """SQL giving an instant's local day as days since 1970-01-01, from ``(from_ms, offset_ms)`` spans
    (the first from -inf): integer arithmetic only, so it stays on the rollups' and events' indexes."""
    if len(spans) == 1:
        return f"({time} + ?) / {DAY_MS}", [spans[0][1]]
    cases, args = [], []
    for (_, off), (until, _) in itertools.pairwise(spans):
        cases.append(f"WHEN {time} < ? THEN ({time} + ?) / {DAY_MS}")
        args += [until, off]
    args.append(spans[-1][1])
    return f"CASE {' '.join(cases)} ELSE ({time} + ?) / {DAY_MS} END", args


@dataclass(slots=True)
class Group:
    """The sums of one (group value, source, model); ``cost_pusd`` is the priced part (per the mode)."""

    value: object
    source: str
    model: str
    requests: int
    tokens: tuple[int, int, int, int, int, int]
    cost_pusd: int
    unpriced: int
    first_ms: int | None
    last_ms: int | None
    project: str | None = None


_GROUP_COLUMN = {"session": "session_id", "project": "project_id", "branch": "branch_id"}


def usage(ledger: Ledger, f: EventFilter, group: str | None, mode: str,
          spans: Sequence[tuple[int, int]] | None = None) -> list[Group]:  # fmt: skip
    """Sums per (``group``, source, model); ``group`` "day" needs the zone's offset ``spans``."""
    t = _table(f, group, mode, spans if group == "day" else None)
    where, args = _where(f, t.column, t.scale)
    keys: list[str] = []
    key_args: list[int] = []
    if group == "day":
        expr, key_args = local_day_sql(spans, t.time)
        keys.append(expr)
    elif group is not None:
        column = _GROUP_COLUMN[group]
        keys.append(f"COALESCE(r.{column}, 0)" if t.name == "entries" else f"r.{column}")
    join = ""
    project = "NULL"
    if group == "session":
        join = "LEFT JOIN dims pd ON pd.id = r.project_id"
        project = "MAX(pd.value)"
    select = ", ".join([*keys, "r.source_id", "r.model_id", *t.sums, t.first, t.last, project])
    group_by = ", ".join(str(i + 1) for i in range(len(keys) + 2))
    sql = f"SELECT {select} FROM {t.name} r {join} WHERE {where} GROUP BY {group_by}"
    records = ledger.conn.execute(sql, [*key_args, *args]).fetchall()
    n = len(keys)
    first_id = 1 if group == "day" else 0
    names = ledger.names(i for r in records for i in r[first_id : n + 2])
    out = []
    for r in records:
        value = r[0] if group == "day" else (names.get(r[0]) if n else None)
        s = r[n + 2 : n + 12]
        out.append(Group(value, names[r[n]], names[r[n + 1]], s[0], tuple(s[1:7]), (s[7] or 0) * MICRO + (s[8] or 0),
                         s[9] or 0, r[n + 12], r[n + 13], r[n + 14]))  # fmt: skip
    return out


def time_range(ledger: Ledger, f: EventFilter) -> tuple[int | None, int | None]:
    """Bounds (ms) within which every selected event lies: exact on the events, to the quarter-hour otherwise."""
    t = _table(f, None, "auto", None)
    where, args = _where(f, t.column, t.scale)
    lo, hi = ledger.conn.execute(
        f"SELECT MIN({t.column}), MAX({t.column}) FROM {t.name} WHERE {where}", args
    ).fetchone()
    if lo is None or t.scale == 1:
        return lo, hi
    return lo * BUCKET_MS, (hi + 1) * BUCKET_MS - 1


@dataclass(slots=True)
class Piece:
    """Requests of one source and model close together in time: a quarter-hour's, or a single request's."""

    bucket: int
    first_ms: int
    last_ms: int
    source: str
    model: str
    requests: int
    tokens: tuple[int, int, int, int, int, int]
    cost_pusd: int
    unpriced: int


def _pieces(ledger: Ledger, sql: str, args: list) -> list[Piece]:
    records = ledger.conn.execute(sql, args).fetchall()
    names = ledger.names(i for r in records for i in (r[3], r[4]))
    return [
        Piece(
            r[0],
            r[1],
            r[2],
            names[r[3]],
            names[r[4]],
            r[5],
            tuple(r[6:12]),
            (r[12] or 0) * MICRO + (r[13] or 0),
            r[14] or 0,
        )
        for r in records
    ]


def timeline(ledger: Ledger, f: EventFilter, mode: str) -> list[Piece]:
    """The selection in time order, a piece per quarter-hour, source and model (per request when the
    filter's bounds are not on quarter-hours), each with the instants of its first and last request."""
    if not f.on_buckets:
        return requests_between(ledger, f, mode, None, None)
    t = _Table.of("rollup_session", mode)
    where, args = _where(f, "bucket", BUCKET_MS)
    sql = (f"SELECT bucket, MIN(first_ts), MAX(last_ts), source_id, model_id, {', '.join(t.sums)} "
           f"FROM rollup_session WHERE {where} GROUP BY 1, 4, 5 ORDER BY 1, 2")  # fmt: skip
    return _pieces(ledger, sql, args)


def requests_between(
    ledger: Ledger, f: EventFilter, mode: str, start_ms: int | None, end_ms: int | None
) -> list[Piece]:
    """Every selected request in [start_ms, end_ms) (None: unbounded) as its own piece, in time order."""
    where, args = _where(f, "ts", 1)
    for op, bound in ((">=", start_ms), ("<", end_ms)):
        if bound is not None:
            where += f" AND ts {op} ?"
            args.append(bound)
    cost = _entry_cost(mode)
    sql = (f"SELECT ts / {BUCKET_MS}, ts, ts, source_id, model_id, 1, {', '.join(TOKEN_COLUMNS)}, {cost} / {MICRO},"
           f" {cost} % {MICRO}, {cost} IS NULL FROM entries WHERE {where} ORDER BY ts, id")  # fmt: skip
    return _pieces(ledger, sql, args)


# -- what the ledger holds per source ----------------------------------------------------------------


def source_counts(ledger: Ledger) -> dict[str, tuple[int, int | None]]:
    """Per source: (events, newest event ms)."""
    conn = ledger.conn
    out = {}
    for source_id, value in conn.execute("SELECT id, value FROM dims WHERE kind = 'source'").fetchall():
        count, newest = conn.execute(
            "SELECT SUM(requests), MAX(bucket) FROM rollup_model WHERE source_id = ?", (source_id,)
        ).fetchone()
        if not count:
            continue
        last = conn.execute(
            "SELECT MAX(last_ts) FROM rollup_session WHERE bucket = ? AND source_id = ?", (newest, source_id)
        ).fetchone()[0]
        out[value] = (count, last)
    return out


def file_counts(ledger: Ledger) -> dict[str, tuple[int, int, int]]:
    """Per source: (files, skipped lines, last file sync ms)."""
    rows = ledger.conn.execute(
        "SELECT source, COUNT(*), SUM(skipped), MAX(synced_ms) FROM files GROUP BY source"
    )
    return {s: (n, skipped or 0, synced) for s, n, skipped, synced in rows}


def source_status(ledger: Ledger) -> dict[str, tuple[int, str, str]]:
    rows = ledger.conn.execute("SELECT source, synced_ms, roots, notices FROM source_status")
    return {s: (ms, roots, notices) for s, ms, roots, notices in rows}


def event_count(ledger: Ledger) -> int:
    return ledger.conn.execute("SELECT COALESCE(SUM(requests), 0) FROM rollup_model").fetchone()[0]


def event_details(ledger: Ledger, f: EventFilter, mode: str, limit: int | None) -> Iterator[tuple]:
    """The newest events (up to ``limit``), oldest first, with everything that explains their cost:
    (ts, source, model, provider, session_id, project, event_key, request_id, six token counts,
    cost (per ``mode``), cost_pusd, logged_cost_pusd, price_basis, file path)."""
    where, args = _where(f, "ts", 1, alias="e.")
    cols = ", ".join(f"e.{c}" for c in TOKEN_COLUMNS)
    sql = (
        f"SELECT e.ts, e.source_id, e.model_id, e.provider_id, e.session_id, e.project_id, e.event_key, e.request_id,"
        f" {cols}, {_entry_cost(mode, 'e.')}, e.cost_pusd, e.logged_cost_pusd, e.basis_id, files.path"
        f" FROM entries e LEFT JOIN files ON files.id = e.file_id WHERE {where}"
        " ORDER BY e.ts DESC, e.id DESC" + (" LIMIT ?" if limit else "")
    )
    records = ledger.conn.execute(sql, [*args, limit] if limit else args).fetchall()
    names = ledger.names(i for r in records for i in (r[1], r[2], r[3], r[4], r[5], r[17]))
    for r in reversed(records):
        yield (r[0], names[r[1]], names[r[2]], names.get(r[3]), names.get(r[4]), names.get(r[5]), *r[6:17],
               names.get(r[17]), r[18])  # fmt: skip
