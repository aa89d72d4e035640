"""The MCP server over stdio, driven by the SDK's own client: tool list, results and argument errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tokledger.mcp.service import resolve_period

ROOT = Path(__file__).parent.parent.parent
pytestmark = pytest.mark.slow


async def _session_run(calls, args=("-m", "tests.mcp.fake_server"), env=None):
    params = StdioServerParameters(command=sys.executable, args=list(args), cwd=str(ROOT), env=env)
    with anyio.fail_after(120):  # a generous bound, never a timing assertion
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            results = [await session.call_tool(name, arguments) for name, arguments in calls]
            return tools, results


def run(*calls, **kw):
    return anyio.run(lambda: _session_run(list(calls), **kw))


def field(obj, name: str):
    """A result field under mcp 2's snake_case name or mcp 1's camelCase one."""
    camel = name.split("_")[0] + "".join(p.title() for p in name.split("_")[1:])
    return getattr(obj, name) if hasattr(obj, name) else getattr(obj, camel)


def payload(result) -> dict:
    assert not field(result, "is_error"), result
    return json.loads(result.content[0].text)


def test_tools_and_their_results():
    tools, (summary, budgets, top, explained, unknown) = run(
        ("usage_summary", {"period": "last_week"}), ("budget_status", {}), ("top_sessions", {"n": 3}),
        ("explain_cost", {"id": "msg_1"}), ("explain_cost", {"id": "nope"}),
    )  # fmt: skip
    assert sorted(t.name for t in tools.tools) == [
        "budget_status",
        "explain_cost",
        "top_sessions",
        "usage_summary",
    ]
    schema = field(next(t for t in tools.tools if t.name == "top_sessions"), "input_schema")
    assert schema["properties"]["n"]["type"] == "integer"
    assert payload(summary)["period"] == "last_week" and payload(summary)["totals"]["cost_usd"] == 1.5
    assert payload(budgets)["level"] == "warn"
    assert [s["period"] for s in payload(top)["sessions"]] == ["s0", "s1", "s2"]
    assert payload(explained)["events"][0]["price_basis"] == "genai-prices"
    assert payload(unknown) == {"found": False, "id": "nope"}


def test_bad_arguments_are_tool_errors():
    _, (period, n) = run(("usage_summary", {"period": "fortnight"}), ("top_sessions", {"n": 0}))
    assert field(period, "is_error") and "unknown period 'fortnight'" in period.content[0].text
    assert field(n, "is_error") and "n must be from 1 to 100" in n.content[0].text


def test_the_mcp_command_serves_the_workspace_service(tmp_path):
    (tmp_path / "config.toml").write_text("")
    env = {"HOME": str(tmp_path), "TOKLEDGER_CONFIG": str(tmp_path / "config.toml"),
           "TOKLEDGER_TEST_STATE": str(tmp_path)}  # fmt: skip
    _, (budgets,) = run(("budget_status", {}), args=("-m", "tests.guard_services", "mcp"), env=env)
    assert payload(budgets)["exit_code"] == 1


def test_resolve_period():
    from datetime import date

    today = date(2025, 6, 4)  # a Wednesday
    assert resolve_period("today", today) == (today, today)
    assert resolve_period("this_week", today) == (date(2025, 6, 2), today)
    assert resolve_period("last_week", today, week_start=6) == (date(2025, 5, 25), date(2025, 5, 31))
    assert resolve_period("last_month", today) == (date(2025, 5, 1), date(2025, 5, 31))
    assert resolve_period("2024-02", today) == (date(2024, 2, 1), date(2024, 2, 29))
    assert resolve_period("2025-06-01..2025-06-03", today) == (date(2025, 6, 1), date(2025, 6, 3))
    assert resolve_period("all", today) == (None, None)
    for bad in ("2025-13", "2025-06-03..2025-06-01", "soon"):
        with pytest.raises(ValueError, match="unknown period"):
            resolve_period(bad, today)
