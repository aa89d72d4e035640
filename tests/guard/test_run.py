"""``tokledger hook`` and ``tokledger statusline`` end to end: real processes started as Claude Code starts
them (payload on stdin), a real transcript and a real ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

ROOT = Path(__file__).parent.parent.parent
pytestmark = pytest.mark.slow
SESSION_COST = "$0.0487"  # sess-a of streaming_multiline.jsonl


@pytest.fixture
def claude(tmp_path):
    """Run ``python -m tokledger ARGS`` with a payload on stdin, over a fake home holding one transcript."""
    home = tmp_path / "home"
    transcript = home / ".claude/projects/-home-dev-acme-api/sess-a.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text((FIXTURES / "claude_code" / "streaming_multiline.jsonl").read_text())
    config = tmp_path / "config.toml"
    environ = {"HOME": str(home), "PATH": os.environ["PATH"], "TOKLEDGER_DB": str(tmp_path / "ledger.db"),
               "TOKLEDGER_CONFIG": str(config), "NO_COLOR": "1", "TZ": "UTC"}  # fmt: skip

    def run(
        *args: str, payload: dict | str | None = None, toml: str | None = None
    ) -> subprocess.CompletedProcess:
        if toml is not None:
            config.write_text('timezone = "UTC"\n[alerts]\ndesktop = false\n' + toml)
        text = payload if isinstance(payload, str) else json.dumps(payload or {})
        return subprocess.run([sys.executable, "-m", "tokledger", *args], input=text, text=True, capture_output=True,
                              cwd=ROOT, env=environ, timeout=120, check=False)  # fmt: skip

    def payload(event: str, **extra) -> dict:
        return {"session_id": "sess-a", "transcript_path": str(transcript), "cwd": "/home/dev/acme-api",
                "hook_event_name": event, **extra}  # fmt: skip

    run.payload, run.transcript = payload, transcript
    return run


def test_past_a_stop_level_prompts_are_blocked_and_turns_ended(claude):
    toml = "[budgets.sessions]\nlifetime_usd = 0.01\n"
    done = claude(
        "hook", "UserPromptSubmit", payload=claude.payload("UserPromptSubmit", prompt="go on"), toml=toml
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"decision", "reason"} and out["decision"] == "block"
    assert (
        f"session sess-a lifetime budget: {SESSION_COST} of $0.0100 (487.1 %) is past its stop level"
        in out["reason"]
    )
    assert "tokledger: budget reached: session sess-a" in done.stderr  # the alert, once
    stop = claude("hook", "Stop", payload=claude.payload("Stop", stop_hook_active=False))
    out = json.loads(stop.stdout)
    assert out["continue"] is False and "stopReason" in out and "decision" not in out
    assert "budget reached" not in stop.stderr
    sessions = json.loads(claude("session", "--json", "--no-sync").stdout)
    assert [(r["period"], r["cost_usd"]) for r in sessions["rows"]] == [("sess-a", 0.048708)]


def test_a_warn_level_is_a_system_message_once_per_session(claude):
    toml = "[budgets.sessions]\nlifetime_usd = 0.055\n"
    first = claude("hook", "Stop", payload=claude.payload("Stop"), toml=toml)
    assert json.loads(first.stdout) == {
        "systemMessage": f"tokledger: session sess-a lifetime budget: {SESSION_COST} of $0.0550 (88.6 %) (warn)"}  # fmt: skip
    again = claude("hook", "Stop", payload=claude.payload("Stop"))
    assert (again.returncode, again.stdout) == (0, "")


def test_the_transcript_is_read_incrementally(claude):
    claude("hook", "Stop", payload=claude.payload("Stop"), toml="")
    more = (
        (FIXTURES / "claude_code" / "cache_1h.jsonl")
        .read_text()
        .replace('"sessionId":"s1h"', '"sessionId":"sess-a"')
    )
    with claude.transcript.open("a") as out:
        out.write(more)
    claude("hook", "SubagentStop", payload=claude.payload("SubagentStop"))
    events = json.loads(claude("events", "--json", "--no-sync", "--limit", "0").stdout)["events"]
    assert len(events) == 4 and {e["file"] for e in events} == {str(claude.transcript)}
    synced = json.loads(claude("sync", "--json").stdout)
    assert synced["sources"]["claude_code"]["events"] == 0  # a sync finds nothing the hook left unread


@pytest.mark.parametrize("payload", ["not json", "[1, 2]"])
def test_any_failure_exits_0_and_leaves_a_notice(claude, payload):
    done = claude("hook", "Stop", payload=payload, toml="[budgets]\ndaily_usd = 1\n")
    assert (done.returncode, done.stdout) == (0, "")
    assert "tokledger hook Stop: " in claude("sources", "--no-sync").stdout


def test_a_broken_budget_table_fails_open(claude):
    done = claude("hook", "UserPromptSubmit", payload=claude.payload("UserPromptSubmit"),
                  toml="[budgets]\ndaily_usd = 'lots'\n")  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "")
    assert "budgets.daily_usd must be a number" in claude("sources", "--no-sync").stdout


def test_the_status_line(claude):
    resets = int(time.time()) + 7200
    payload = {**claude.payload("Status"), "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
               "rate_limits": {"five_hour": {"used_percentage": 37, "resets_at": resets}}}  # fmt: skip
    done = claude("statusline", payload=payload, toml="[budgets.sessions]\nlifetime_usd = 0.01\n")
    assert done.returncode == 0 and done.stderr == ""
    assert (
        done.stdout
        == f"Sonnet 4.5 | {SESSION_COST} session | $0.00 today | 1h 59m left | budget 487% | 5h 37%\n"
    )
    assert claude("--debug", "statusline", payload=payload).stdout == done.stdout  # the same through click
    custom = claude("statusline", "--format={model} {session_cost}", payload=payload)
    assert custom.stdout == f"Sonnet 4.5 {SESSION_COST}\n"
    blocks = json.loads(claude("blocks", "--json", "--no-sync").stdout)
    assert blocks["rate_limits"]["five_hour"]["used_percent"] == 37
    assert (
        claude("budget", "--json", "--no-sync", "--no-alerts").returncode == 0
    )  # alerts were left to others
    assert "budget reached" not in done.stderr


def test_the_status_line_before_the_transcript_exists(claude):
    claude.transcript.unlink()
    done = claude(
        "statusline", payload={**claude.payload("Status"), "cost": {"total_cost_usd": 0.42}}, toml=""
    )
    assert done.stdout == "~$0.42 session | $0.00 today\n"
