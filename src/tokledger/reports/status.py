"""Per-source status: where each source looks, what the ledger holds from it, and its last sync."""

from __future__ import annotations

import json

from tokledger.ledger import Ledger, queries
from tokledger.reports.format import iso
from tokledger.sources import SOURCES


def source_status(ledger: Ledger) -> list[dict]:
    """One dict per registered source (found or not), in registry order.

    Keys: ``source``, ``title``, ``accuracy`` (exact | estimated | cost-only), ``paths`` (looked at in the
    last sync), ``found``, ``files``, ``events``, ``skipped_lines``, ``skipped_reasons`` (why they were
    skipped: reason → count), ``last_event``, ``last_sync`` (ISO UTC or null) and ``notices`` (one-line
    problems of the last sync).
    """
    events, files = queries.source_counts(ledger), queries.file_counts(ledger)
    reasons = queries.skip_reasons(ledger)
    status = queries.source_status(ledger)
    out = []
    for name, source in SOURCES.items():
        n_events, last_event = events.get(name, (0, None))
        n_files, skipped, _ = files.get(name, (0, 0, None))
        synced, roots, notices = status.get(name, (None, "[]", "[]"))
        out.append({
            "source": name, "title": source.title, "accuracy": source.accuracy, "paths": json.loads(roots),
            "found": n_files > 0 or n_events > 0, "files": n_files, "events": n_events, "skipped_lines": skipped,
            "skipped_reasons": _reasons(reasons.get(name, {}), skipped),
            "last_event": iso(last_event or None), "last_sync": iso(synced or None), "notices": json.loads(notices),
        })  # fmt: skip
    return out


def _reasons(reasons: dict[str, int], skipped: int) -> dict[str, int]:
    """Reason counts; lines skipped before reasons were recorded count as "malformed"."""
    unknown = skipped - sum(reasons.values())
    return {**reasons, "malformed": reasons.get("malformed", 0) + unknown} if unknown > 0 else reasons
