"""The status line: Claude Code's JSON in, one line out (ledger costs, block, budget, plan limits)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.budgets.test_config import parse
from tests.conftest import ms, ts
from tests.guard_services import StatusSums
from tokledger.statusline import Block, parse_input, render, status_line

ROOT = Path(__file__).parent.parent.parent
NOW = ts("2025-06-04T10:00:00Z")
UTC_ZONE = ZoneInfo("UTC")
PAYLOAD = {
    "session_id": "7f3e9a10", "transcript_path": "/t/7f3e9a10.jsonl", "cwd": "/home/dev/acme",
    "model": {"id": "claude-sonnet-4-5-20250929", "display_name": "Sonnet 4.5"}, "cost": {"total_cost_usd": 0.42},
    "context_window": {"context_window_size": 200000, "used_percentage": 21},
    "rate_limits": {"five_hour": {"used_percentage": 37, "resets_at": int(NOW.timestamp()) + 7200},
                    "seven_day": {"used_percentage": 91.5, "resets_at": 1759428000}},
}  # fmt: skip


def data() -> StatusSums:
    sums = StatusSums()
    sums.add(ts("2025-06-04T09:00:00Z"), usd=1.25, tokens=1000, session="7f3e9a10", project="/home/dev/acme")
    sums.add(ts("2025-06-04T08:00:00Z"), usd=2.00, tokens=1000, session="other")
    sums.add(ts("2025-06-03T08:00:00Z"), usd=50.0, tokens=1000, session="7f3e9a10")  # yesterday: not today
    sums.block = Block(ms("2025-06-04T08:00:00Z"), ms("2025-06-04T13:00:00Z"), 3_250_000_000_000, 180_000,
                       ms("2025-06-04T08:00:00Z"), ms("2025-06-04T09:00:00Z"))  # fmt: skip
    return sums


def line(payload=PAYLOAD, budgets="[budgets]\ndaily_usd = 4", **kw):
    return status_line(json.dumps(payload), data(), parse(budgets), UTC_ZONE, now=NOW, colour=False, **kw)


def test_the_default_line():
    result = line()
    assert result.line == (
        "Sonnet 4.5 | $51.25 session | $3.25 today | 2h 00m left | $3.25/h | budget 81% | 5h 37% | 7d 92%"
    )
    assert result.rate_limits.session_id == "7f3e9a10"
    assert (
        result.rate_limits.five_hour.used_percentage == 37
        and result.rate_limits.seven_day.resets_at == 1759428000
    )


def test_without_rate_limits_the_block_estimate_is_used_and_segments_drop():
    payload = {k: v for k, v in PAYLOAD.items() if k != "rate_limits"}
    result = line(payload, budgets="")
    assert result.line == "Sonnet 4.5 | $51.25 session | $3.25 today | 3h 00m left | $3.25/h"
    assert result.rate_limits is None


def test_a_session_not_in_the_ledger_shows_claude_codes_estimate():
    payload = {**PAYLOAD, "session_id": "new-one"}
    assert "~$0.42 session" in line(payload).line


def test_custom_format_and_placeholders():
    template = "{model} ({context} ctx) | {block_tokens_rate} | {budget_level} | {cc_cost} est. | {nothing}"
    assert line(template=template).line == "Sonnet 4.5 (21% ctx) | 3.0k tok/min | warn | $0.42 est."


def test_colours_and_no_colour():
    coloured = status_line(json.dumps(PAYLOAD), data(), parse("[budgets]\ndaily_usd = 4"), UTC_ZONE, now=NOW)
    assert "\x1b[33mbudget 81%\x1b[0m" in coloured.line and "\x1b[31m92%\x1b[0m" in coloured.line
    assert "\x1b[" not in line().line


def test_malformed_input_never_fails():
    epoch_bug = {"rate_limits": {"five_hour": {"used_percentage": 1759428000}}, "model": {"id": "m\x1b[2J"}}
    result = line(epoch_bug, budgets="")
    assert result.rate_limits is None and result.line.startswith("m[2J | $3.25 today")
    assert line("not json", budgets="").line == "$3.25 today | 3h 00m left | $3.25/h"
    assert parse_input("[]", NOW).model == "" and parse_input("{", NOW).session_id is None


def test_before_hook_sees_the_parsed_input():
    seen = []
    line(before=seen.append)
    assert seen[0].transcript_path == "/t/7f3e9a10.jsonl"


def test_render_drops_segments_with_an_empty_placeholder():
    assert render("{a} | x {b} | {c}", {"a": "1", "b": "", "c": "3"}) == "1 | 3"


def test_importing_the_status_line_stays_light():
    heavy = (
        "rich",
        "click",
        "httpx",
        "mcp",
        "textual",
        "watchfiles",
        "desktop_notifier",
        "msgspec",
        "sqlite3",
    )
    code = ("import sys, tokledger.statusline, tokledger.capture.hook; "
            f"print([m for m in sys.modules if m.split('.')[0] in {heavy!r}])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_plain_reports_and_the_cli_do_not_import_the_guard_dependencies():
    heavy = ("httpx", "mcp", "watchfiles", "desktop_notifier")
    code = ("import sys, tokledger, tokledger.reports, tokledger.cli, tokledger.cli.guard, tokledger.budgets, "
            f"tokledger.alerts; print([m for m in sys.modules if m.split('.')[0] in {heavy!r}])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
