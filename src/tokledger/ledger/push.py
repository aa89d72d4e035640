"""The SQL of ``push``: what a personal ledger has to send, and how far a team ledger has received it.

A personal ledger sends two streams, each in a fixed order so that a watermark says exactly what is done:

- its events by id (``entries.id`` only grows), from ``last_id`` on;
- its events changed after they were written (``entry_changes``: merged with a more complete copy, or
  re-priced), by revision and id, from ``(last_rev, rev_entry)`` on — only those already sent as new.

The team ledger keeps both watermarks per pushing ledger (``pushes``, keyed by the personal ledger's own
random id), updated in the same transaction as the events they cover: a push killed at any moment has
either written a batch and its watermark, or neither.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tokledger.ledger import _ENTRY_COLUMNS, EventRow, Ledger

_COLUMNS = ", ".join(f"e.{c}" for c in _ENTRY_COLUMNS)


@dataclass(frozen=True)
class PushState:
    host_id: int
    user_id: int
    last_id: int
    last_rev: int
    rev_entry: int


def ledger_uid(local: Ledger) -> str:
    """The personal ledger's own random id (made once), which names it in every team ledger it pushes to."""
    uid = local.get_state("push.uid")
    if uid is None:
        with local.transaction():
            uid = local.get_state("push.uid")
            if uid is None:
                uid = uuid.uuid4().hex
                local.set_state("push.uid", uid)
    return uid


def new_events(local: Ledger, after_id: int, limit: int) -> list[tuple[int, EventRow]]:
    """Events with ids above ``after_id``, in id order."""
    sql = f"SELECT {_COLUMNS} FROM entries e WHERE e.id > ? ORDER BY e.id LIMIT ?"
    return list(local._rows(local.conn.execute(sql, (after_id, limit)).fetchall()))


def changed_events(local: Ledger, state: PushState, limit: int) -> list[tuple[int, int, EventRow]]:
    """``(rev, id, row)`` of events changed after ``(last_rev, rev_entry)`` among those sent (ids up to
    ``last_id``), in (revision, id) order."""
    sql = (f"SELECT c.rev, {_COLUMNS} FROM entry_changes c JOIN entries e ON e.id = c.entry_id"
           " WHERE (c.rev > ? OR (c.rev = ? AND c.entry_id > ?)) AND c.entry_id <= ?"
           " ORDER BY c.rev, c.entry_id LIMIT ?")  # fmt: skip
    records = local.conn.execute(
        sql, (state.last_rev, state.last_rev, state.rev_entry, state.last_id, limit)
    ).fetchall()
    revs = [r[0] for r in records]
    return [
        (rev, row_id, row)
        for rev, (row_id, row) in zip(revs, local._rows([r[1:] for r in records]), strict=True)
    ]


def pending(local: Ledger, state: PushState | None) -> int:
    """How many events are still to send (new ones and changed ones)."""
    last_id, last_rev, rev_entry = (state.last_id, state.last_rev, state.rev_entry) if state else (0, 0, 0)
    new = local.conn.execute("SELECT COUNT(*) FROM entries WHERE id > ?", (last_id,)).fetchone()[0]
    changed = local.conn.execute(
        "SELECT COUNT(*) FROM entry_changes WHERE (rev > ? OR (rev = ? AND entry_id > ?)) AND entry_id <= ?",
        (last_rev, last_rev, rev_entry, last_id),
    ).fetchone()[0]
    return new + changed


def push_state(team: Ledger, uid: str) -> PushState | None:
    row = team.conn.execute(
        "SELECT host_id, user_id, last_id, last_rev, rev_entry FROM pushes WHERE uid = ?", (uid,)
    ).fetchone()
    return PushState(*row) if row else None


def save_push_state(team: Ledger, uid: str, state: PushState) -> None:
    """Record how far ``uid`` has pushed (inside the transaction that wrote those events)."""
    team.conn.execute(
        "INSERT INTO pushes (uid, host_id, user_id, last_id, last_rev, rev_entry, pushed_ms) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT (uid) DO UPDATE SET last_id = excluded.last_id, last_rev = excluded.last_rev,"
        " rev_entry = excluded.rev_entry, pushed_ms = excluded.pushed_ms",
        (
            uid,
            state.host_id,
            state.user_id,
            state.last_id,
            state.last_rev,
            state.rev_entry,
            int(time.time() * 1000),
        ),
    )


def name_of(team: Ledger, dim_id: int) -> str | None:
    row = team.conn.execute("SELECT value FROM dims WHERE id = ?", (dim_id,)).fetchone()
    return row[0] if row else None


def stored_by_source(
    team: Ledger, host_id: int, rows: Sequence[EventRow]
) -> dict[tuple[str, str], tuple[int, EventRow]]:
    """The team ledger's copies of these events of one host, by (source, key)."""
    keys: dict[str, list[str]] = {}
    for row in rows:
        keys.setdefault(row.source, []).append(row.key)
    found: dict[tuple[str, str], tuple[int, EventRow]] = {}
    for source, wanted in keys.items():
        for key, pair in team.stored_events(source, wanted, host_id).items():
            found[(source, key)] = pair
    return found
