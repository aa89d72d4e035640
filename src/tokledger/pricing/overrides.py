"""Stored costs kept in step with the configuration's ``[prices."model"]`` overrides.

The ledger remembers the overrides it last priced with (``state`` key ``config.prices``: each model's
rates as text). When a workspace opens the ledger and the configuration says otherwise — an override
added, changed or removed — the events of exactly those models are priced again, in one transaction that
also moves their sums in the rollups, so no report shows a cost from before the edit and no manual
``tokledger reprice`` is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from tokledger.config import PriceOverride
from tokledger.ledger import Ledger
from tokledger.pricing import Pricer

STATE_KEY = "config.prices"
_RATES = ("input", "output", "cache_read", "cache_write", "cache_write_1h")


def describe(overrides: Mapping[str, PriceOverride]) -> dict[str, list[str]]:
    """The overrides as the ledger keeps them: lower-case model name → its rates as text."""
    return {model.lower(): [str(getattr(o, k)) for k in _RATES] for model, o in sorted(overrides.items())}


def changed_models(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> set[str]:
    return {model for model in old.keys() | new.keys() if old.get(model) != new.get(model)}


def follow(ledger: Ledger, pricer: Pricer, overrides: Mapping[str, PriceOverride]) -> int:
    """Reprice the events of every model whose override changed since the ledger last saw them; returns how
    many events changed cost. Raises :class:`~tokledger.errors.LedgerError` when the ledger is read-only."""
    new = describe(overrides)
    text = json.dumps(new, sort_keys=True)
    stored = ledger.get_state(STATE_KEY)
    if stored == text or (stored is None and not new):
        return 0
    with ledger.transaction():
        stored = ledger.get_state(STATE_KEY)  # again, under the write lock: another process may have done it
        if stored == text:
            return 0
        models = changed_models(json.loads(stored) if stored else {}, new)
        changes = []
        for row_id, row in ledger.events_of_models(models):
            priced = pricer.price(row.event())
            if (priced.cost_pusd, priced.basis) != (row.cost_pusd, row.basis):
                changes.append((row_id, row, priced.cost_pusd, priced.basis))
        ledger.update_costs(changes)
        ledger.set_state(STATE_KEY, text)
    return len(changes)
