"""Per-source status: where each source looks, what the ledger holds from it, and its last sync."""

from __future__ import annotations

import json
import time

from tokledger.capture import CAPTURE_SOURCES
from tokledger.ledger import Ledger, queries
from tokledger.ledger.guard import notices
from tokledger.ledger.zones import DAY_MS
from tokledger.reports.format import iso
from tokledger.sources import SOURCES

NOTICE_DAYS = 7


def source_status(ledger: Ledger) -> list[dict]:
    """One dict per registered source (found or not), in registry order, then each source of captured
    events (:data:`tokledger.capture.CAPTURE_SOURCES`) that has recorded something or has a notice.

    Keys: ``source``, ``title``, ``accuracy`` (exact | estimated | cost-only), ``paths`` (looked at in the
    last sync), ``found``, ``files``, ``events``, ``skipped_lines``, ``skipped_reasons`` (why they were
    skipped: reason → count), ``last_event``, ``last_sync`` (ISO UTC or null) and ``notices`` (one-line
    problems of the last sync; Claude Code's also lists what its hooks and status line reported in the
    last week, dated).
    """
    events, files = queries.source_counts(ledger), queries.file_counts(ledger)
    reasons = queries.skip_reasons(ledger)
    status = queries.source_status(ledger)
    hooks = [f"{iso(ms)[:16].replace('T', ' ')} {text}"
             for ms, text in notices(ledger, int(time.time() * 1000) - NOTICE_DAYS * DAY_MS)]  # fmt: skip
    out = []
    listed = [(name, source.title, source.accuracy) for name, source in SOURCES.items()]
    for name, (title, accuracy) in CAPTURE_SOURCES.items():
        if events.get(name) or json.loads(status.get(name, (0, "[]", "[]"))[2]):
            listed.append((name, title, accuracy))
    for name, title, accuracy in listed:
        n_events, last_event = events.get(name, (0, None))
        n_files, skipped, _ = files.get(name, (0, 0, None))
        synced, roots, notes = status.get(name, (None, "[]", "[]"))
        notes = json.loads(notes) + (hooks if name == "claude_code" else [])
        out.append({
            "source": name, "title": title, "accuracy": accuracy, "paths": json.loads(roots),
            "found": n_files > 0 or n_events > 0, "files": n_files, "events": n_events, "skipped_lines": skipped,
            "skipped_reasons": _reasons(reasons.get(name, {}), skipped),
            "last_event": iso(last_event or None), "last_sync": iso(synced or None), "notices": notes,
        })  # fmt: skip
    return out


def _reasons(reasons: dict[str, int], skipped: int) -> dict[str, int]:
    """Reason counts; lines skipped before reasons were recorded count as "malformed"."""
    unknown = skipped - sum(reasons.values())
    return {**reasons, "malformed": reasons.get("malformed", 0) + unknown} if unknown > 0 else reasons
