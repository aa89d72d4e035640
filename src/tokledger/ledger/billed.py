"""What the vendors billed: provider records kept beside the events, and the sums behind the billed view.

A provider record (one vendor bucket) is a row of ``billed``: its bucket (start and width), the vendor report
it came from, its grouping dimensions, the vendor's figures and request count, and ``counts`` — which of its
figures add up to the bill (:data:`TOKENS`, :data:`COST`, both, or neither for context). What the rollups sum
follows from ``counts``:

- a record that counts tokens is also an event of its provider's source in ``entries``: its tokens, the cost
  calculated at ingest like any event's, and — where the record counts cost too (Cursor's) — the vendor's
  cost as the logged cost. ``--source anthropic_api`` reports these like any source's events (a "request"
  there is one vendor bucket);
- a record that does not count tokens — a cost line (Anthropic's cost report, OpenAI's costs) or context
  (Claude Code analytics, Cursor events a plan covers) — is not an event: it lives in ``billed`` alone, so no
  report adds a cost line's dollars to the price of the same tokens, or context to the bill.

The providers' sources are listed in ``billed_sources`` from the start (migration 4; any other source given
billed records joins them); a report that names no source leaves those out (see
:mod:`tokledger.ledger.queries`), so totals of the local logs never include what the vendors billed.

Writing replaces: a record read again (vendors fill their latest buckets late) overwrites what its key held,
and its event is added, replaced or removed to match, in one transaction with the rollups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from tokledger.ledger import EventRow, Ledger
from tokledger.ledger.rollups import MICRO

TOKENS = 1
COST = 2
DAY_MS = 86_400_000
_COLUMNS = (
    "source_id", "event_key", "ts", "bucket_seconds", "report", "counts", "model_id", "provider_id", "project_id",
    "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "reasoning_tokens", "cost_pusd", "requests", "dims",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO billed ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (source_id, event_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[2:])
)
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, str]).decode


class BilledRow(msgspec.Struct, frozen=True):
    """One provider record as the ledger keeps it; money in picodollars, the instant in UTC milliseconds."""

    source: str
    key: str
    ts: int
    bucket_seconds: int
    report: str
    counts: int
    model: str
    provider: str | None
    project: str | None
    tokens: tuple[int, int, int, int, int, int]
    """input, output, cache write, cache write 1h, cache read, reasoning."""
    cost_pusd: int | None
    requests: int | None
    dims: dict[str, str]


def write(ledger: Ledger, records: Sequence[tuple[BilledRow, EventRow | None]]) -> None:
    """Store records, each replacing what its (source, key) held, with the event of each one that counts
    tokens (None for one that does not); one transaction."""
    latest: dict[tuple[str, str], tuple[BilledRow, EventRow | None]] = {}
    for row, event in records:
        latest[(row.source, row.key)] = (row, event)
    by_source: dict[str, list[tuple[BilledRow, EventRow | None]]] = {}
    for (source, _), pair in latest.items():
        by_source.setdefault(source, []).append(pair)
    with ledger.transaction() as conn:
        for source, pairs in by_source.items():
            source_id = ledger._id("source", source)
            if source_id not in ledger.billed_sources():
                conn.execute(
                    "INSERT INTO billed_sources (source_id) VALUES (?) ON CONFLICT DO NOTHING", (source_id,)
                )
                ledger._billed = None
            stored = ledger.stored_events(source, [row.key for row, _ in pairs])
            new, replaced, removed = [], [], []
            for row, event in pairs:
                found = stored.get(row.key)
                if event is None:
                    if found is not None:
                        removed.append(found)
                elif found is None:
                    new.append(event)
                elif found[1] != event:
                    replaced.append((found[0], found[1], event))
            ledger.add_events(new, None)
            ledger.replace_events(replaced, None)
            ledger.remove_events(removed)
            conn.executemany(_UPSERT, [_values(ledger, source_id, row) for row, _ in pairs])


def _values(ledger: Ledger, source_id: int, row: BilledRow) -> tuple:
    return (source_id, row.key, row.ts, row.bucket_seconds, row.report, row.counts, ledger._id("model", row.model),
            ledger._id("provider", row.provider), ledger._id("project", row.project), *row.tokens, row.cost_pusd,
            row.requests, _encode(row.dims).decode())  # fmt: skip


def _source_clause(sources: Sequence[str], alias: str = "") -> tuple[str, list]:
    if not sources:
        return "1 = 1", []
    marks = ", ".join("?" * len(sources))
    return f"{alias}source_id IN (SELECT id FROM dims WHERE kind = 'source' AND value IN ({marks}))", list(
        sources
    )


def _bounds(start_ms: int | None, end_ms: int | None, alias: str = "") -> tuple[str, list]:
    clauses, args = [], []
    for op, value in ((">=", start_ms), ("<", end_ms)):
        if value is not None:
            clauses.append(f"{alias}ts {op} ?")
            args.append(value)
    return " AND ".join(clauses) or "1 = 1", args


def records(ledger: Ledger, sources: Sequence[str] = (), start_ms: int | None = None,
            end_ms: int | None = None) -> list[BilledRow]:  # fmt: skip
    """The stored records of these sources (every billed source when none) whose bucket starts in
    [start_ms, end_ms), oldest first."""
    which, args = _source_clause(sources)
    when, more = _bounds(start_ms, end_ms)
    rows = ledger.conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM billed WHERE {which} AND {when} ORDER BY ts, id", [*args, *more]
    ).fetchall()
    names = ledger.names(i for r in rows for i in (r[0], r[6], r[7], r[8]))
    out = []
    for r in rows:
        out.append(BilledRow(names[r[0]], r[1], r[2], r[3], r[4], r[5], names[r[6]], names.get(r[7]),
                             names.get(r[8]), tuple(r[9:15]), r[15], r[16], _decode(r[17])))  # fmt: skip
    return out


@dataclass(slots=True)
class DaySum:
    """One source, UTC day and model of the billed records: the tokens that count, the vendor's requests,
    the vendor's cost (None without a cost record) and tokledger's price of the counted tokens."""

    source: str
    day: int  # days since 1970-01-01, UTC
    model: str
    tokens: tuple[int, int, int, int, int, int]
    requests: int
    records: int
    cost_records: int
    billed_pusd: int | None
    estimate_pusd: int
    unpriced: int  # records counting tokens that have no calculated price


def day_sums(ledger: Ledger, sources: Sequence[str] = (), start_ms: int | None = None,
             end_ms: int | None = None) -> list[DaySum]:  # fmt: skip
    """Per source, UTC day and model: the sums the billed view is built from (see :class:`DaySum`)."""
    which, args = _source_clause(sources, "b.")
    when, more = _bounds(start_ms, end_ms, "b.")
    token = f"(b.counts & {TOKENS}) != 0"  # compared, not used as a truth value: PostgreSQL wants booleans
    cost = f"(b.counts & {COST}) != 0"
    sql = (
        f"SELECT b.source_id, b.ts / {DAY_MS}, b.model_id, "
        + ", ".join(f"SUM(CASE WHEN {token} THEN b.{c} ELSE 0 END)" for c in _COLUMNS[9:15])
        + f", SUM(CASE WHEN {token} THEN COALESCE(b.requests, 0) ELSE 0 END), COUNT(*), SUM(CASE WHEN {cost} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {cost} THEN b.cost_pusd / {MICRO} END), SUM(CASE WHEN {cost} THEN b.cost_pusd % {MICRO} END),"
        f" SUM(CASE WHEN {token} THEN e.cost_pusd / {MICRO} END), SUM(CASE WHEN {token} THEN e.cost_pusd % {MICRO} END),"
        f" SUM(CASE WHEN {token} AND e.cost_pusd IS NULL THEN 1 ELSE 0 END)"
        " FROM billed b LEFT JOIN entries e ON e.source_id = b.source_id AND e.event_key = b.event_key"
        f" WHERE {which} AND {when} GROUP BY 1, 2, 3 ORDER BY 2, 1, 3"
    )
    rows = ledger.conn.execute(sql, [*args, *more]).fetchall()
    names = ledger.names(i for r in rows for i in (r[0], r[2]))
    out = []
    for r in rows:
        billed = (r[12] or 0) * MICRO + (r[13] or 0) if r[11] else None
        out.append(DaySum(names[r[0]], r[1], names[r[2]], tuple(r[3:9]), r[9], r[10], r[11], billed,
                          (r[14] or 0) * MICRO + (r[15] or 0), r[16] or 0))  # fmt: skip
    return out


def summary(ledger: Ledger) -> dict[str, tuple[int, int | None]]:
    """Per billed source: (records, the newest bucket's start in ms)."""
    rows = ledger.conn.execute(
        "SELECT source_id, COUNT(*), MAX(ts) FROM billed GROUP BY source_id"
    ).fetchall()
    names = ledger.names(r[0] for r in rows)
    return {names[source_id]: (count, newest) for source_id, count, newest in rows}
