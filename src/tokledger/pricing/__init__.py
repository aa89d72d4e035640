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

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from tokledger.config import PriceOverride
from tokledger.events import UsageEvent
from tokledger.pricing.catalogue import DYNAMIC, Catalogue

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
    return PriceEntry(
        basis=f"config override [prices.{model!r}]", model_id=model, provider_id="config", base=rates
    )


def table_fingerprint() -> str:
    """Names the price table without importing it (the import costs a fifth of a second): tokledger's
    version and the size and mtime of genai-prices' data module, which change whenever either is updated."""
    import importlib.util

    from tokledger import __version__

    spec = importlib.util.find_spec("genai_prices")
    if spec is None or spec.origin is None:
        return f"tokledger {__version__}"
    st = Path(spec.origin).with_name("data.py").stat()
    return f"tokledger {__version__}; genai-prices data {st.st_size}:{st.st_mtime_ns}"


def _entry_to_json(e: PriceEntry) -> dict:
    def rates(r: Rates) -> list[int]:
        return [r.input, r.output, r.cache_read, r.cache_write, r.cache_write_1h, r.per_request]

    return {"basis": e.basis, "model_id": e.model_id, "provider_id": e.provider_id, "base": rates(e.base),
            "tiers": [[t, rates(r)] for t, r in e.tiers]}  # fmt: skip


def _entry_from_json(d: dict) -> PriceEntry:
    return PriceEntry(d["basis"], d["model_id"], d["provider_id"], Rates(*d["base"]),
                      tuple((t, Rates(*r)) for t, r in d["tiers"]))  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    """A model's price periods: entry ``i`` applies from UTC day ``starts[i]`` (None: from the beginning)."""

    starts: tuple[date | None, ...]
    entries: tuple[PriceEntry, ...]

    def at(self, when: datetime) -> PriceEntry:
        day = when.astimezone(UTC).date() if when.tzinfo else when.date()
        chosen = self.entries[0]
        for start, entry in zip(self.starts, self.entries, strict=True):
            if start is None or day >= start:
                chosen = entry
        return chosen

    def to_json(self) -> str:
        return json.dumps([[s.isoformat() if s else None, _entry_to_json(e)] for s, e in zip(self.starts,
                                                                                            self.entries)])  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Schedule | None:
        data = json.loads(text)
        if data is None:
            return None
        return cls(tuple(date.fromisoformat(s) if s else None for s, _ in data),
                   tuple(_entry_from_json(e) for _, e in data))  # fmt: skip


_DYNAMIC = object()  # prices that depend on more than the day: looked up per period, never cached
_MISSING = object()


class Pricer:
    """Prices events. ``cached`` holds schedules persisted by an earlier run (see :meth:`drain`), so a run
    that only prices models it has seen before never loads the price table. ``catalogue`` (or a function
    giving it, called once when first needed) replaces the bundled one (see :mod:`.catalogue`)."""

    def __init__(
        self, overrides: dict[str, PriceOverride] | None = None, cached: dict[str, str] | None = None,
        catalogue: Catalogue | Callable[[], Catalogue | None] | None = None,
    ):  # fmt: skip
        self._given_catalogue = catalogue
        self._overrides = {k.lower(): override_entry(k, v) for k, v in (overrides or {}).items()}
        self._cached = dict(cached or {})
        self._schedules: dict[tuple, object] = {}
        self._fresh: dict[str, str] = {}
        self._models: dict[tuple, object] = {}
        self._entries: dict[tuple, PriceEntry] = {}

    @cached_property
    def _table(self):  # imported lazily: a run that prices nothing new never loads the table
        from tokledger.pricing import table

        return table

    @cached_property
    def _catalogue(self) -> Catalogue | None:
        """The compiled catalogue (see :mod:`.catalogue`), or None when only genai-prices itself can say."""
        given = self._given_catalogue
        if callable(given):
            given = self._given_catalogue = given()
        if given is not None:
            return given
        from tokledger.pricing.catalogue import bundled

        return bundled()

    def prepare(self) -> None:
        """Load the price data now (before parser processes are forked), unless cached schedules suggest
        it will not be needed: the compiled catalogue, else the table."""
        if not self._cached and self._catalogue is None:
            _ = self._table

    def drain(self) -> dict[str, str]:
        """Schedules computed since the last call, as ``{key: json}`` for the ledger's price cache."""
        fresh, self._fresh = self._fresh, {}
        return fresh

    def _schedule(self, model: str, provider: str | None, speed: str | None):
        key = f"{model}\x1f{provider or ''}\x1f{speed or ''}"
        text = self._cached.get(key)
        if text is not None:
            return Schedule.from_json(text)
        catalogue = self._catalogue
        if catalogue is not None:
            entry = catalogue.find(model, provider)
            if entry is None:
                self._fresh[key] = "null"
                return None
            data = entry.schedules.get("" if speed in (None, "", "standard") else speed)
            if data == DYNAMIC:
                return _DYNAMIC
            if data is not None:
                self._fresh[key] = text = json.dumps(data)
                return Schedule.from_json(text)
        found = self._find(model, provider)
        if found is None:
            self._fresh[key] = "null"
            return None
        periods = self._table.schedule(found, speed)
        if periods is None:
            return _DYNAMIC
        schedule = Schedule(tuple(s for s, _ in periods), tuple(e for _, e in periods))
        self._fresh[key] = schedule.to_json()
        return schedule

    def _find(self, model: str, provider: str | None):
        try:
            return self._models[(model, provider)]
        except KeyError:
            found = self._models[(model, provider)] = self._table.find(model, provider)
            return found

    def entry(self, model: str, when: datetime, provider: str | None = None, speed: str | None = None):
        """The price entry for ``model`` at ``when``, or None when unpriced."""
        override = self._overrides.get(model.lower())
        if override is not None:
            return override
        schedule = self._schedules.get((model, provider, speed), _MISSING)
        if schedule is _MISSING:
            schedule = self._schedules[(model, provider, speed)] = self._schedule(model, provider, speed)
        if schedule is None:
            return None
        if schedule is not _DYNAMIC:
            return schedule.at(when)
        found = self._find(model, provider)
        key = (id(found), self._table.period_key(found, when), speed)
        try:
            return self._entries[key]
        except KeyError:
            entry = self._entries[key] = self._table.entry(found, when, speed)
            return entry

    def price(self, event: UsageEvent) -> Priced:
        entry = self.entry(event.model, event.timestamp, event.provider, event.speed)
        if entry is None:
            return UNPRICED
        cost, tier = entry.cost(event)
        basis = entry.basis if tier is None else f"{entry.basis}, long context (>{tier:,} input tokens)"
        return Priced(cost, basis)
