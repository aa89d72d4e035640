"""Request by request: what each recorded event holds and why it costs what it costs.

The answer to "why is this number what it is": every request of a selection with its key, request id,
session, project, token counts, the cost the reports add up (per ``--mode``), the calculated and the
logged cost, the price entry and rule that produced the calculated one (``price_basis``), and the file it
was last read from.
"""

from __future__ import annotations

from tokledger.ledger import Ledger, queries
from tokledger.reports import Query
from tokledger.reports.format import iso, money_pusd

KEYS = (
    "timestamp", "source", "model", "provider", "session_id", "project", "key", "request_id", "input_tokens",
    "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens", "reasoning_tokens",
    "total_tokens", "cost_usd", "calculated_cost_usd", "logged_cost_usd", "price_basis", "file",
)  # fmt: skip


def event_list(ledger: Ledger, query: Query, limit: int | None = 100) -> list[dict]:
    """The newest ``limit`` events of the selection (all with None), oldest first, as dicts with :data:`KEYS`."""
    return [_as_dict(row) for row in queries.event_details(ledger, query.event_filter(), query.mode, limit)]


def request_list(ledger: Ledger, id: str, mode: str) -> list[dict]:
    """The request whose message id (the event key) or request id is ``id`` — one per source that has it —,
    as :func:`event_list` gives events."""
    from tokledger.ledger.guard import request_details

    return [_as_dict(row) for row in request_details(ledger, id, mode)]


def _as_dict(row: tuple) -> dict:
    (ts, source, model, provider, session, project, key, request_id, inp, outp, cw, cw1h, cr, rsn,
     cost, calculated, logged, basis, path) = row  # fmt: skip
    return {
        "timestamp": iso(ts), "source": source, "model": model,
        "provider": provider, "session_id": session, "project": project, "key": key, "request_id": request_id,
        "input_tokens": inp, "output_tokens": outp, "cache_write_tokens": cw, "cache_write_1h_tokens": cw1h,
        "cache_read_tokens": cr, "reasoning_tokens": rsn, "total_tokens": inp + outp + cw + cr,
        "cost_usd": money_pusd(cost), "calculated_cost_usd": money_pusd(calculated), "logged_cost_usd": money_pusd(logged),
        "price_basis": basis, "file": path,
    }  # fmt: skip
