"""Kimi CLI StatusUpdates (progressive, subagent-wrapped, model from config) and Kimi Code usage records."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from tests.conftest import install_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import kimi

CLI_WIRE = ".kimi/sessions/3f9a1c/sess-k1/wire.jsonl"
CODE_SESSION = ".kimi-code/sessions/wd_acme_01/c0ffee00-1111-2222-3333-444455556666"


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_kimi_cli_status_updates(home):
    install_fixture(home, "kimi", "kimi_cli", ".")
    result = kimi.parse(home / CLI_WIRE)
    model = "kimi-k2-turbo-preview"  # default_model alias resolved through [models.<alias>]
    assert sorted(result.events, key=lambda e: e.timestamp) == [
        # Two StatusUpdates of one step: the larger counts win, the first time dates it.
        UsageEvent(source="kimi", key="chatcmpl-aa01", timestamp=at(1770983410.0), model=model, input_tokens=1562,
                   output_tokens=2463, cache_read_tokens=8192, session_id="sess-k1"),
        UsageEvent(source="kimi", key="chatcmpl-sub1", timestamp=at(1770983440.25), model=model,
                   input_tokens=300, output_tokens=40, cache_read_tokens=1000, session_id="sess-k1"),
        UsageEvent(source="kimi", key="sess-k1@1770983450.0", timestamp=at(1770983450.0), model=model,
                   input_tokens=7, output_tokens=1, session_id="sess-k1"),
    ]  # fmt: skip
    assert result.skipped == 0


def test_kimi_cli_without_configuration_is_unknown_model(home):
    install_fixture(home, "kimi", "kimi_cli", ".")
    (home / ".kimi" / "config.toml").unlink()
    assert {e.model for e in kimi.parse(home / CLI_WIRE).events} == {"unknown"}


def test_kimi_code_usage_records_per_agent_and_step_end_ignored(home):
    install_fixture(home, "kimi", "kimi_code", ".")
    session = "c0ffee00-1111-2222-3333-444455556666"
    model = "moonshot/kimi-k2-0905-preview"
    [main] = kimi.parse(home / CODE_SESSION / "agents/main/wire.jsonl").events
    [sub] = kimi.parse(home / CODE_SESSION / "agents/agent-0/wire.jsonl").events
    assert main == UsageEvent(source="kimi", key=f"{session}:main:1780942009099:{model}",
                              timestamp=at(1780942009.099), model=model, input_tokens=19591, output_tokens=39,
                              cache_read_tokens=1024, session_id=session)  # fmt: skip
    assert (sub.key, sub.input_tokens, sub.output_tokens, sub.cache_read_tokens, sub.cache_write_tokens) == (
        f"{session}:agent-0:1780942009099:{model}", 10, 20, 30, 40)  # fmt: skip


def test_both_layouts_sync_and_share_dir_is_honoured(ledger, home, tmp_path):
    install_fixture(home, "kimi", "kimi_code", ".")
    install_fixture(tmp_path, "kimi", "kimi_cli", ".")
    shutil.move(tmp_path / ".kimi", tmp_path / "share")
    env = Env(home=home, environ={"KIMI_SHARE_DIR": str(tmp_path / "share")})
    assert kimi.discover(env).roots == [tmp_path / "share" / "sessions", home / ".kimi-code" / "sessions"]
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*) FROM events WHERE source = 'kimi'").fetchone() == (5,)
