"""Vendor pricing rules the price table does not carry yet.

Anthropic, Claude Sonnet 4 (``claude-sonnet-4-20250514``, genai-prices id ``claude-sonnet-4-0``): with the
1M-token context (August 2025) a request whose total input — uncached input + cache writes + cache reads —
exceeds 200,000 tokens is billed *wholly* at the long-context rates: input and every cache rate ×2, output
×1.5 ($6 / $22.50 against $3 / $15). genai-prices 0.2.x prices Sonnet 4 flat, while it already carries the
same tier for Sonnet 4.5 (and for Opus 4.6 / Sonnet 4.6 before 2026-03-13). The rule is added only where
the table has no tier of its own for the model, so a table that learns it takes over.
"""

from __future__ import annotations

from tokledger.pricing import Rates

LONG_CONTEXT_THRESHOLD = 200_000
_SONNET_4_IDS = {"claude-sonnet-4-0"}
_ANTHROPIC_PROVIDERS = {"anthropic", "aws-bedrock", "google-vertex"}


def extra_tiers(provider_id: str, model_id: str, base: Rates) -> tuple[tuple[int, Rates], ...]:
    if model_id in _SONNET_4_IDS and provider_id in _ANTHROPIC_PROVIDERS:
        long = Rates(
            input=base.input * 2,
            output=base.output * 3 // 2,
            cache_read=base.cache_read * 2,
            cache_write=base.cache_write * 2,
            cache_write_1h=base.cache_write_1h * 2,
            per_request=base.per_request,
        )
        return ((LONG_CONTEXT_THRESHOLD, long),)
    return ()
