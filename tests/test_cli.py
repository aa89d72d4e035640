"""The command line: every command, the JSON contract, CSV, help texts and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from tests.conftest import install_fixture, json_out
from tokledger.cli import cli

TOTAL_KEYS = {"input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
              "reasoning_tokens", "total_tokens", "requests", "cost_usd", "cost_usd_priced", "unpriced_requests"}  # fmt: skip


@pytest.fixture
def history(home):
    for case in ("streaming_multiline.jsonl", "unknown_model.jsonl", "cache_1h.jsonl", "garbage.jsonl"):
        install_fixture(home, "claude_code", case, f".claude/projects/-home-dev-acme-api/{case}")
    return home


def test_json_contract_of_every_report(run_cli, history):
    for command in ("daily", "weekly", "monthly", "session", "project", "model", "blocks", "today"):
        doc = json_out(run_cli(command, "--json", "--breakdown"))
        assert set(doc) == {"report", "timezone", "mode", "rows", "totals", "unpriced"}, command
        assert set(doc["totals"]) == TOTAL_KEYS
        for row in doc["rows"]:
            assert TOTAL_KEYS | {"period", "models"} <= set(row), command
            for part in row["models"]:
                assert set(part) == TOTAL_KEYS | {"source", "model"}


def test_daily_numbers(run_cli, history):
    doc = json_out(run_cli("daily", "--json"))
    assert [r["period"] for r in doc["rows"]] == ["2025-10-02", "2025-10-08", "2025-10-10", "2025-10-12"]
    oct2 = doc["rows"][0]
    assert (oct2["input_tokens"], oct2["output_tokens"], oct2["cache_write_tokens"], oct2["cache_read_tokens"]) == (
        20, 632, 2048, 104960)  # fmt: skip
    assert oct2["requests"] == 2 and oct2["unpriced_requests"] == 0
    # msg_01A: 12*3 + 512*15 + 2048*3.75 + 51200*0.3 ; msg_01B: 8*3 + 120*15 + 53760*0.3 (USD per million)
    assert oct2["cost_usd"] == pytest.approx((36 + 7680 + 7680 + 15360 + 24 + 1800 + 16128) / 1e6, abs=1e-12)
    oct10 = doc["rows"][2]
    assert oct10["cost_usd"] is None and oct10["cost_usd_priced"] == 0.018 and oct10["unpriced_requests"] == 1
    assert doc["unpriced"] == {"requests": 1, "models": ["claude-imaginary-9"]}
    assert doc["totals"]["cost_usd"] is None


def test_table_shows_unpriced_line_and_totals(run_cli, history):
    out = run_cli("daily").output
    assert "Total" in out and "2025-10-02" in out
    assert "unpriced: 1 requests (models claude-imaginary-9)" in out
    assert "$0.00 " not in out.split("2025-10-10")[1].splitlines()[0]


def test_csv(run_cli, history):
    rows = list(csv.DictReader(io.StringIO(run_cli("daily", "--csv", "--breakdown").stdout)))
    assert {r["model"] for r in rows} >= {"claude-imaginary-9", "claude-sonnet-4-5-20250929"}
    unpriced = next(r for r in rows if r["model"] == "claude-imaginary-9")
    assert unpriced["cost_usd"] == "" and unpriced["unpriced_requests"] == "1"


def test_filters_and_timezone_options(run_cli, history):
    doc = json_out(
        run_cli("daily", "--json", "--since", "2025-10-08", "--until", "20251010", "-z", "Asia/Tokyo")
    )
    assert [r["period"] for r in doc["rows"]] == ["2025-10-08", "2025-10-10"]
    assert doc["timezone"] == "Asia/Tokyo"
    assert json_out(run_cli("daily", "--json", "--year", "2024"))["rows"] == []
    doc = json_out(run_cli("model", "--json", "--model", "imaginary"))
    assert [r["period"] for r in doc["rows"]] == ["claude-imaginary-9"]
    doc = json_out(run_cli("daily", "--json", "--project", "acme", "--source", "claude_code"))
    assert doc["totals"]["requests"] == 8


def test_no_sync_reports_the_ledger_as_is(run_cli, history):
    assert json_out(run_cli("daily", "--json", "--no-sync"))["rows"] == []
    run_cli("sync")
    assert json_out(run_cli("daily", "--json", "--no-sync"))["totals"]["requests"] == 8


def test_sync_verbose_lists_files_and_skipped_lines(run_cli, history):
    out = run_cli("sync", "-v").output
    assert "claude_code: 4 files, 4 read, 8 events recorded, 6 lines skipped" in out
    assert "garbage.jsonl" in out
    again = run_cli("sync", "-v").output
    assert "0 read" in again and "unchanged 4 files" in again


def test_sources_lists_paths_files_events_skipped(run_cli, history):
    doc = json_out(run_cli("sources", "--json"))
    cc = next(s for s in doc if s["source"] == "claude_code")
    assert cc["found"] and cc["files"] == 4 and cc["events"] == 8 and cc["skipped_lines"] == 6
    assert cc["paths"] == [str(history / ".claude/projects")]
    assert cc["accuracy"] == "exact" and cc["last_sync"]
    assert "claude_code" in run_cli("sources").output


def test_default_command_is_today(run_cli, home):
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    target = home / ".claude/projects/-p/s.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text(
        json.dumps(
            {
                "type": "assistant",
                "timestamp": now,
                "sessionId": "s",
                "message": {
                    "id": "m1",
                    "model": "claude-sonnet-4-5-20250929",
                    "usage": {"input_tokens": 7, "output_tokens": 9},
                },
            }
        )
        + "\n"
    )
    out = run_cli().output
    assert "Today" in out and "claude-sonnet-4-5-20250929" in out and "claude_code" in out
    doc = json_out(run_cli("today", "--json"))
    assert doc["totals"]["total_tokens"] == 16 and doc["rows"][0]["models"][0]["source"] == "claude_code"


def test_prices_command(run_cli):
    out = run_cli("prices", "claude-sonnet-4-5-20250929").output
    assert "anthropic/claude-sonnet-4-5" in out and "$3 / Mtok" in out and "200,000" in out
    doc = json_out(run_cli("prices", "gpt-5-codex", "--json"))
    assert doc["matched"] == "gpt-5" and doc["per_million_tokens"]["cache_read"] == "0.125"
    err = run_cli("prices", "no-such-model-x", expect=1).output
    assert "no price known for 'no-such-model-x'" in err


def test_config_override_and_reprice(run_cli, history, tmp_path):
    run_cli("sync")
    before = json_out(run_cli("model", "--json", "--no-sync", "--model", "imaginary"))
    assert before["totals"]["cost_usd"] is None
    (tmp_path / "config.toml").write_text('[prices."claude-imaginary-9"]\ninput = 1\noutput = 2\n')
    assert "changed" in run_cli("reprice").output
    after = json_out(run_cli("model", "--json", "--no-sync", "--model", "imaginary"))
    assert after["totals"]["cost_usd"] == 0.003


def test_bad_input_gives_one_line_errors(run_cli, tmp_path):
    cases = [
        (("daily", "--since", "yesterday"), "--since 'yesterday': expected a date as YYYY-MM-DD", 2),
        (("daily", "-z", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'", 2),
        (("daily", "--source", "nope"), "unknown source 'nope'", 2),
        (("daily", "--since", "2025-02-01", "--until", "2025-01-01"), "is after --until", 2),
        (("blocks", "--token-limit", "lots"), "expected a whole number of tokens or 'max'", 2),
        (("daily", "--mode", "guess"), "'guess' is not one of", 2),
    ]
    for args, message, code in cases:
        result = run_cli(*args, expect=code)
        assert message in result.output, args
        assert "Traceback" not in result.output
    (tmp_path / "config.toml").write_text('[prices."x"]\ninput = "cheap"\noutput = 1\n')
    out = run_cli("daily", expect=1).output
    assert "config.toml: prices.'x'.input is not a number" in out
    (tmp_path / "config.toml").write_text("colour = 1\n")
    assert "unknown key 'colour'" in run_cli("daily", expect=1).output


def test_unopenable_ledger_is_a_one_line_error(run_cli, tmp_path):
    (tmp_path / "junk.db").write_bytes(b"x" * 4096)
    out = run_cli("daily", env={"TOKLEDGER_DB": str(tmp_path / "junk.db")}, expect=1).output
    assert out.startswith("Error: cannot open the ledger") and len(out.strip().splitlines()) == 1


def test_every_command_has_complete_help():
    for name, command in cli.commands.items():
        assert command.help and len(command.help) > 20, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts}"


def test_python_dash_m_and_version():
    out = subprocess.run(
        [sys.executable, "-m", "tokledger", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("tokledger, version")


def testProgressBar_only_for_a_large_import_on_a_terminal(monkeypatch):
    from tokledger import cli as cli_module

    class TTY:
        def isatty(self):
            return True

        def write(self, text):
            pass

        def flush(self):
            pass

    bar = cli_module.ProgressBar()
    monkeypatch.setattr(cli_module.sys, "stderr", TTY())
    bar(0, 1024)
    assert bar._bar is None  # small imports show nothing
    bar(0, cli_module.PROGRESS_MIN_BYTES)
    assert bar._bar is not None
    bar(cli_module.PROGRESS_MIN_BYTES, cli_module.PROGRESS_MIN_BYTES)
    bar.close()
    monkeypatch.setattr(cli_module.sys, "stderr", io.StringIO())
    piped = cli_module.ProgressBar()
    piped(0, 10 * cli_module.PROGRESS_MIN_BYTES)
    assert piped._bar is None


def test_breakdown_by_source(run_cli, history):
    doc = json_out(run_cli("daily", "--json", "--breakdown", "source"))
    for row in doc["rows"]:
        assert "models" not in row
        assert [p["source"] for p in row["sources"]] == ["claude_code"]
        assert row["sources"][0]["total_tokens"] == row["total_tokens"]
    table = run_cli("monthly", "-b", "source").output
    assert "└ claude_code" in table and "·" not in table
    assert json_out(run_cli("daily", "-b", "--json"))["rows"][0]["models"][0]["model"]


def test_events_explain_each_cost(run_cli, home):
    for case in ("long_context.jsonl", "unknown_model.jsonl", "logged_cost.jsonl"):
        install_fixture(home, "claude_code", case, f".claude/projects/-home-dev-acme-api/{case}")
    doc = json_out(run_cli("events", "--json", "--limit", "0"))
    by_key = {e["key"]: e for e in doc["events"]}
    assert len(by_key) == 7 and doc["mode"] == "auto"
    long = by_key["msg_07A"]
    assert long["price_basis"].endswith("long context (>200,000 input tokens)")
    assert long["file"].endswith("long_context.jsonl") and long["request_id"] == "req_07A"
    assert by_key["msg_07C"]["price_basis"].endswith(
        "tokledger long-context rule, long context (>200,000 input tokens)"
    )
    assert by_key["msg_08A"]["cost_usd"] is None and by_key["msg_08A"]["price_basis"] is None
    logged = by_key["msg_10A"]
    assert (
        logged["cost_usd"] == 0.5
        and logged["logged_cost_usd"] == 0.5
        and logged["calculated_cost_usd"] == 0.018
    )
    newest = json_out(run_cli("events", "--json", "--limit", "2", "--no-sync"))["events"]
    assert [e["key"] for e in newest] == ["msg_08A", "msg_08B"]  # the newest two, oldest first
    table = run_cli("events", "--model", "imaginary", "--no-sync").output
    assert "unpriced" in table
    rows = list(csv.DictReader(io.StringIO(run_cli("events", "--csv", "--no-sync").output)))
    assert len(rows) == 7 and rows[0]["price_basis"]


def test_empty_today_says_where_it_looked_or_when_usage_was_last_seen(run_cli, home):
    out = run_cli().output
    assert "no usage recorded yet" in out and "`tokledger sources` lists them" in out
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", ".claude/projects/-p/s.jsonl")
    out = run_cli().output
    assert "no usage yet today. Last usage: 2025-10-02 14:05 (claude_code)" in out
