"""``push``: replicate a personal ledger's events into a team ledger — idempotent, resumable, exact.

Each batch is one transaction on the team ledger, holding its write lock: read how far this ledger has
pushed (:mod:`tokledger.ledger.push`), read the next events from the personal ledger, merge each into the
team's copy of the same request — keyed by host, source and event key — with the same "most complete
record" rule a sync uses (:func:`tokledger.events.merge`; a merged request that neither side holds as such
is priced again), write the rows and their rollups, and move the watermark. A push killed at any moment
leaves the last batch either wholly written with its watermark or not at all; pushing twice, or two
pushes at once, adds nothing twice. A laptop offline for a week sends exactly what it recorded since.

The team ledger knows a personal ledger by its own random id: the host and user of its first push stay
its names there. Renaming ``[team] host`` or ``user`` later renames the personal ledger's own names at once
(it stays one history), but a push under a name that differs from the team ledger's stops with a message:
rename the host there first (``docs/team.md``), so no history is ever counted under two names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tokledger.errors import LedgerError
from tokledger.events import merge
from tokledger.ledger import EventRow, Ledger
from tokledger.ledger import push as sql
from tokledger.ledger.pg import Pool, redact
from tokledger.pricing import Pricer
from tokledger.team import Team

DEFAULT_BATCH = 20_000


@dataclass
class PushReport:
    to: str
    host: str
    user: str
    sent: int = 0
    added: int = 0
    updated: int = 0
    batches: int = 0
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)


def _identity(team: Ledger, uid: str, who: Team, target: str) -> sql.PushState:
    state = sql.push_state(team, uid)
    if state is None:
        host_id, user_id = team.who()
        return sql.PushState(host_id, user_id, 0, 0, 0)
    for kind, dim_id, want in (("host", state.host_id, who.host), ("user", state.user_id, who.user)):
        have = sql.name_of(team, dim_id)
        if have != want:
            raise LedgerError(
                f"this ledger pushes to {target} as {kind} {have!r}, but [team] {kind} is now {want!r}: rename "
                f"the {kind} there first (UPDATE dims SET value = '{want}' WHERE kind = '{kind}' AND value = "
                f"'{have}'), or set [team] {kind} back; pushing under a new name would count its history twice"
            )
    return state


def _merged(pricer: Pricer, old: EventRow, new: EventRow) -> EventRow | None:
    """What the team ledger should hold instead of ``old`` (None: ``old`` is already as complete)."""
    old_event, new_event = old.event(), new.event()
    event = merge(old_event, new_event)
    if event == new_event:
        return None if new == old else new
    if event == old_event:
        return None
    priced = pricer.price(event)
    return EventRow.of(event, priced.cost_pusd, priced.basis)


def _write(
    team: Ledger, pricer: Pricer, state: sql.PushState, rows: list[EventRow], report: PushReport
) -> None:
    stored = sql.stored_by_source(team, state.host_id, rows)
    who = (state.host_id, state.user_id)
    new: list[EventRow] = []
    replaced: list[tuple[int, EventRow, EventRow]] = []
    for row in rows:
        found = stored.get((row.source, row.key))
        if found is None:
            new.append(row)
            continue
        row_id, old = found
        better = _merged(pricer, old, row)
        if better is not None:
            replaced.append((row_id, old, better))
    team.add_events(new, None, who)
    if replaced:
        team.replace_events(replaced, None, who)
    report.sent += len(rows)
    report.added += len(new)
    report.updated += len(replaced)


def _batch(team: Ledger, local: Ledger, uid: str, who: Team, pricer: Pricer, limit: int, target: str,
           report: PushReport) -> bool:  # fmt: skip
    """Push one batch in one team transaction; False when there was nothing left."""
    with team.transaction():
        state = _identity(team, uid, who, target)
        changed = sql.changed_events(local, state, limit)
        if changed:
            rev, entry, _ = changed[-1]
            _write(team, pricer, state, [row for _, _, row in changed], report)
            state = sql.PushState(state.host_id, state.user_id, state.last_id, rev, entry)
        else:
            fresh = sql.new_events(local, state.last_id, limit)
            if not fresh:
                return False
            _write(team, pricer, state, [row for _, row in fresh], report)
            state = sql.PushState(state.host_id, state.user_id, fresh[-1][0], state.last_rev, state.rev_entry)
        sql.save_push_state(team, uid, state)
    report.batches += 1
    return True


def push(local: Ledger, url: str, pool: Pool, who: Team, pricer: Pricer, *, batch: int = DEFAULT_BATCH,
         progress: Callable[[int], None] | None = None) -> PushReport:  # fmt: skip
    """Send everything the team ledger at ``url`` does not have yet from ``local``, batch by batch."""
    if local.dialect.postgres:
        raise LedgerError(
            "push sends a personal (SQLite) ledger to a team ledger; this ledger is already one"
        )
    started = time.perf_counter()
    target = redact(url)
    report = PushReport(target, who.host, who.user)
    uid = sql.ledger_uid(local)
    team = Ledger.open(url, host=who.host, user=who.user, pool=pool)
    try:
        while _batch(team, local, uid, who, pricer, batch, target, report):
            if progress is not None:
                progress(report.sent)
    finally:
        team.close()
    report.seconds = time.perf_counter() - started
    return report


def pending(local: Ledger, url: str, pool: Pool, who: Team) -> int:
    """How many events a push would send now."""
    team = Ledger.open(url, host=who.host, user=who.user, pool=pool)
    try:
        return sql.pending(local, sql.push_state(team, sql.ledger_uid(local)))
    finally:
        team.close()
