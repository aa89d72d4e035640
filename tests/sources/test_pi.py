"""Pi sessions: model changes, logged cost, branches that copy their history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.conftest import FIXTURES, install_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import pi

PI = FIXTURES / "pi"
ORIGINAL = "2025-10-02T14-00-00-000Z_7f1c2d3e-aaaa-4bbb-8ccc-0123456789ab.jsonl"
S1, S2 = "7f1c2d3e-aaaa-4bbb-8ccc-0123456789ab", "9e8d7c6b-bbbb-4ccc-8ddd-fedcba987654"


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_messages_model_change_and_logged_cost():
    result = pi.parse(PI / "branched/--home-dev-acme-api--" / ORIGINAL)
    assert result.events == [
        UsageEvent(source="pi", key="1759413602500:anthropic/claude-sonnet-4-5:12:230:0:4100",
                   timestamp=at(1759413602500), model="claude-sonnet-4-5", input_tokens=12, output_tokens=230,
                   cache_write_tokens=4100, session_id=S1, project="/home/dev/acme-api", provider="anthropic",
                   logged_cost_usd=Decimal("0.018861")),
        # No model on the message: the preceding model_change names it.
        UsageEvent(source="pi", key="1759413908000:openai/gpt-5:800:95:3200:0", timestamp=at(1759413908000),
                   model="gpt-5", input_tokens=800, output_tokens=95, cache_read_tokens=3200, session_id=S1,
                   project="/home/dev/acme-api", provider="openai", logged_cost_usd=Decimal("0.002")),
    ]  # fmt: skip


def test_branch_copies_count_once_and_stay_with_the_original_session(ledger, env, home):
    install_fixture(home, "pi", "branched", ".pi/agent/sessions")
    sync_all(ledger, env)
    query = "SELECT session_id, output_tokens, is_primary FROM events ORDER BY ts"
    rows = ledger.conn.execute(query).fetchall()
    assert rows == [(S1, 230, 1), (S1, 95, 1), (S2, 50, 0)]


def test_appended_lines_still_know_their_session(ledger, env, home):
    lines = (PI / "branched/--home-dev-acme-api--" / ORIGINAL).read_text().splitlines(keepends=True)
    target = home / ".pi/agent/sessions/--p--" / ORIGINAL
    target.parent.mkdir(parents=True)
    target.write_text("".join(lines[:3]))
    sync_all(ledger, env)
    with target.open("a") as f:
        f.write("".join(lines[3:]))
    assert [f.action for f in sync_all(ledger, env).files] == ["appended"]
    rows = ledger.conn.execute("SELECT session_id, project FROM events ORDER BY ts").fetchall()
    assert rows == [(S1, "/home/dev/acme-api")] * 2


def test_malformed_lines_are_skipped_and_counted():
    result = pi.parse(PI / "garbage.jsonl")
    assert [(e.session_id, e.output_tokens) for e in result.events] == [("g-1", 4)]
    assert result.skipped == 3  # truncated, no timestamp at all, negative count


def test_agent_dir_from_the_environment(home, tmp_path):
    install_fixture(tmp_path / "agent", "pi", "garbage.jsonl", "sessions/--w--/x.jsonl")
    env = Env(home=home, environ={"PI_CODING_AGENT_DIR": str(tmp_path / "agent")})
    assert [Path(p).name for p in pi.discover(env).files] == ["x.jsonl"]
    assert pi.discover(Env(home=home)).roots == [home / ".pi/agent/sessions"]
