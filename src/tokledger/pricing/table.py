"""The built-in price table: genai-prices (offline data in its wheel) turned into :class:`PriceEntry`.

Model references are matched as genai-prices matches them (case-insensitive ``starts_with`` / ``equals``
/ regex clauses, dated ids such as ``claude-sonnet-4-5-20250929`` included). A provider hint from the
source is tried first; a router prefix (``openrouter/anthropic/claude-…``, ``anthropic/claude-…``) falls
back to the base model after the last ``/`` when the full reference is unknown. A local model's tag
(``gpt-oss:20b``, ``qwen3:30b``) is never stripped to match a cloud price: such models stay unpriced
unless the config prices them. ``speed="fast"`` selects
the table's fast-mode variant where it has one.

Each entry's integer rates are checked once against genai-prices' own ``calc_price`` on probe requests
(below and above every tier); a model whose price uses keys these rates cannot express is priced by
genai-prices itself, event by event, so the result is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import genai_prices
from genai_prices import Usage, data_snapshot
from genai_prices.types import ModelPrice, StartDateConstraint, TieredPrices

from tokledger.events import UsageEvent
from tokledger.pricing import RULE_NOTE, PriceEntry, Rates, _pusd_per_token
from tokledger.pricing.rules import extra_tiers

VERSION = f"genai-prices {genai_prices.__version__}"
_SNAPSHOT = data_snapshot.get_snapshot()
_KEYS = {
    "input": ("input_mtok",),
    "output": ("output_mtok",),
    "cache_read": ("cache_read_mtok", "input_mtok"),
    "cache_write": ("cache_write_5m_mtok", "cache_write_mtok", "input_mtok"),
    "cache_write_1h": ("cache_write_1h_mtok", "cache_write_mtok", "input_mtok"),
}
# Prices of usage no source reports (searches, audio, images, video, documents, characters, messages,
# citations): genai-prices adds nothing for them when the usage it is given has none, as ours never does,
# so a model that also prices them is still priced by its integer rates (each checked on the probes).
_IGNORED = {
    "web_searches_kcount", "storage_searches_kcount", "file_searches_kcount", "audio_hours", "input_audio_hours",
    "input_audio_mtok", "cache_audio_read_mtok", "output_audio_mtok", "input_image_mtok", "cache_image_read_mtok",
    "output_image_mtok", "input_video_mtok", "output_video_mtok", "input_document_kpages",
    "input_annotated_document_kpages", "input_mchars", "input_text_messages_kcount", "output_citation_mtok",
}  # fmt: skip


def _candidates(model: str) -> list[str]:
    refs = [model]
    if "/" in model:
        refs.append(model.rsplit("/", 1)[1])
    return refs


def _find(model: str, provider: str | None):
    for ref in _candidates(model):
        for hint in [provider, None] if provider else [None]:
            try:
                return _SNAPSHOT.find_provider_model(ref, None, hint, None)
            except LookupError:
                continue
    return None


def _price_at(value: Decimal | TieredPrices | None, threshold: int | None) -> Decimal | None:
    if value is None or not isinstance(value, TieredPrices):
        return value
    price = value.base
    if threshold is not None:
        for tier in value.tiers:
            if tier.start <= threshold:
                price = tier.price
    return price


def _rates(mp: ModelPrice, threshold: int | None) -> Rates | None:
    values = {}
    for name, keys in _KEYS.items():
        for key in keys:
            price = _price_at(getattr(mp, key, None), threshold)
            if price is not None:
                values[name] = _pusd_per_token(price)
                break
        else:
            return None
    per_request = _price_at(getattr(mp, "requests_kcount", None), threshold)
    values["per_request"] = 0 if per_request is None else int(per_request * 10**9)
    return Rates(**values)


def _thresholds(mp: ModelPrice) -> list[int]:
    starts = {t.start for v in mp.__dict__.values() if isinstance(v, TieredPrices) for t in v.tiers}
    return sorted(starts)


def _probes(thresholds: list[int]) -> list[UsageEvent]:
    base = {"source": "probe", "key": "probe", "timestamp": datetime(2000, 1, 1), "model": "probe"}
    sizes = [1000] + [t + 1000 for t in thresholds]
    return [
        UsageEvent(
            **base,
            input_tokens=n,
            output_tokens=777,
            cache_read_tokens=n // 3,
            cache_write_tokens=250,
            cache_write_1h_tokens=50,
        )
        for n in sizes
    ]


def _genai_usage(e: UsageEvent) -> Usage:
    return Usage(
        input_tokens=e.total_input_tokens,
        cache_write_tokens=e.cache_write_tokens,
        cache_write_1h_tokens=e.cache_write_1h_tokens,
        cache_read_tokens=e.cache_read_tokens,
        output_tokens=e.output_tokens,
    )


@dataclass(frozen=True)
class _GenaiEntry(PriceEntry):
    """Fallback: prices each event with genai-prices itself (keys our integer rates cannot express)."""

    model_price: ModelPrice | None = None

    def cost(self, event: UsageEvent) -> tuple[int, int | None]:
        total = self.model_price.calc_price(_genai_usage(event))["total_price"]
        return int((total * 10**12).to_integral_value()), None


def snapshot():
    """genai-prices' data in use (its bundled snapshot)."""
    return _SNAPSHOT


