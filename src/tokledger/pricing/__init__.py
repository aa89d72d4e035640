"""``Pricer``: the cost of one event, offline, at the price in force when it happened.

Prices come from a user override (``[prices."model"]`` in the config) when one names the model, else
from the genai-prices table shipped in its wheel (matched by model id, provider hint, and the event's
timestamp, so dated price changes apply to history correctly), plus the vendor rules in
:mod:`tokledger.pricing.rules` where the table is not enough. A model nobody prices gets cost ``None`` —
*unpriced* — never 0.

Rates are turned into integer picodollars per token once per (model, price period), so pricing an event
is a few integer multiplications and the sum is exact. The result equals genai-prices' own
``calc_price`` (checked by the test suite across its Anthropic, OpenAI and Google models).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from tokledger.config import PriceOverride
from tokledger.events import UsageEvent

PUSD_PER_USD_PER_MTOK = 10**6  # $1/Mtok = 1e-6 $/token = 1e6 picodollars/token


def _pusd_per_token(rate_per_mtok: Decimal) -> int:
    return int((rate_per_mtok * PUSD_PER_USD_PER_MTOK).to_integral_value())


@dataclass(frozen=True)
class Rates:
    """Per-token prices in picodollars for the four categories (1-hour writes apart)."""

    input: int
    output: int
    cache_read: int
    cache_write: int
    cache_write_1h: int
    per_request: int = 0

    def cost(self, e: UsageEvent) -> int:
        write_5m = e.cache_write_tokens - e.cache_write_1h_tokens
        return (
            e.input_tokens * self.input
            + e.output_tokens * self.output
            + e.cache_read_tokens * self.cache_read
            + write_5m * self.cache_write
            + e.cache_write_1h_tokens * self.cache_write_1h
            + self.per_request
        )

    def per_mtok(self) -> dict[str, Decimal]:
        return {
            name: Decimal(getattr(self, name)) / PUSD_PER_USD_PER_MTOK
            for name in ("input", "output", "cache_read", "cache_write", "cache_write_1h")
        }


@dataclass(frozen=True)
class PriceEntry:
    """What priced a model at one instant: base rates and whole-request tiers (threshold, rates)."""

    basis: str
    model_id: str
    provider_id: str
    base: Rates
    tiers: tuple[tuple[int, Rates], ...] = ()

    def cost(self, event: UsageEvent) -> tuple[int, int | None]:
        """The event's cost in picodollars, and the tier threshold that applied (None: base rates)."""
        rates, tier = self.rates_for(event.total_input_tokens)
        return rates.cost(event), tier

    def rates_for(self, total_input: int) -> tuple[Rates, int | None]:
        """The rates of a request with this much input (cache included); tiers apply to the whole request."""
        for threshold, rates in reversed(self.tiers):
            if total_input > threshold:
                return rates, threshold
        return self.base, None


@dataclass(frozen=True)
class Priced:
    cost_pusd: int | None
    basis: str | None


UNPRICED = Priced(None, None)


def override_entry(model: str, o: PriceOverride) -> PriceEntry:
    rates = Rates(
        input=_pusd_per_token(o.input),
        output=_pusd_per_token(o.output),
        cache_read=_pusd_per_token(o.cache_read),
        cache_write=_pusd_per_token(o.cache_write),
        cache_write_1h=_pusd_per_token(o.cache_write_1h),
    )
    return PriceEntry(basis=f"config override [prices.{model!r}]", model_id=model, provider_id="config", base=rates)


class Pricer:
    def __init__(self, overrides: dict[str, PriceOverride] | None = None):
        self._overrides = {k.lower(): override_entry(k, v) for k, v in (overrides or {}).items()}
        self._models: dict[tuple, object] = {}
        self._entries: dict[tuple, PriceEntry] = {}

    @cached_property
    def _table(self):  # imported lazily: a report that prices nothing never loads the table
        from tokledger.pricing import table

        return table

    @property
    def table_version(self) -> str:
        return self._table.VERSION

    def entry(self, model: str, when: datetime, provider: str | None = None, speed: str | None = None):
        """The price entry for ``model`` at ``when``, or None when unpriced."""
        override = self._overrides.get(model.lower())
        if override is not None:
            return override
        table = self._table
        try:
            found = self._models[(model, provider)]
        except KeyError:
            found = self._models[(model, provider)] = table.find(model, provider)
        if found is None:
            return None
        key = (id(found), table.period_key(found, when), speed)
        try:
            return self._entries[key]
        except KeyError:
            entry = self._entries[key] = table.entry(found, when, speed)
            return entry

    def price(self, event: UsageEvent) -> Priced:
        entry = self.entry(event.model, event.timestamp, event.provider, event.speed)
        if entry is None:
            return UNPRICED
        cost, tier = entry.cost(event)
        basis = entry.basis if tier is None else f"{entry.basis}, long context (>{tier:,} input tokens)"
        return Priced(cost, basis)
