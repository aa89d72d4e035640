"""The daemon's state, kept through a store with ``get_state(key)`` / ``set_state(key, value)`` (the ledger).

Keys (values are strings; instants are ISO 8601 UTC):

| key | value |
|---|---|
| ``daemon.last_cycle`` | when the last cycle started |
| ``daemon.last_cycle_end`` | when it ended |
| ``daemon.next_cycle`` | when the next one is due (empty after ``--once``) |
| ``daemon.steps`` | the step names of the last cycle, comma-separated |
| ``daemon.<step>.last_success`` | when that step (``sync``, ``prometheus``, …) last succeeded |
| ``daemon.<step>.last_error`` | JSON ``{"at": instant, "error": message}`` of its last failure |

Keeping this in the ledger (not in a file of the daemon's own) lets ``tokledger daemon status`` and the
dashboards show it from any process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from tokledger.exporters import Outcome


class StateStore(Protocol):
    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...


class MemoryStore:
    """A dict-backed store (``--once`` runs without a ledger, tests)."""

    def __init__(self):
        self.values: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.values.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.values[key] = value


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="seconds")


def record_cycle(
    store: StateStore, started: float, ended: float, next_at: float | None, outcomes: Mapping[str, Outcome]
) -> None:
    store.set_state("daemon.last_cycle", iso(started))
    store.set_state("daemon.last_cycle_end", iso(ended))
    store.set_state("daemon.next_cycle", iso(next_at) if next_at is not None else "")
    store.set_state("daemon.steps", ",".join(sorted(outcomes)))
    for name, outcome in outcomes.items():
        if outcome.ok:
            store.set_state(f"daemon.{name}.last_success", iso(ended))
        else:
            store.set_state(
                f"daemon.{name}.last_error", json.dumps({"at": iso(ended), "error": outcome.detail})
            )


def read_state(store: StateStore) -> dict:
    """The state as a JSON-ready dict: ``last_cycle``, ``next_cycle``, and ``steps`` with each one's last
    success and last error (``None`` where unknown)."""
    steps = {}
    for name in filter(None, (store.get_state("daemon.steps") or "").split(",")):
        error = store.get_state(f"daemon.{name}.last_error")
        steps[name] = {
            "last_success": store.get_state(f"daemon.{name}.last_success"),
            "last_error": json.loads(error) if error else None,
        }
    return {
        "last_cycle": store.get_state("daemon.last_cycle"),
        "last_cycle_end": store.get_state("daemon.last_cycle_end"),
        "next_cycle": store.get_state("daemon.next_cycle") or None,
        "steps": steps,
    }
