"""The compiled price catalogue finds and prices every model exactly as genai-prices does."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tokledger.events import UsageEvent
from tokledger.pricing import Pricer, table
from tokledger.pricing.catalogue import BUNDLED, Catalogue, bundled, compile_catalogue, data_digest

HINTS = (None, "anthropic", "openai", "google", "aws-bedrock", "google-vertex", "azure", "litellm", "openrouter",
         "Anthropic ", "nobody")  # fmt: skip


@pytest.fixture(scope="module")
def compiled() -> Catalogue:
    return compile_catalogue()


def _refs(catalogue: Catalogue) -> list[str]:
    rng = random.Random(4)
    refs = ["", "unknown", "gpt-oss:20b", "qwen3:30b", "claude-sonnet-4-5-20250929", "gpt-5.2-20251211"]
    for p in catalogue.providers:
        for m in p["models"]:
            refs.append(m["id"])
            stack = [m["match"]]
            while stack:
                clause = stack.pop()
                stack += clause.get("or", []) + clause.get("and", [])
                for key in ("equals", "starts_with", "contains"):
                    if key in clause:
                        refs.append(clause[key])
                        refs.append(clause[key] + "-20250101")
    refs += [r.upper() for r in rng.sample(refs, 100)]
    refs += [
        f"{rng.choice(('openrouter/', 'anthropic/', 'litellm/', 'x/y/'))}{r}" for r in rng.sample(refs, 150)
    ]
    return rng.sample(refs, 1200)


def test_the_shipped_catalogue_is_compiled_from_the_installed_genai_prices(compiled):
    shipped = Catalogue.from_bytes(BUNDLED.read_bytes())
    if shipped.source["data_digest"] != data_digest():
        pytest.skip("the installed genai-prices data is not the one the catalogue was compiled from")
    assert shipped.source.pop("compiled")  # the day it was compiled: how old `prices MODEL` says it is
    assert shipped.data == compiled.data
    assert bundled() is not None


def test_lookups_equal_genai_prices(compiled):
    rng = random.Random(2)
    for ref in _refs(compiled):
        for hint in (None, rng.choice(HINTS)):
            ours = compiled.find(ref, hint)
            theirs = table.find(ref, hint)
            assert (ours and (ours.provider, ours.model)) == (theirs and (theirs[0].id, theirs[1].id)), (
                ref,
                hint,
            )


def test_prices_equal_the_table(compiled):
    rng = random.Random(9)
    refs = [m["id"] for p in compiled.providers for m in p["models"]]
    fast = Pricer(catalogue=compiled)
    slow = Pricer()
    slow.__dict__["_catalogue"] = None  # the genai-prices path
    for ref in refs:
        for when in (datetime(2024, 6, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)):
            n = rng.choice((1_000, 150_000, 250_000, 1_200_000))
            e = UsageEvent(source="t", key="k", timestamp=when, model=ref, input_tokens=n, output_tokens=rng.randint(0, 9000),
                           cache_write_tokens=rng.randint(0, 9000), cache_write_1h_tokens=100,
                           cache_read_tokens=rng.randint(0, n), speed=rng.choice((None, "fast", "standard")))  # fmt: skip
            assert fast.price(e) == slow.price(e), (ref, when, e.speed)
