"""``LedgerStore``: the ledger as the store of provider syncs, and the stored records read back.

State lives in the ledger's ``state`` table under ``provider.<name>.*`` keys. Records are priced at ingest
like any event (the price table's cost of the tokens they count) and written by
:func:`tokledger.ledger.billed.write`, which replaces each one by (source, key) and decides what the rollups
sum: a record that counts tokens becomes an event of its provider's source, one that does not stays beside
the events (see that module).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from tokledger.events import UsageEvent
from tokledger.ledger import EventRow, Ledger, datetime_to_ms, ms_to_datetime, pusd_to_usd, usd_to_pusd
from tokledger.ledger import billed as store
from tokledger.providers import ProviderRecord

if TYPE_CHECKING:
    from tokledger.pricing import Pricer

_BITS = {"tokens": store.TOKENS, "cost": store.COST}


def counts_bits(counts: frozenset[str]) -> int:
    return sum(bit for name, bit in _BITS.items() if name in counts)


def counts_set(bits: int) -> frozenset[str]:
    return frozenset(name for name, bit in _BITS.items() if bits & bit)


def day_ms(day: date) -> int:
    return datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


class LedgerStore:
    """A :class:`~tokledger.providers.sync.ProviderStore` over a ledger; prices with ``pricer``."""

    def __init__(self, ledger: Ledger, pricer: Pricer) -> None:
        self.ledger = ledger
        self.pricer = pricer

    def get_state(self, key: str) -> str | None:
        return self.ledger.get_state(key)

    def set_state(self, key: str, value: str) -> None:
        self.ledger.set_state(key, value)

    def record(self, records: list[ProviderRecord]) -> None:
        """Insert or replace each record by (event.source, event.key), in one transaction."""
        if records:
            store.write(self.ledger, [self._pair(r) for r in records])

    def _pair(self, rec: ProviderRecord) -> tuple[store.BilledRow, EventRow | None]:
        e = rec.event
        cost = None if e.logged_cost_usd is None else usd_to_pusd(e.logged_cost_usd)
        tokens = (e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens,
                  e.cache_read_tokens, e.reasoning_tokens)  # fmt: skip
        row = store.BilledRow(e.source, e.key, datetime_to_ms(e.timestamp), rec.bucket_seconds, rec.report,
                              counts_bits(rec.counts), e.model, e.provider, e.project, tokens, cost, rec.requests,
                              dict(rec.dims))  # fmt: skip
        if "tokens" not in rec.counts:
            return row, None
        if "cost" not in rec.counts and e.logged_cost_usd is not None:
            e = msgspec.structs.replace(e, logged_cost_usd=None)  # a cost that is not the bill is not logged
        priced = self.pricer.price(e)
        return row, EventRow.of(e, priced.cost_pusd, priced.basis)

    def records(self, providers: Sequence[str] = (), since: date | None = None,
                until: date | None = None) -> list[ProviderRecord]:  # fmt: skip
        """The stored records of these providers (all when none) whose bucket starts in the UTC days
        ``since``..``until``, as they were recorded."""
        start = day_ms(since) if since else None
        end = day_ms(until + timedelta(days=1)) if until else None
        return [to_record(row) for row in store.records(self.ledger, providers, start, end)]


def to_record(row: store.BilledRow) -> ProviderRecord:
    tokens = dict(zip(("input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens",
                       "cache_read_tokens", "reasoning_tokens"), row.tokens, strict=True))  # fmt: skip
    event = UsageEvent(source=row.source, key=row.key, timestamp=ms_to_datetime(row.ts), model=row.model,
                       provider=row.provider, project=row.project, logged_cost_usd=pusd_to_usd(row.cost_pusd),
                       **tokens)  # fmt: skip
    return ProviderRecord(
        event, row.bucket_seconds, dict(row.dims), row.report, counts_set(row.counts), row.requests
    )