def find(model: str, provider: str | None):
    """The (provider, model info) a model reference matches, or None."""
    return _find(model, provider)


def period_key(found, when: datetime) -> int:
    """Identifies the price in force at ``when``: equal keys mean equal prices (same table object)."""
    return id(found[1].get_prices(when))


def schedule(found, speed: str | None) -> list[tuple[date | None, PriceEntry]] | None:
    """Every price period of a matched model as (first UTC day or None, entry), oldest first.

    None when the prices depend on more than the day (time-of-day rates) or need genai-prices itself
    (:class:`_GenaiEntry`): such models are priced period by period instead, and never cached.
    """
    _prov, info = found
    conditions = [c.constraint for c in info.prices] if isinstance(info.prices, list) else []
    conditions += [v.constraint for v in info.price_variants or ()]
    if any(c is not None and not isinstance(c, StartDateConstraint) for c in conditions):
        return None
    starts = sorted({c.start_date for c in conditions if c is not None})
    periods = []
    for start in [None, *starts]:
        when = datetime.combine(start, time(0), UTC) if start else datetime(1970, 1, 2, tzinfo=UTC)
        e = entry(found, when, speed)
        if isinstance(e, _GenaiEntry):
            return None
        if not periods or periods[-1][1] != e:
            periods.append((start, e))
    return periods


def entry(found, when: datetime, speed: str | None) -> PriceEntry:
    """The price entry of a matched model at ``when`` (``speed`` "fast" selects the fast-mode variant)."""
    prov, info = found
    context = {"speed": speed} if speed and speed != "standard" else None
    mp = info.get_prices(when, context)
    basis = f"{VERSION}: {prov.id}/{info.id}" + (f", {speed}" if context else "")
    thresholds = _thresholds(mp)
    base = _rates(mp, None)
    tiers = tuple((t, _rates(mp, t)) for t in thresholds)
    exact = (
        base is not None
        and all(r is not None for _, r in tiers)
        and not (
            {k for k, v in mp.__dict__.items() if v is not None and not k.startswith("_")}
            - {k for keys in _KEYS.values() for k in keys}
            - {"requests_kcount"}
            - _IGNORED
        )
    )
    if exact:
        entry = PriceEntry(basis=basis, model_id=info.id, provider_id=prov.id, base=base, tiers=tiers)
        for probe in _probes(thresholds):
            rates, _ = entry.rates_for(probe.total_input_tokens)
            want = mp.calc_price(_genai_usage(probe))["total_price"]
            if rates.cost(probe) != int((want * 10**12).to_integral_value()):
                exact = False
                break
    if not exact:
        return _GenaiEntry(basis=basis, model_id=info.id, provider_id=prov.id, base=base or Rates(0, 0, 0, 0, 0),
                           model_price=mp)  # fmt: skip
    extra = () if thresholds else extra_tiers(prov.id, info.id, base)
    if extra:
        basis += RULE_NOTE
    return PriceEntry(basis=basis, model_id=info.id, provider_id=prov.id, base=base, tiers=tiers or extra)
