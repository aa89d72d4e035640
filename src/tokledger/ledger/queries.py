"""The SQL behind the reports: filtered, grouped sums, read from the rollups wherever they cover the question.

A report asks for sums grouped by one of ``day`` (the local day, from the zone's UTC offsets),
``session``, ``project``, ``branch``, ``host``, ``user`` or ``team`` (user and host) — or by nothing — and
by source and model, and optionally by host or user beside them. Each question is
answered from the smallest table that holds it exactly (see :mod:`tokledger.ledger.rollups`):

- ``rollup_total`` for lifetime totals, models, projects and branches without dates;
- ``rollup_session`` for sessions without dates;
- ``rollup_day`` for days, models and projects between local days of a zone whose days are kept;
- ``rollup_qh_model`` for days and models in any other zone, ``rollup_qh`` when a project, session or
  branch groups or filters too;
- the events themselves when a bound of the question does not fall on a quarter-hour (a zone whose offsets
  are not whole quarter-hours, or an instant bound), or for request-level detail.

A filter that names no source leaves out the billed sources (``billed_sources``: what the vendors billed,
see :mod:`tokledger.ledger.billed`), so the local logs' totals never include them.

So a report's time follows the rows it prints, not the length of the history. Costs come back as exact
integers whatever their size: every SQL sum adds micro-dollars and picodollars apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from tokledger.ledger import Ledger
from tokledger.ledger.dialect import SQLITE, Dialect
from tokledger.ledger.rollups import BUCKET_MS, MICRO, TOKEN_COLUMNS
from tokledger.ledger.zones import aligned, local_day_sql, period_sql

GROUPS = ("day", "session", "project", "branch", "host", "user", "team")
_EVERYWHERE = (None, "project", "host", "user", "team")  # groups every rollup table can answer
MODE_COLUMN = {"calculate": "calc", "logged": "logged", "auto": "auto"}


@dataclass(frozen=True)
class EventFilter:
    start_ms: int | None = None  # inclusive
    end_ms: int | None = None  # exclusive
    sources: tuple[str, ...] = ()
    """Exact names; none means every local source (billed usage is read only when named)."""
    models: tuple[str, ...] = ()  # substrings, case-insensitive
    projects: tuple[str, ...] = ()  # substrings, case-insensitive
    sessions: tuple[str, ...] = ()  # exact ids
    hosts: tuple[str, ...] = ()  # exact names
    users: tuple[str, ...] = ()  # exact names
    zone: str | None = None
    """The zone whose local days ``first_day``/``last_day`` are, when the bounds are their midnights."""
    first_day: int | None = None  # days since 1970-01-01, inclusive
    last_day: int | None = None  # inclusive

    @property
    def on_buckets(self) -> bool:
        return all(b is None or b % BUCKET_MS == 0 for b in (self.start_ms, self.end_ms))

    @property
    def whole_days(self) -> bool:
        """True when the bounds are local midnights of :attr:`zone` (or there are none)."""
        return (self.start_ms is None or self.first_day is not None) and (
            self.end_ms is None or self.last_day is not None
        )


def _entry_cost(mode: str, alias: str = "") -> str:
    a = alias
    return {"calc": f"{a}cost_pusd", "logged": f"{a}logged_cost_pusd",
            "auto": f"COALESCE({a}logged_cost_pusd, {a}cost_pusd)"}[MODE_COLUMN[mode]]  # fmt: skip


def _name_ids(kind: str, column: str, values: Sequence[str], *, exact: bool, d: Dialect) -> tuple[str, list]:
    if exact:
        match = f"value IN ({', '.join('?' * len(values))})"
        args = list(values)
    else:
        match = "(" + " OR ".join(d.contains("lower(value)", "?") for _ in values) + ")"
        args = [v.lower() for v in values]
    return f"{column} IN (SELECT id FROM dims WHERE kind = '{kind}' AND {match})", args


def _billed(ledger: Ledger, f: EventFilter) -> tuple[int, ...]:
    """The source ids a filter leaves out: the billed sources, unless it names its sources."""
    return () if f.sources else ledger.billed_sources()


def _where(f: EventFilter, time: str, scale: int, alias: str = "", days: bool = False,
           d: Dialect = SQLITE, billed: tuple[int, ...] = ()) -> tuple[str, list]:  # fmt: skip
    """WHERE clause and arguments. ``time`` is the column of instants, in units of ``scale`` ms ("" for a
    table without one); with ``days`` the bounds are the filter's local days, against a ``day`` column;
    ``billed``: source ids to leave out (:func:`_billed`)."""
    clauses, args = ["1 = 1"], []
    if days:
        for op, value in ((">=", f.first_day), ("<=", f.last_day)):
            if value is not None:
                clauses.append(f"{alias}day {op} ?")
                args.append(value)
    elif time:
        for op, value in ((">=", f.start_ms), ("<", f.end_ms)):
            if value is not None:
                clauses.append(f"{alias}{time} {op} ?")
                args.append(-(-value // scale))
    if billed:  # what the vendors billed is never added to what the logs here say
        clauses.append(f"{alias}source_id NOT IN ({', '.join('?' * len(billed))})")
        args += billed
    for kind, column, values, exact in (
        ("source", "source_id", f.sources, True),
        ("model", "model_id", f.models, False),
        ("project", "project_id", f.projects, False),
        ("session", "session_id", f.sessions, True),
        ("host", "host_id", f.hosts, True),
        ("user", "user_id", f.users, True),
    ):
        if values:
            clause, more = _name_ids(kind, alias + column, values, exact=exact, d=d)
            clauses.append(clause)
            args += more
    return " AND ".join(clauses), args


@dataclass(frozen=True)
class _Table:
    name: str
    column: str  # the column of instants ("" for none)
    scale: int  # what one unit of that column is, in ms
    sums: tuple[str, ...]  # requests, six tokens, cost hi, cost lo, unpriced (for a mode)
    first: str = "NULL"
    last: str = "NULL"
    zone_id: int | None = None  # rollup_day: the zone its days are in
    d: Dialect = SQLITE

    @classmethod
    def of(cls, name: str, mode: str, zone_id: int | None = None, d: Dialect = SQLITE) -> _Table:
        if name == "entries":
            cost = _entry_cost(mode)
            sums = ("COUNT(*)", *(f"SUM({c})" for c in TOKEN_COLUMNS), f"SUM({cost} / {MICRO})",
                    f"SUM({cost} % {MICRO})", d.count_null(cost))  # fmt: skip
            return cls("entries", "ts", 1, sums, "MIN(ts)", "MAX(ts)", d=d)
        m = MODE_COLUMN[mode]
        sums = ("SUM(requests)", *(f"SUM({c})" for c in TOKEN_COLUMNS), f"SUM({m}_hi)", f"SUM({m}_lo)",
                f"SUM({m}_unpriced)")  # fmt: skip
        spans = (
            ("MIN(first_ts)", "MAX(last_ts)") if name in ("rollup_qh", "rollup_session") else ("NULL", "NULL")
        )
        time = ("bucket", BUCKET_MS) if name in ("rollup_qh", "rollup_qh_model") else ("", 0)
        return cls(name, *time, sums, *spans, zone_id=zone_id, d=d)

    @property
    def time(self) -> str:
        """The SQL of an instant in ms."""
        return "ts" if self.name == "entries" else f"bucket * {BUCKET_MS}"

    def where(self, ledger: Ledger, f: EventFilter) -> tuple[str, list]:
        where, args = _where(
            f, self.column, self.scale, days=self.name == "rollup_day", d=self.d, billed=_billed(ledger, f)
        )
        if self.zone_id is not None:
            where += " AND zone_id = ?"
            args.append(self.zone_id)
        return where, args


def _table(ledger: Ledger, f: EventFilter, group: str | None, mode: str) -> _Table:
    """The smallest table that answers the question exactly."""
    d = ledger.dialect
    undated = f.start_ms is None and f.end_ms is None
    if undated and group in (*_EVERYWHERE, "branch") and not f.sessions:
        return _Table.of("rollup_total", mode, d=d)
    if undated and group in (*_EVERYWHERE, "session"):
        return _Table.of("rollup_session", mode, d=d)
    if group in (*_EVERYWHERE, "day") and not f.sessions and f.whole_days and f.zone:
        zone_id = ledger.zone_id(f.zone)
        if zone_id is not None:
            return _Table.of("rollup_day", mode, zone_id, d=d)
    if not f.on_buckets:
        return _Table.of("entries", mode, d=d)
    if group in ("session", "project", "branch") or f.projects or f.sessions:
        return _Table.of("rollup_qh", mode, d=d)
    return _Table.of("rollup_qh_model", mode, d=d)


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
    part: str | None = None
    """With ``by``: the host or user name."""


_GROUP_COLUMN = {"session": "session_id", "project": "project_id", "branch": "branch_id", "host": "host_id",
                 "user": "user_id"}  # fmt: skip


def usage(ledger: Ledger, f: EventFilter, group: str | None, mode: str,
          spans: Callable[[], Sequence[tuple[int, int]]] | None = None,
          period: tuple[str, int] | None = None, per_model: bool = True, by: str | None = None) -> list[Group]:  # fmt: skip
    """Sums per (``group``, source, model) — or per ``group`` alone without ``per_model`` (source and model
    then None). ``group`` "day" gives local day numbers of the filter's zone and needs ``spans``: a function
    giving the zone's offsets over the selection (asked only when needed); with ``period``
    ``("week", start_of_week)`` the value is the week's first day, with ``("month", 0)`` it is
    ``year * 100 + month``. ``group`` "team" gives ``(user, host)`` pairs. With ``by`` ("host" or "user")
    the sums are split by that too (:attr:`Group.part`)."""
    d = ledger.dialect
    t = _table(ledger, f, group, mode)
    keys: list[str] = []
    key_args: list[int] = []
    source = t.name
    if group == "day":
        if t.name == "rollup_day":
            day = "r.day"
        else:
            zone_spans = spans()
            if not aligned(zone_spans):
                t = _Table.of("entries", mode, d=d)
                source = t.name
            day, key_args = local_day_sql(zone_spans, t.time)
        if period is not None:
            source = f"(SELECT {day} AS day_number, * FROM {t.name} r WHERE {{where}})"
            day = "r.day_number"
        keys.append(period_sql(day, *period, d=d) if period else day)
    elif group == "team":
        keys += ["r.user_id", "r.host_id"]
    elif group is not None:
        column = _GROUP_COLUMN[group]
        keys.append(f"COALESCE(r.{column}, 0)" if t.name == "entries" else f"r.{column}")
    if by is not None:
        keys.append(f"r.{_GROUP_COLUMN[by]}")
    where, args = t.where(ledger, f)
    join = ""
    project = "NULL"
    if group == "session":
        join = "LEFT JOIN dims pd ON pd.id = r.project_id"
        project = "MAX(pd.value)"
    parts = ["r.source_id", "r.model_id"] if per_model else ["0", "0"]
    select = ", ".join([*keys, *parts, *t.sums, t.first, t.last, project])
    group_by = ", ".join(str(i + 1) for i in range(len(keys) + (2 if per_model else 0)))
    if source != t.name:  # the period of a local day: its day number comes from a derived table
        sql = f"SELECT {select} FROM {source.format(where=where)} r {join} GROUP BY {group_by}"
    else:
        sql = f"SELECT {select} FROM {t.name} r {join} WHERE {where} GROUP BY {group_by}"
    records = ledger.conn.execute(sql, [*key_args, *args]).fetchall()
    n = len(keys)
    first_id = 1 if group == "day" else 0
    names = ledger.names(i for r in records for i in r[first_id : n + 2])
    out = []
    for r in records:
        if group == "day":
            value = r[0]
        elif group == "team":
            value = (names.get(r[0]), names.get(r[1]))
        else:
            value = names.get(r[0]) if group is not None else None
        s = r[n + 2 : n + 12]
        out.append(Group(value, names.get(r[n]), names.get(r[n + 1]), s[0], tuple(s[1:7]),
                         (s[7] or 0) * MICRO + (s[8] or 0), s[9] or 0, r[n + 12], r[n + 13], r[n + 14],
                         names.get(r[n - 1]) if by else None))  # fmt: skip
    return out


def session_counts(ledger: Ledger, f: EventFilter) -> dict[tuple[str, str], int]:
    """Distinct sessions of the selection per (user, host)."""
    undated = f.start_ms is None and f.end_ms is None
    name = "rollup_session" if undated else "rollup_qh" if f.on_buckets else "entries"
    t = _Table.of(name, "auto", d=ledger.dialect)
    where, args = t.where(ledger, f)
    records = ledger.conn.execute(
        f"SELECT user_id, host_id, COUNT(DISTINCT session_id) FROM {name} WHERE {where} AND session_id != 0"
        " GROUP BY 1, 2", args,
    ).fetchall()  # fmt: skip
    names = ledger.names(i for r in records for i in r[:2])
    return {(names.get(u), names.get(h)): n for u, h, n in records}


def names_of(ledger: Ledger, kind: str) -> list[str]:
    """The hosts (``kind`` "host") or users the ledger holds events of, sorted."""
    column = _GROUP_COLUMN[kind]
    ids = [i for (i,) in ledger.conn.execute(f"SELECT DISTINCT {column} FROM rollup_total")]
    names = ledger.names(ids)
    return sorted(names[i] for i in ids if i in names)


def unpriced_models(ledger: Ledger, f: EventFilter, mode: str) -> list[str]:
    """The models of the selection with at least one request without a cost (in ``mode``)."""
    t = _table(ledger, f, None, mode)
    where, args = t.where(ledger, f)
    missing = f"{_entry_cost(mode)} IS NULL" if t.name == "entries" else f"{MODE_COLUMN[mode]}_unpriced > 0"
    ids = [
        i
        for (i,) in ledger.conn.execute(
            f"SELECT DISTINCT model_id FROM {t.name} WHERE {where} AND {missing}", args
        )
    ]
    names = ledger.names(ids)
    return sorted(names[i] for i in ids)


def time_range(ledger: Ledger, f: EventFilter) -> tuple[int | None, int | None]:
    """Bounds (ms) within which every selected event lies: exact on the events, to the quarter-hour otherwise."""
    name = "rollup_qh" if f.projects or f.sessions else "rollup_qh_model"
    t = _Table.of(name if f.on_buckets else "entries", "auto", d=ledger.dialect)
    where, args = t.where(ledger, f)
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
    if f.projects or f.sessions:
        t = _Table.of("rollup_qh", mode, d=ledger.dialect)
        where, args = t.where(ledger, f)
        sql = (f"SELECT bucket, MIN(first_ts), MAX(last_ts), source_id, model_id, {', '.join(t.sums)} "
               f"FROM rollup_qh WHERE {where} GROUP BY 1, 4, 5 ORDER BY 1, 2")  # fmt: skip
        return _pieces(ledger, sql, args)
    where, args = _Table.of("rollup_qh_model", mode, d=ledger.dialect).where(ledger, f)
    m = MODE_COLUMN[mode]
    sql = (f"SELECT bucket, first_ts, last_ts, source_id, model_id, requests, {', '.join(TOKEN_COLUMNS)},"
           f" {m}_hi, {m}_lo, {m}_unpriced FROM rollup_qh_model WHERE {where} ORDER BY 1")  # fmt: skip
    return _pieces(ledger, sql, args)


def requests_between(
    ledger: Ledger, f: EventFilter, mode: str, start_ms: int | None, end_ms: int | None
) -> list[Piece]:
    """Every selected request in [start_ms, end_ms) (None: unbounded) as its own piece, in time order."""
    where, args = _where(f, "ts", 1, d=ledger.dialect, billed=_billed(ledger, f))
    for op, bound in ((">=", start_ms), ("<", end_ms)):
        if bound is not None:
            where += f" AND ts {op} ?"
            args.append(bound)
    cost = _entry_cost(mode)
    sql = (f"SELECT ts / {BUCKET_MS}, ts, ts, source_id, model_id, 1, {', '.join(TOKEN_COLUMNS)}, {cost} / {MICRO},"
           f" {cost} % {MICRO}, {ledger.dialect.as_int(f'{cost} IS NULL')} FROM entries WHERE {where}"
           " ORDER BY ts, id")  # fmt: skip
    return _pieces(ledger, sql, args)


# -- what the ledger holds per source ----------------------------------------------------------------


def source_counts(ledger: Ledger) -> dict[str, tuple[int, int | None]]:
    """Per source: (events, newest event ms)."""
    conn = ledger.conn
    counts = conn.execute("SELECT source_id, SUM(requests) FROM rollup_total GROUP BY source_id").fetchall()
    names = ledger.names(source_id for source_id, _ in counts)
    out = {}
    for source_id, count in counts:
        if not count:
            continue
        newest = conn.execute(
            "SELECT MAX(bucket) FROM rollup_qh_model WHERE source_id = ?", (source_id,)
        ).fetchone()[0]
        last = conn.execute(
            "SELECT MAX(last_ts) FROM rollup_qh WHERE bucket = ? AND source_id = ?", (newest, source_id)
        ).fetchone()[0]
        out[names[source_id]] = (count, last)
    return out


def file_counts(ledger: Ledger) -> dict[str, tuple[int, int, int]]:
    """Per source: (files, skipped lines, last file sync ms) of this host."""
    rows = ledger.conn.execute(
        "SELECT source, COUNT(*), SUM(skipped), MAX(synced_ms) FROM files WHERE host_id = ? GROUP BY source",
        (ledger.host_id(),),
    )
    return {s: (n, skipped or 0, synced) for s, n, skipped, synced in rows}


def skip_reasons(ledger: Ledger) -> dict[str, dict[str, int]]:
    """Per source: why this host's files' skipped records were skipped, reason → count."""
    out: dict[str, dict[str, int]] = {}
    rows = ledger.conn.execute(
        "SELECT source, skip_reasons FROM files WHERE host_id = ? AND skipped > 0", (ledger.host_id(),)
    )
    for source, text in rows:
        try:
            reasons = json.loads(text or "{}")
        except ValueError:
            continue
        if not isinstance(reasons, dict):
            continue
        counts = out.setdefault(source, {})
        for why, n in reasons.items():
            if isinstance(n, int):
                counts[why] = counts.get(why, 0) + n
    return out


def source_status(ledger: Ledger) -> dict[str, tuple[int, str, str]]:
    """Per source: the last sync of this host (ms, JSON roots, JSON notices)."""
    rows = ledger.conn.execute(
        "SELECT source, synced_ms, roots, notices FROM source_status WHERE host_id = ?", (ledger.host_id(),)
    )
    return {s: (ms, roots, notices) for s, ms, roots, notices in rows}


def event_details(ledger: Ledger, f: EventFilter, mode: str, limit: int | None) -> Iterator[tuple]:
    """The newest events (up to ``limit``), oldest first, with everything that explains their cost:
    (ts, source, model, provider, session_id, project, event_key, request_id, six token counts,
    cost (per ``mode``), cost_pusd, logged_cost_pusd, price_basis, file path)."""
    where, args = _where(f, "ts", 1, alias="e.", d=ledger.dialect, billed=_billed(ledger, f))
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


def long_context_requests(ledger: Ledger, f: EventFilter, mode: str) -> int:
    """How many requests of the selection cost (in ``mode``) what a long-context tier made them: their
    price basis names one, and no logged cost stands in for the calculated one."""
    ids = [i for (i,) in ledger.conn.execute(
        "SELECT id FROM dims WHERE kind = 'basis' AND instr(value, 'long context') > 0")]  # fmt: skip
    if not ids or mode == "logged":
        return 0
    where, args = _where(f, "ts", 1)
    calculated = " AND logged_cost_pusd IS NULL" if mode == "auto" else ""
    sql = f"SELECT COUNT(*) FROM entries WHERE basis_id IN ({', '.join('?' * len(ids))}){calculated} AND {where}"
    return ledger.conn.execute(sql, [*ids, *args]).fetchone()[0]
