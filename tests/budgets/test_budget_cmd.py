"""``tokledger budget`` and ``tokledger alerts test`` through click, over test services."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from tests.budgets.test_webhooks import Server
from tests.guard_services import cli


@pytest.fixture
def run(tmp_path):
    state, home = tmp_path / "state", tmp_path / "home"
    state.mkdir()
    home.mkdir()
    config = tmp_path / "config.toml"

    def invoke(*args: str, spent: float = 0.0, toml: str = "", environ: dict | None = None):
        config.write_text('timezone = "UTC"\n' + toml)
        now = int(time.time() * 1000)
        rows = [{"ts_ms": now, "tokens": 100, "cost_pusd": int(spent * 10**12), "session": "s1"}]
        (state / "rows.json").write_text(json.dumps(rows))
        env = {"HOME": str(home), "TOKLEDGER_CONFIG": str(config), "TOKLEDGER_TEST_STATE": str(state),
               "NO_COLOR": "1", **(environ or {})}  # fmt: skip
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    invoke.state = state
    return invoke


BUDGETS = (
    "[budgets]\nmonthly_tokens = 1000\n[budgets.sessions]\nlifetime_usd = 10\n[alerts]\ndesktop = false\n"
)


@pytest.mark.parametrize("spent, code, level", [(1, 0, "ok"), (8.5, 1, "warn"), (12, 2, "stop")])
def test_exit_codes_and_json(run, spent, code, level):
    result = run("budget", "--json", spent=spent, toml=BUDGETS)
    assert result.exit_code == code
    doc = json.loads(result.stdout)
    assert doc["level"] == level and doc["exit_code"] == code and doc["timezone"] == "UTC"
    assert [(b["scope"], b["period"], b["unit"]) for b in doc["budgets"]] == [
        ("global", "monthly", "tokens"), ("session", "lifetime", "usd")]  # fmt: skip
    assert (run.state / "calls.jsonl").read_text().count("sync") >= 1


def test_table_alert_line_on_stderr_and_no_sync(run):
    result = run("budget", "--no-sync", spent=9, toml=BUDGETS)
    assert result.exit_code == 1
    assert (
        "session s1 lifetime budget" in result.stdout
        and "$9.00" in result.stdout
        and "never" in result.stdout
    )
    assert (
        result.stderr.strip()
        == "tokledger: budget warning: session s1 lifetime budget: $9.00 of $10.00 (90.0 %)"
    )
    assert not (run.state / "calls.jsonl").exists()
    again = run("budget", "--no-sync", spent=9, toml=BUDGETS)
    assert again.stderr == ""  # once per level and period


def test_no_budgets(run):
    result = run("budget", "--no-sync")
    assert result.exit_code == 0 and "no budgets configured" in result.stdout


def test_a_config_error_names_the_key(run):
    result = run("budget", toml="[budgets]\nweekly_usd = 0\n")
    assert result.exit_code == 1 and "budgets.weekly_usd must be positive, got 0" in result.stderr


def test_alerts_test_sends_to_each_channel(run):
    srv = Server([(200, {}, 0), (500, {}, 0), (500, {}, 0)])
    try:
        toml = ("[alerts]\ndesktop = false\n[[alerts.webhooks]]\nurl_env = \"HOOK\"\nformat = \"discord\"\n"
                "[[alerts.webhooks]]\nurl_env = \"HOOK\"\nretries = 1\n")  # fmt: skip
        result = run("alerts", "test", toml=toml, environ={"HOOK": srv.url})
    finally:
        srv.close()
    host = srv.url.split("/services")[0]
    assert result.stdout.splitlines() == [f"webhook {host}/***: sent",
                                          f"webhook {host}/***: failed: {host}/*** answered HTTP 500 (2 attempts)"]  # fmt: skip
    assert result.exit_code == 1 and "s3cr3t" not in result.stdout
    assert srv.received[0][2]["content"].startswith("**tokledger: test alert**")
