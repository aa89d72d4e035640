"""``tokledger mcp`` on a real ledger, driven by the SDK's own client over stdio: the same numbers as the
command line's ``--json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES
from tests.mcp.test_server import payload, run

pytestmark = pytest.mark.slow


def test_the_tools_answer_from_the_ledger(tmp_path):
    home = tmp_path / "home"
    transcript = home / ".claude/projects/-home-dev-acme-api/sess-a.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text((FIXTURES / "claude_code" / "streaming_multiline.jsonl").read_text())
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[budgets.sessions."sess-a"]\nlifetime_usd = 0.06\n'
                                          "[alerts]\ndesktop = false\n")  # fmt: skip
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "TOKLEDGER_DB": str(tmp_path / "ledger.db"),
           "TOKLEDGER_CONFIG": str(tmp_path / "config.toml")}  # fmt: skip
    _, (summary, budgets, top, session, by_message, by_request, unknown) = run(
        ("usage_summary", {"period": "2025-10"}), ("budget_status", {}), ("top_sessions", {"n": 5}),
        ("explain_cost", {"id": "sess-a"}), ("explain_cost", {"id": "msg_01B"}), ("explain_cost", {"id": "req_01B"}),
        ("explain_cost", {"id": "nothing-by-this-id"}), args=("-m", "tokledger", "mcp"), env=env,
    )  # fmt: skip
    cli = [sys.executable, "-m", "tokledger", "daily", "--json", "--no-sync", "--since", "2025-10-01", "--until",
           "2025-10-31"]  # fmt: skip
    daily = json.loads(subprocess.run(cli, env=env, capture_output=True, text=True, check=True).stdout)
    doc = payload(summary)
    assert (doc["since"], doc["until"]) == ("2025-10-01", "2025-10-31")
    assert (
        doc["rows"] == daily["rows"] and doc["totals"] == daily["totals"] and doc["totals"]["requests"] == 2
    )
    [limit] = payload(budgets)["budgets"]
    assert (limit["target"], limit["level"], limit["used"]) == ("sess-a", "warn", 0.048708)
    assert [s["period"] for s in payload(top)["sessions"]] == ["sess-a"]
    explained = payload(session)
    assert explained["kind"] == "session" and explained["events_total"] == len(explained["events"]) == 2
    assert explained["session"]["cost_usd"] == 0.048708
    one, other = payload(by_message), payload(by_request)
    assert one["kind"] == "request" and one["events"] == other["events"]
    [event] = one["events"]
    assert (event["key"], event["request_id"]) == ("msg_01B", "req_01B") and event["price_basis"]
    assert payload(unknown) == {"found": False, "id": "nothing-by-this-id"}
