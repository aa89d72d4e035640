"""What guarding the spend asks of the ledger: budget sums from the rollups, the alert claims, the plan's
rate limits as Claude Code reports them, notices left by hooks, and single requests looked up by id.

Budget sums never read the events. Bounds that are local midnights of a zone whose days the ledger keeps
read ``rollup_day``; other bounds on UTC quarter-hours read ``rollup_qh_model`` (``rollup_qh`` when a
project or a session is asked for); no bounds read ``rollup_total`` (``rollup_session`` for a session).
Only bounds off the quarter-hours — which no zone in use today produces — fall back to the events.
Projects arrive as ids the caller chose by matching its globs against :func:`project_names`, so no
pattern reaches SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from tokledger.ledger import Ledger
from tokledger.ledger.queries import MODE_COLUMN, _entry_cost
from tokledger.ledger.rollups import BUCKET_MS, MICRO, TOKEN_COLUMNS
from tokledger.ledger.zones import DAY_MS, offset_at

_TOTAL = "input_tokens + output_tokens + cache_write_tokens + cache_read_tokens"
NOTICES_KEY = "capture.notices"
NOTICES_KEPT = 20


def project_names(ledger: Ledger) -> list[tuple[int, str]]:
    """Every project the ledger knows, as (id, path)."""
    return ledger.conn.execute("SELECT id, value FROM dims WHERE kind = 'project'").fetchall()


def _name_id(ledger: Ledger, kind: str, value: str) -> int | None:
    row = ledger.conn.execute("SELECT id FROM dims WHERE kind = ? AND value = ?", (kind, value)).fetchone()
    return row[0] if row else None


def _day_bounds(ledger: Ledger, zone: str | None, start_ms: int | None, end_ms: int | None):
    """``(zone id, first day, day after)`` when the ledger keeps ``zone``'s days and every bound given is
    one of its local midnights; else None."""
    if zone is None or (zone_id := ledger.zone_id(zone)) is None:
        return None
    tz = ZoneInfo(zone)
    days = []
    for bound in (start_ms, end_ms):
        if bound is None:
            days.append(None)
            continue
        local = bound + offset_at(tz, bound)
        if local % DAY_MS:
            return None
        days.append(local // DAY_MS)
    return zone_id, *days


def usage_sums(ledger: Ledger, *, start_ms: int | None, end_ms: int | None, sources: Sequence[str] = (),
               project_ids: Sequence[int] | None = None, session: str | None = None, zone: str | None = None,
               mode: str = "auto") -> tuple[int, int, int, int]:  # fmt: skip
    """``(priced cost in picodollars, total tokens, requests, unpriced requests)`` of the events in
    [start_ms, end_ms) (None: open), of these sources, projects (ids; an empty list matches nothing) and
    session; costs in ``mode`` (auto | calculate | logged)."""
    clauses, args = [], []
    if sources:
        clauses.append(
            f"source_id IN (SELECT id FROM dims WHERE kind = 'source' AND value IN ({_marks(sources)}))"
        )
        args += sources
    if project_ids is not None:
        if not project_ids:
            return 0, 0, 0, 0
        clauses.append(f"project_id IN ({_marks(project_ids)})")
        args += project_ids
    if session is not None:
        session_id = _name_id(ledger, "session", session)
        if session_id is None:
            return 0, 0, 0, 0
        clauses.append("session_id = ?")
        args.append(session_id)
    m = MODE_COLUMN[mode]
    sums = f"SUM(requests), SUM({_TOTAL}), SUM({m}_hi), SUM({m}_lo), SUM({m}_unpriced)"
    days = None if session is not None else _day_bounds(ledger, zone, start_ms, end_ms)
    if start_ms is None and end_ms is None:
        table = "rollup_session" if session is not None else "rollup_total"
    elif days is not None:
        table = "rollup_day"
        zone_id, first, after = days
        clauses.append("zone_id = ?")
        args.append(zone_id)
        for op, day in ((">=", first), ("<", after)):
            if day is not None:
                clauses.append(f"day {op} ?")
                args.append(day)
    elif all(b is None or b % BUCKET_MS == 0 for b in (start_ms, end_ms)):
        table = "rollup_qh" if session is not None or project_ids is not None else "rollup_qh_model"
        for op, bound in ((">=", start_ms), ("<", end_ms)):
            if bound is not None:
                clauses.append(f"bucket {op} ?")
                args.append(bound // BUCKET_MS)
    else:
        table = "entries"
        cost = _entry_cost(mode)
        sums = (f"COUNT(*), SUM({_TOTAL}), SUM({cost} / {MICRO}), SUM({cost} % {MICRO}), "
                f"{ledger.dialect.count_null(cost)}")  # fmt: skip
        for op, bound in ((">=", start_ms), ("<", end_ms)):
            if bound is not None:
                clauses.append(f"ts {op} ?")
                args.append(bound)
    where = " AND ".join(clauses) or "1 = 1"
    row = ledger.conn.execute(f"SELECT {sums} FROM {table} WHERE {where}", args).fetchone()
    requests, tokens, hi, lo, unpriced = (v or 0 for v in row)
    return hi * MICRO + lo, tokens, requests, unpriced


def sessions_between(ledger: Ledger, start_ms: int, end_ms: int | None) -> list[str]:
    """The ids of the sessions with usage in the quarter-hours from ``start_ms`` up to ``end_ms``."""
    sql = "SELECT DISTINCT session_id FROM rollup_qh WHERE bucket >= ? AND session_id != 0"
    args = [start_ms // BUCKET_MS]
    if end_ms is not None:
        sql += " AND bucket < ?"
        args.append(-(-end_ms // BUCKET_MS))
    ids = [i for (i,) in ledger.conn.execute(sql, args)]
    names = ledger.names(ids)
    return sorted(names[i] for i in ids)


def _marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))


# -- alerts ------------------------------------------------------------------------------------------


def claim(ledger: Ledger, key: str, now_ms: int) -> bool:
    """Record ``key`` under the write lock; True only for the one caller (of any process) that did first."""
    with ledger.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO alerts (key, claimed_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, now_ms)
        )
        won = cursor.rowcount == 1
    return won


def claimed(ledger: Ledger) -> list[str]:
    return [key for (key,) in ledger.conn.execute("SELECT key FROM alerts ORDER BY key")]


# -- the plan's rate limits ----------------------------------------------------------------------------

RateRow = tuple[str, float, int | None, int, str | None]
"""(window, used percent, resets ms or None, observed ms, session)."""


def keep_rate_limits(ledger: Ledger, rows: Iterable[RateRow], *, fresh_ms: int = 300_000) -> None:
    """Store each window's figures; a window already stored with the same figures less than ``fresh_ms``
    before is left alone, so a status line run after every message seldom takes the write lock."""
    changed = []
    for kind, used, resets, observed, session in rows:
        stored = ledger.conn.execute(
            "SELECT used_percent, observed_ms FROM rate_limits WHERE kind = ? AND resets_ms = ?",
            (kind, resets or 0),
        ).fetchone()
        if stored is None or stored[0] != used or observed - stored[1] >= fresh_ms:
            changed.append((kind, resets or 0, used, observed, session))
    if not changed:
        return
    with ledger.transaction() as conn:
        conn.executemany(
            "INSERT INTO rate_limits (kind, resets_ms, used_percent, observed_ms, session) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, resets_ms) DO UPDATE SET used_percent = excluded.used_percent,"
            " observed_ms = excluded.observed_ms, session = excluded.session"
            " WHERE excluded.observed_ms >= rate_limits.observed_ms",
            changed,
        )


def latest_rate_limits(ledger: Ledger) -> list[RateRow]:
    """The newest figures of each window, one row per window."""
    rows = ledger.conn.execute(
        "SELECT kind, used_percent, resets_ms, observed_ms, session FROM rate_limits r"
        " WHERE observed_ms = (SELECT MAX(observed_ms) FROM rate_limits WHERE kind = r.kind) ORDER BY kind"
    ).fetchall()
    seen: dict[str, RateRow] = {}
    for kind, used, resets, observed, session in rows:
        seen.setdefault(kind, (kind, used, resets or None, observed, session))
    return list(seen.values())


# -- notices -----------------------------------------------------------------------------------------


def add_notice(ledger: Ledger, text: str, now_ms: int) -> None:
    """Keep one line (the newest :data:`NOTICES_KEPT` are kept) where ``tokledger sources`` shows it."""
    with ledger.transaction():
        kept = json.loads(ledger.get_state(NOTICES_KEY) or "[]")
        kept = [*kept, [now_ms, text[:500]]][-NOTICES_KEPT:]
        ledger.set_state(NOTICES_KEY, json.dumps(kept))


def notices(ledger: Ledger, since_ms: int) -> list[tuple[int, str]]:
    """The kept notices from ``since_ms`` on, oldest first."""
    return [(ms, text) for ms, text in json.loads(ledger.get_state(NOTICES_KEY) or "[]") if ms >= since_ms]


# -- one request by id ---------------------------------------------------------------------------------


def request_details(ledger: Ledger, id: str, mode: str) -> list[tuple]:
    """The events whose key (a message id: found through the key index) or request id is ``id``, with the
    columns of :func:`tokledger.ledger.queries.event_details`."""
    cols = ", ".join(f"e.{c}" for c in TOKEN_COLUMNS)
    cost = _entry_cost(mode, "e.")
    select = (
        f"SELECT e.ts, e.source_id, e.model_id, e.provider_id, e.session_id, e.project_id, e.event_key, e.request_id,"
        f" {cols}, {cost}, e.cost_pusd, e.logged_cost_pusd, e.basis_id, files.path"
        " FROM entries e LEFT JOIN files ON files.id = e.file_id"
    )
    by_key = (f"{select} WHERE e.source_id IN (SELECT id FROM dims WHERE kind = 'source') AND e.event_key = ?"
              " ORDER BY e.ts, e.id")  # fmt: skip
    records = ledger.conn.execute(by_key, (id,)).fetchall()
    if not records:
        records = ledger.conn.execute(
            f"{select} WHERE e.request_id = ? ORDER BY e.ts, e.id", (id,)
        ).fetchall()
    names = ledger.names(i for r in records for i in (r[1], r[2], r[3], r[4], r[5], r[17]))
    return [(r[0], names[r[1]], names[r[2]], names.get(r[3]), names.get(r[4]), names.get(r[5]), *r[6:17],
             names.get(r[17]), r[18]) for r in records]  # fmt: skip
