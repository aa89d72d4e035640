"""The hook handler end to end: a payload on stdin of a real subprocess, the decision on stdout, exit 0."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.guard_services import FakeServices
from tokledger.capture.hook import HookDeps, run_hook
from tokledger.env import Env

ROOT = Path(__file__).parent.parent.parent
CONFIG = """timezone = "UTC"
[budgets]
daily_usd = 1000
[budgets.sessions]
lifetime_usd = 5
[alerts]
desktop = false
"""


@pytest.fixture
def guard(tmp_path):
    """Run ``tokledger <args>`` (the test entry point) in a subprocess with a payload on stdin."""
    state, home = tmp_path / "state", tmp_path / "home"
    state.mkdir()
    home.mkdir()
    (tmp_path / "config.toml").write_text(CONFIG)
    now = int(time.time() * 1000)
    rows = [{"ts_ms": now, "tokens": 10, "cost_pusd": usd * 10**12, "session": s, "project": "/w"}
            for s, usd in (("stopped", 6), ("warned", 4.2), ("fine", 1))]  # fmt: skip
    (state / "rows.json").write_text(json.dumps(rows))
    environ = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TOKLEDGER_CONFIG": str(tmp_path / "config.toml"),
               "TOKLEDGER_TEST_STATE": str(state)}  # fmt: skip
    services = FakeServices(Env(home=home, environ=environ), tmp_path / "config.toml", state)

    def run(*args: str, payload: dict | str | None = None) -> subprocess.CompletedProcess:
        text = payload if isinstance(payload, str) else json.dumps(payload or {})
        return subprocess.run([sys.executable, "-m", "tests.guard_services", *args], input=text, text=True,
                              capture_output=True, cwd=ROOT, env=environ, timeout=120, check=False)  # fmt: skip

    run.services = services
    return run


def payload(event: str, session: str, **extra) -> dict:
    return {"session_id": session, "transcript_path": f"/t/{session}.jsonl", "cwd": "/w",
            "hook_event_name": event, "permission_mode": "default", **extra}  # fmt: skip


@pytest.mark.slow
def test_past_a_stop_level_a_new_prompt_is_blocked(guard):
    done = guard("hook", "UserPromptSubmit", payload=payload("UserPromptSubmit", "stopped", prompt="go on"))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["decision"] == "block" and set(out) == {"decision", "reason"}
    assert "session stopped lifetime budget: $6.00 of $5.00 (120.0 %) is past its stop level" in out["reason"]
    assert "raise the limit under [budgets] in " in out["reason"]
    assert guard.services.lines("ingested.jsonl") == ["/t/stopped.jsonl"]
    # alerts were claimed and the stop alert went out once, not per hook run
    guard("hook", "UserPromptSubmit", payload=payload("UserPromptSubmit", "stopped"))
    claims = guard.services.alert_store().claimed()
    assert [k.rsplit(":", 1)[1] for k in claims] == ["stop", "warn"]


@pytest.mark.slow
def test_a_running_turn_is_ended_never_blocked_from_stopping(guard):
    for event in ("Stop", "SubagentStop"):
        extra = {"stop_hook_active": False, "agent_transcript_path": "/t/stopped/subagents/agent-1.jsonl"}
        done = guard("hook", event, payload=payload(event, "stopped", **extra))
        out = json.loads(done.stdout)
        assert done.returncode == 0 and out["continue"] is False and "stopReason" in out
        assert "decision" not in out
    assert "/t/stopped/subagents/agent-1.jsonl" in guard.services.lines("ingested.jsonl")


@pytest.mark.slow
def test_a_warn_level_is_a_system_message_once_per_session(guard):
    first = guard("hook", payload=payload("Stop", "warned"))  # the event from hook_event_name
    assert json.loads(first.stdout) == {
        "systemMessage": "tokledger: session warned lifetime budget: $4.20 of $5.00 (84.0 %) (warn)"}  # fmt: skip
    again = guard("hook", "Stop", payload=payload("Stop", "warned"))
    assert again.returncode == 0 and again.stdout == ""
    fine = guard("hook", "UserPromptSubmit", payload=payload("UserPromptSubmit", "fine"))
    assert fine.returncode == 0 and fine.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad", ["not json", "[1, 2]", json.dumps(payload("Stop", "x", transcript_path="/t/broken.jsonl"))]
)
def test_any_failure_exits_0_silently_and_leaves_a_notice(guard, bad):
    done = guard("hook", "Stop", payload=bad)
    assert (done.returncode, done.stdout) == (0, "")
    [notice] = guard.services.lines("notices.jsonl")
    assert notice.startswith("tokledger hook Stop: ")


def test_a_broken_config_is_a_notice_too(tmp_path):
    (tmp_path / "config.toml").write_text("[budgets]\ndaily_usd = 'lots'\n")
    services = FakeServices(Env(home=tmp_path), tmp_path / "config.toml", tmp_path)
    notices = []
    deps = HookDeps(ingest_transcript=lambda p: None, budgets=services.budgets, sums=lambda: None,
                    timezone=lambda: None, notice=notices.append)  # fmt: skip
    out = io.StringIO()
    assert (
        run_hook("UserPromptSubmit", io.StringIO(json.dumps(payload("UserPromptSubmit", "s"))), out, deps)
        == 0
    )
    assert out.getvalue() == "" and "budgets.daily_usd must be a number" in notices[0]


def test_enforce_false_only_warns(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG.replace("[budgets]\n", "[budgets]\nenforce = false\n"))
    (tmp_path / "rows.json").write_text(json.dumps([{"ts_ms": 0, "tokens": 1, "cost_pusd": 6 * 10**12,
                                                     "session": "s"}]))  # fmt: skip
    services = FakeServices(Env(home=tmp_path), tmp_path / "config.toml", tmp_path)
    deps = HookDeps(ingest_transcript=lambda p: None, budgets=services.budgets, sums=services.usage_sums,
                    timezone=services.timezone, notice=print)  # fmt: skip
    out = io.StringIO()
    run_hook("UserPromptSubmit", io.StringIO(json.dumps(payload("UserPromptSubmit", "s"))), out, deps)
    assert json.loads(out.getvalue()) == {
        "systemMessage": "tokledger: session s lifetime budget: $6.00 of $5.00 (120.0 %) (stop)"}  # fmt: skip
