"""Pricing: Anthropic cache and long-context rules, dated prices, overrides, unpriced models."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from genai_prices import data_snapshot

from tokledger.config import PriceOverride
from tokledger.events import UsageEvent
from tokledger.pricing import Pricer, Schedule, rules
from tokledger.pricing import table as price_table

WHEN = datetime(2025, 10, 1, tzinfo=UTC)


def ev(model: str, when: datetime = WHEN, **tokens) -> UsageEvent:
    return UsageEvent(source="t", key="k", timestamp=when, model=model, **tokens)


def usd(pricer: Pricer, event: UsageEvent) -> Decimal | None:
    cost = pricer.price(event).cost_pusd
    return None if cost is None else Decimal(cost) / 10**12


def test_anthropic_cache_multipliers_sonnet_4_5():
    p = Pricer()
    # $3 input, 5-minute write 1.25x, 1-hour write 2x, read 0.1x, $15 output
    assert usd(p, ev("claude-sonnet-4-5-20250929", input_tokens=100_000)) == Decimal("0.3")
    assert usd(p, ev("claude-sonnet-4-5-20250929", cache_write_tokens=100_000)) == Decimal("0.375")
    assert usd(
        p, ev("claude-sonnet-4-5-20250929", cache_write_tokens=100_000, cache_write_1h_tokens=100_000)
    ) == Decimal("0.6")
    assert usd(p, ev("claude-sonnet-4-5-20250929", cache_read_tokens=100_000)) == Decimal("0.03")
    assert usd(p, ev("claude-sonnet-4-5-20250929", output_tokens=100_000)) == Decimal("1.5")


def test_long_context_applies_to_the_whole_request_not_per_category():
    p = Pricer()
    # 500,000 uncached input on Sonnet 4.5: every token at $6 (ccusage's per-category split says $2.40)
    assert usd(p, ev("claude-sonnet-4-5-20250929", input_tokens=500_000)) == Decimal("3.00")
    # 150k cache read + 60k input + 2k output: total input 210k > 200k moves every token to the long rates
    e = ev("claude-sonnet-4-5-20250929", input_tokens=60_000, cache_read_tokens=150_000, output_tokens=2_000)
    assert usd(p, e) == Decimal("0.36") + Decimal("0.09") + Decimal("0.045")
    assert "long context" in p.price(e).basis
    # exactly 200,000 is not above the threshold
    assert usd(p, ev("claude-sonnet-4-5-20250929", input_tokens=200_000)) == Decimal("0.6")


def test_sonnet_4_long_context_rule_added_where_the_table_lacks_it():
    p = Pricer()
    below = ev("claude-sonnet-4-20250514", input_tokens=150_000, output_tokens=1_000)
    above = ev("claude-sonnet-4-20250514", input_tokens=250_000, output_tokens=1_000)
    assert usd(p, below) == Decimal("0.45") + Decimal("0.015")
    assert usd(p, above) == Decimal("1.5225")
    assert p.price(above).basis.endswith(", long context (>200,000 input tokens, tokledger rule)")
    # a request under the threshold names no rule: none applied
    assert p.price(below).basis == "genai-prices 0.2.3: anthropic/claude-sonnet-4-0"


def test_dated_prices_opus_4_6_surcharge_dropped_on_2026_03_13():
    p = Pricer()
    before = ev("claude-opus-4-6", datetime(2026, 3, 12, 12, tzinfo=UTC), input_tokens=300_000)
    after = ev("claude-opus-4-6", datetime(2026, 3, 13, 12, tzinfo=UTC), input_tokens=300_000)
    assert usd(p, before) == Decimal("3.0")
    assert usd(p, after) == Decimal("1.5")


def test_unknown_model_is_unpriced_never_zero():
    priced = Pricer().price(ev("claude-imaginary-9", input_tokens=1000))
    assert priced.cost_pusd is None and priced.basis is None


def test_override_wins_over_the_table_and_prices_unknown_models():
    rates = PriceOverride(input=Decimal(1), output=Decimal(2), cache_read=Decimal("0.1"),
                          cache_write=Decimal("1.25"), cache_write_1h=Decimal(2))  # fmt: skip
    p = Pricer({"claude-sonnet-4-5-20250929": rates, "My-Local": rates})
    e = ev("claude-sonnet-4-5-20250929", input_tokens=1_000_000, output_tokens=1_000_000)
    assert usd(p, e) == Decimal(3)  # the override has no long-context tier
    assert p.price(e).basis == "config override [prices.'claude-sonnet-4-5-20250929']"
    assert usd(p, ev("my-local", cache_write_tokens=2_000_000, cache_write_1h_tokens=1_000_000)) == Decimal(
        "3.25"
    )


def test_fast_mode_uses_the_tables_fast_variant():
    p = Pricer()
    normal = ev("claude-opus-4-8", output_tokens=1_000_000)
    fast = ev("claude-opus-4-8", output_tokens=1_000_000, speed="fast")
    assert usd(p, fast) > usd(p, normal)
    assert p.price(fast).basis.endswith(", fast")


def _genai_cost(model: str, provider: str, e: UsageEvent) -> Decimal:
    return price_table._SNAPSHOT.calc(
        price_table._genai_usage(e), model, provider, None, e.timestamp
    ).total_price


@pytest.mark.parametrize("provider", ["anthropic", "openai", "google"])
def test_integer_rates_equal_genai_prices_for_every_model(provider):
    """The fast integer path gives exactly genai-prices' own result across a provider's models."""
    snapshot = data_snapshot.get_snapshot()
    (prov,) = [p for p in snapshot.providers if p.id == provider]
    rng = random.Random(7)
    p = Pricer()
    checked = 0
    for info in prov.models:
        ref = info.id
        if ref in rules._SONNET_4_IDS:
            continue  # tokledger adds the long-context tier genai-prices lacks (tested above)
        for when in (datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)):
            for _ in range(3):
                inp = rng.choice([10, 5_000, 120_000, 260_000, 400_000])
                cw = rng.choice([0, 2_000, 50_000])
                cw1h = rng.choice([0, cw // 2])
                e = ev(ref, when, input_tokens=inp, output_tokens=rng.randint(0, 30_000), cache_write_tokens=cw,
                       cache_write_1h_tokens=cw1h, cache_read_tokens=rng.choice([0, 9_000, 150_000]),
                       provider=provider)  # fmt: skip
                try:
                    want = _genai_cost(ref, provider, e)
                except (LookupError, ValueError):
                    continue
                got = p.price(e).cost_pusd
                assert got == int((want * 10**12).to_integral_value()), (ref, when, e)
                checked += 1
    assert checked > 20


def test_schedule_is_built_once_and_holds_every_price_period():
    p = Pricer()
    for day in (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)):
        p.price(ev("claude-opus-4-6", day, input_tokens=300_000))
    ((key, text),) = p.drain().items()
    assert key == "claude-opus-4-6\x1f\x1f"
    schedule = Schedule.from_json(text)
    assert schedule.starts == (None, date(2026, 3, 13))
    assert p.drain() == {}


def test_cached_schedules_price_identically_without_loading_the_table():
    first = Pricer()
    events = [ev(m, datetime(2026, 3, d, tzinfo=UTC), input_tokens=250_000, output_tokens=10, cache_write_tokens=5,
                 cache_write_1h_tokens=2)
              for m in ("claude-opus-4-6", "claude-sonnet-4-20250514", "gpt-5-codex", "no-such-model")
              for d in (12, 13)]  # fmt: skip
    want = [first.price(e) for e in events]
    second = Pricer(cached=first.drain())
    assert [second.price(e) for e in events] == want
    assert "_table" not in second.__dict__


def test_time_of_day_prices_are_never_cached():
    p = Pricer()
    priced = p.price(ev("deepseek-v4-flash", input_tokens=1000, provider="deepseek"))
    assert priced.cost_pusd is not None
    assert p.drain() == {}
