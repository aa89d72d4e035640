"""Factory Droid: per-session running totals in ``*.settings.json``; Droid's model spellings normalized."""

from __future__ import annotations

from tests.conftest import FIXTURES, install_fixture, sync_all, ts
from tokledger.env import Env
from tokledger.sources import factory_droid

SESSION = (
    FIXTURES
    / "factory_droid/session_totals/-home-dev-acme-api/8d2c1f4e-1111-4a2b-9c3d-5e6f7a8b9c0d.settings.json"
)


def test_session_totals_with_thinking_as_output():
    [e] = factory_droid.parse(SESSION).events
    assert (e.key, e.session_id, e.model, e.provider, e.timestamp) == (
        "8d2c1f4e-1111-4a2b-9c3d-5e6f7a8b9c0d", "8d2c1f4e-1111-4a2b-9c3d-5e6f7a8b9c0d", "claude-opus-4.5-thinking-0",
        "anthropic", ts("2025-10-02T14:00:00Z"),
    )  # fmt: skip
    assert (e.input_tokens, e.output_tokens, e.reasoning_tokens, e.cache_write_tokens, e.cache_read_tokens) == (
        1234, 601, 34, 89, 12000,
    )  # fmt: skip


def test_model_spellings():
    assert (
        factory_droid.normalize_model("custom:Claude-Opus-4.5-Thinking-[Anthropic]-0")
        == "claude-opus-4.5-thinking-0"
    )
    assert factory_droid.normalize_model("Claude-Sonnet-4-[Anthropic]") == "claude-sonnet-4"
    assert factory_droid.normalize_model("Claude Opus 4.5 Thinking") == "claude-opus-4.5-thinking"
    assert factory_droid.normalize_model("gemini-2.5-pro") == "gemini-2.5-pro"


def test_a_growing_session_replaces_its_totals_and_is_priced(ledger, home):
    install_fixture(home, "factory_droid", "session_totals", ".factory/sessions")
    sync_all(ledger, Env(home=home))
    path = home / ".factory/sessions/-home-dev-acme-api" / SESSION.name
    path.write_text(path.read_text().replace('"outputTokens": 567', '"outputTokens": 967'))
    sync_all(ledger, Env(home=home))
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens), MIN(cost_pusd) > 0 FROM events").fetchone() == (
        1, 1001, 1,
    )  # fmt: skip
