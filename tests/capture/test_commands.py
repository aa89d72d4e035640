"""The capture commands through click: hooks install/uninstall/status, statusline, capture drop-dir/tmux."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from tests.capture.test_drop_dir import AGENT_DECK, drop
from tests.capture.test_statusline import PAYLOAD
from tests.guard_services import cli


@pytest.fixture
def run(tmp_path):
    state, home = tmp_path / "state", tmp_path / "home"
    state.mkdir()
    home.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'timezone = "UTC"\n[capture]\ndrop_dir = "{tmp_path / "drop"}"\n')
    rows = [{"ts_ms": int(time.time() * 1000), "tokens": 10, "cost_pusd": 2 * 10**12, "session": "7f3e9a10"}]
    (state / "rows.json").write_text(json.dumps(rows))

    def invoke(*args: str, stdin: str | None = None, code: int = 0):
        env = {"HOME": str(home), "TOKLEDGER_CONFIG": str(config), "TOKLEDGER_TEST_STATE": str(state),
               "NO_COLOR": "1", "CLAUDE_CONFIG_DIR": "", "TMUX_TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}  # fmt: skip
        result = CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    invoke.home, invoke.state, invoke.tmp = home, state, tmp_path
    return invoke


def test_hooks_install_status_uninstall(run):
    settings = run.home / ".claude" / "settings.json"
    assert "Stop: missing" in run("hooks", "status", code=1).stdout
    out = run("hooks", "install", "--command", "/opt/tokledger").stdout
    assert out == f"{settings}: installed Stop, SubagentStop, UserPromptSubmit\n"
    assert run("hooks", "install", "--command", "/opt/tokledger").stdout == f"{settings}: already installed\n"
    status = run("hooks", "status").stdout
    assert "  UserPromptSubmit: /opt/tokledger hook UserPromptSubmit" in status
    removed = run("hooks", "uninstall").stdout
    assert removed.startswith(
        f"{settings}: removed Stop, SubagentStop, UserPromptSubmit\nbackup: {settings}.bak-"
    )
    assert json.loads(settings.read_text()) == {}


def test_hooks_for_a_project(run, monkeypatch):
    project = run.tmp / "proj"
    run("hooks", "install", "--project", str(project), "--local", "--mid-turn")
    data = json.loads((project / ".claude" / "settings.local.json").read_text())
    assert sorted(data["hooks"]) == ["PostToolBatch", "Stop", "SubagentStop", "UserPromptSubmit"]
    monkeypatch.chdir(project)  # --project alone: this directory
    out = run("hooks", "install", "--project").stdout
    assert out == f"{project / '.claude' / 'settings.json'}: installed Stop, SubagentStop, UserPromptSubmit\n"


def test_statusline_command(run):
    result = run("statusline", stdin=json.dumps(PAYLOAD))
    assert result.stdout.startswith("Sonnet 4.5 | $2.00 session | $2.00 today | ")
    assert "5h 37%" in result.stdout and "\x1b[" not in result.stdout
    assert (run.state / "ingested.jsonl").read_text().strip() == '"/t/7f3e9a10.jsonl"'
    assert json.loads((run.state / "rate_limits.jsonl").read_text()) == ["7f3e9a10", 37.0]
    custom = run("statusline", "--format", "{model}: {today_cost}", stdin=json.dumps(PAYLOAD))
    assert custom.stdout == "Sonnet 4.5: $2.00\n"


def test_statusline_shows_a_failure_instead_of_going_blank(run):
    (run.state / "rows.json").write_text("not json")
    assert run("statusline", stdin=json.dumps(PAYLOAD)).stdout == "tokledger: JSONDecodeError\n"


def test_capture_drop_dir_command(run):
    drop(run.tmp / "drop", "a.json", AGENT_DECK)
    drop(run.tmp / "drop", "b.json", "{")
    assert run("capture", "drop-dir").stdout == f"{run.tmp / 'drop'}: 1 recorded, 1 rejected\n"
    [keys] = [json.loads(x) for x in (run.state / "recorded.jsonl").read_text().splitlines()]
    assert keys[0].startswith("drop:")


def test_capture_tmux_once_without_a_server(run):
    assert run("capture", "tmux", "--once", "--socket", "none").stdout == "0 new usage summaries\n"
    assert "known tools: gemini, codex, minimax" in run("capture", "tmux", "--tools", "aider", code=2).stderr


def test_statusline_names_a_configuration_mistake(tmp_path):
    import os
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text("[budgets]\ndaily_usd = -5\n")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "TOKLEDGER_CONFIG": str(config),
        "TOKLEDGER_DB": str(tmp_path / "l.db"),
    }
    done = subprocess.run([sys.executable, "-m", "tokledger", "statusline"], input="{}", capture_output=True, check=True,
                          text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0
    assert done.stdout == f"tokledger: {config}: budgets.daily_usd must be positive, got -5\n"
