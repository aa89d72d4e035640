"""OpenClaw transcripts: model snapshots, renamed reset copies, state directories."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.conftest import install_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import openclaw

SESSIONS = "agents/main/sessions"
SID = "5b0c7a10-dddd-4eee-8fff-001122334455"


def test_model_snapshot_names_the_model_and_a_renamed_copy_adds_nothing(ledger, env, home):
    install_fixture(home, "openclaw", "renamed_after_reset", ".openclaw")
    found = openclaw.discover(env)
    assert [p.name for p in found.files] == [f"{SID}.jsonl", f"{SID}.jsonl.reset.2025-10-04T12-00-00Z"]
    [event] = openclaw.parse(found.files[0]).events
    assert event == UsageEvent(
        source="openclaw", key="1759568403000:anthropic/claude-opus-4-5:9:70:12000:800",
        timestamp=datetime.fromtimestamp(1759568403, UTC), model="claude-opus-4-5", input_tokens=9,
        output_tokens=70, cache_write_tokens=800, cache_read_tokens=12000, session_id=SID,
        project="/home/dev/.openclaw/workspace", provider="anthropic", logged_cost_usd=Decimal("0.0123"),
    )  # fmt: skip
    sync_all(ledger, env)
    rows = ledger.conn.execute("SELECT model, output_tokens FROM events ORDER BY ts").fetchall()
    assert rows == [("claude-opus-4-5", 70), ("gpt-5", 5)]


def test_state_dir_and_earlier_product_names(home, tmp_path):
    install_fixture(home, "openclaw", "renamed_after_reset", ".clawdbot")
    assert len(openclaw.discover(Env(home=home)).files) == 2
    install_fixture(tmp_path / "state", "openclaw", "renamed_after_reset", ".")
    only = openclaw.discover(Env(home=home, environ={"OPENCLAW_STATE_DIR": str(tmp_path / "state")}))
    assert only.roots == [tmp_path / "state"] and len(only.files) == 2
