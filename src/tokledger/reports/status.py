"""Per-source status: where each source looks, what the ledger holds from it, and its last sync."""

from __future__ import annotations

import json

from tokledger.ledger import Ledger, ms_to_datetime, queries
from tokledger.sources import SOURCES


def _iso(ms: int | None) -> str | None:
    return ms_to_datetime(ms).isoformat().replace("+00:00", "Z") if ms else None


def source_status(ledger: Ledger) -> list[dict]:
    """One dict per registered source (found or not), in registry order.

    Keys: ``source``, ``title``, ``accuracy`` (exact | estimated | cost-only), ``paths`` (looked at in the
    last sync), ``found``, ``files``, ``events``, ``skipped_lines``, ``last_event``, ``last_sync`` (ISO UTC
    or null) and ``notices`` (one-line problems of the last sync).
    """
    conn = ledger.conn
    events, files, status = queries.source_counts(conn), queries.file_counts(conn), queries.source_status(conn)
    out = []
    for name, source in SOURCES.items():
        n_events, last_event = events.get(name, (0, None))
        n_files, skipped, _ = files.get(name, (0, 0, None))
        synced, roots, notices = status.get(name, (None, "[]", "[]"))
        out.append({
            "source": name, "title": source.title, "accuracy": source.accuracy, "paths": json.loads(roots),
            "found": n_files > 0 or n_events > 0, "files": n_files, "events": n_events, "skipped_lines": skipped,
            "last_event": _iso(last_event), "last_sync": _iso(synced), "notices": json.loads(notices),
        })  # fmt: skip
    return out
