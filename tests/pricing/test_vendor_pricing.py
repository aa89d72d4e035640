"""Pricing for the OpenAI (Codex), Google (Gemini CLI) and router-prefixed (OpenCode) models these sources log."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.conftest import FIXTURES
from tokledger.events import UsageEvent
from tokledger.pricing import Pricer
from tokledger.sources import codex, gemini

WHEN = datetime(2025, 10, 2, 12, tzinfo=UTC)


def ev(model: str, provider: str | None = None, **tokens) -> UsageEvent:
    return UsageEvent(source="t", key="k", timestamp=WHEN, model=model, provider=provider, **tokens)


def usd(event: UsageEvent) -> Decimal | None:
    cost = Pricer().price(event).cost_pusd
    return None if cost is None else Decimal(cost) / 10**12


@pytest.mark.parametrize("provider", ["openai", None])
def test_codex_worked_example_cached_input_at_its_own_price(provider):
    # gpt-5-codex at $1.25 input / $0.125 cached / $10 output per Mtok
    event = ev("gpt-5-codex", provider, input_tokens=3000, cache_read_tokens=9000, output_tokens=900)
    assert usd(event) == Decimal("0.013875")


def test_reasoning_is_inside_output_and_never_billed_twice():
    plain = ev("gpt-5-codex", "openai", input_tokens=3000, cache_read_tokens=9000, output_tokens=900)
    with_reasoning = ev("gpt-5-codex", "openai", input_tokens=3000, cache_read_tokens=9000, output_tokens=900,
                        reasoning_tokens=600)  # fmt: skip
    assert usd(with_reasoning) == usd(plain) == Decimal("0.013875")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-5-codex", Decimal("0.013875")),  # an alias of gpt-5 in the table
        ("gpt-5", Decimal("0.013875")),
        ("gpt-5.1-codex", Decimal("0.013875")),  # gpt-5.1, same rates
        ("gpt-5.3-codex", Decimal("0.019425")),  # $1.75 / $0.175 / $14
        ("codex-mini-latest", Decimal("0.013275")),  # $1.50 / $0.375 / $6
    ],
)
def test_codex_model_names_resolve_to_their_price_entry(model, expected):
    event = ev(model, "openai", input_tokens=3000, cache_read_tokens=9000, output_tokens=900)
    assert usd(event) == expected


def test_codex_rollout_priced_end_to_end():
    [first, *_] = sorted(
        codex.parse(FIXTURES / "codex/cached_reasoning_inside.jsonl").events, key=lambda e: e.timestamp
    )
    # 3,000 uncached + 9,000 cached + 900 output (600 of it reasoning)
    assert usd(first) == Decimal("0.013875")


def test_unknown_codex_model_is_unpriced_not_zero():
    assert usd(ev("unknown", "openai", input_tokens=1000, output_tokens=10)) is None
    assert usd(ev("gpt-5-codex-mini", "openai", input_tokens=1000, output_tokens=10)) is None


def test_gemini_2_5_pro_long_prompt_priced_wholly_at_the_higher_rates():
    # ≤ 200k prompt (cache included): $1.25 input, $0.125 cached, $10 output
    below = ev(
        "gemini-2.5-pro", "google", input_tokens=100_000, cache_read_tokens=50_000, output_tokens=1_000
    )
    assert usd(below) == Decimal("0.14125")
    at = ev("gemini-2.5-pro", "google", input_tokens=150_000, cache_read_tokens=50_000, output_tokens=2_000)
    assert usd(at) == Decimal("0.21375")  # exactly 200,000: still the base rates
    # 150k uncached + 60k cached = 210k: every token moves — $2.50, $0.25, $15 output
    above = ev(
        "gemini-2.5-pro", "google", input_tokens=150_000, cache_read_tokens=60_000, output_tokens=2_000
    )
    assert usd(above) == Decimal("0.42")


def test_gemini_thoughts_are_billed_at_the_output_price():
    events = {e.key: e for e in gemini.parse(FIXTURES / "gemini/token_arithmetic.jsonl").events}
    # 8,210 uncached × $1.25 + 40,000 cached × $0.125 + (615 output + 230 thoughts) × $10, per Mtok
    assert usd(events["sess-arith:a-cached-thoughts"]) == Decimal("0.0237125")
    # gemini-2.5-flash: 600 × $0.30 + 400 × $0.03 + 20 × $2.50
    assert usd(events["sess-arith:a-no-total"]) == Decimal("0.000242")


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("openrouter/anthropic/claude-sonnet-4.5", "openrouter"),
        ("anthropic/claude-sonnet-4.5", "openrouter"),
        ("anthropic/claude-sonnet-4-5", None),
        ("claude-sonnet-4.5", "github-copilot"),
        ("claude-sonnet-4-5", "anthropic"),
    ],
)
def test_router_prefixes_resolve_to_the_base_model(model, provider):
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $15 output
    event = ev(
        model, provider, input_tokens=1200, cache_read_tokens=30000, cache_write_tokens=800, output_tokens=410
    )
    assert usd(event) == Decimal("0.02175")


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("openrouter/acme/mystery-model", "openrouter"),
        ("big-pickle", "opencode"),
        ("qwen3-coder-local", "ollama"),
    ],
)
def test_unknown_router_models_are_unpriced_never_zero(model, provider):
    assert usd(ev(model, provider, input_tokens=1000, output_tokens=100)) is None
