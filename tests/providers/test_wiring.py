"""The vendor commands end to end: a vendor API at the wire (respx), the real CLI, workspace and SQLite ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from tests.conftest import json_out
from tests.providers.conftest import load
from tests.web.conftest import write_usage
from tokledger.config import Config
from tokledger.env import Env
from tokledger.workspace import Workspace

BASE = "https://api.anthropic.com/v1/organizations"
SONNET, OPUS = "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805"
KEY = {"ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-wiring-secret"}
# What the logs on this machine hold for the day the fixtures bill: the same Sonnet tokens, its cache writes
# logged as 5-minute ones (the bill has 2,000 of them as 1-hour writes).
LOCAL = {"2025-10-01": [(SONNET, 1200, 800, 5000, 45000), (SONNET, 7, 3, 0, 0)]}
CONFIG = '[providers.anthropic_api]\nreports = ["messages", "cost_report"]\nbackfill_days = 2\n'


def _messages(request: httpx.Request) -> httpx.Response:
    page = request.url.params.get("page")
    return httpx.Response(200, json=load("anthropic_api", f"messages_page{2 if page else 1}.json"))


@pytest.fixture
def vendor():
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{BASE}/usage_report/messages").mock(side_effect=_messages)
        mock.get(f"{BASE}/cost_report").mock(return_value=httpx.Response(200, json=load("anthropic_api",
                                                                                          "cost_report.json")))  # fmt: skip
        yield mock


@pytest.fixture
def configured(home, tmp_path):
    write_usage(home, LOCAL)
    (tmp_path / "config.toml").write_text(CONFIG)


def test_sync_then_every_view(run_cli, vendor, configured):
    local = json_out(run_cli("daily", "--json"))
    [report] = json_out(run_cli("providers", "sync", "--json", env=KEY))
    assert report["ok"] and report["first_sync"] and report["records"] == 6 and report["skipped"] == 1
    assert json_out(run_cli("daily", "--json", "--no-sync")) == local  # the local logs alone, as before

    billed = json_out(run_cli("daily", "--json", "--no-sync", "--source", "anthropic_api"))
    [day] = billed["rows"]
    assert day["period"] == "2025-10-01" and day["requests"] == 3  # the usage buckets, not the cost lines
    assert (day["input_tokens"], day["output_tokens"], day["cache_write_1h_tokens"]) == (1217, 893, 2000)
    both = json_out(run_cli("model", "--json", "--no-sync", "--source", "anthropic_api,claude_code"))
    assert both["totals"]["requests"] == 3 + local["totals"]["requests"]

    sources = {s["source"]: s for s in json_out(run_cli("sources", "--json"))}
    assert sources["anthropic_api"]["accuracy"] == "billed" and sources["anthropic_api"]["events"] == 6
    assert sources["anthropic_api"]["last_sync"] and sources["claude_code"]["accuracy"] == "exact"
    assert "openai_api" not in sources  # not configured, nothing recorded

    doc = json_out(run_cli("billed", "--json"))
    assert doc["providers"] == ["anthropic_api"] and doc["rows"][0]["basis"] == "billed"
    assert doc["totals"]["cost_usd"] == 1.254875  # the cost report's three lines
    assert {m["period"] for m in doc["models"]} == {SONNET, OPUS, "web_search"}
    table = run_cli("billed", "--since", "2025-10-01").output
    assert "anthropic_api" in table and "$1.25" in table and "web_search" in table

    rec = json_out(run_cli("reconcile", "--provider", "anthropic_api", "--json"))
    causes = {(r["day"], r["model"]): [c["cause"] for c in r["causes"]] for r in rec["rows"]}
    assert causes == {
        ("2025-10-01", SONNET): ["cache_ttl"],
        ("2025-10-01", OPUS): ["other_usage"],
        ("2025-10-01", "web_search"): ["non_token_cost"],
    }
    sonnet = next(r for r in rec["rows"] if r["model"] == SONNET)
    assert sonnet["local"]["total_tokens"] == sonnet["billed"]["total_tokens"] == 1207 + 803 + 5000 + 45000
    assert "2025-10-01 " + OPUS in run_cli("reconcile", "--since", "2025-10-01").output


def test_sync_failures_and_secrets(run_cli, vendor, configured):
    out = run_cli("providers", "sync", expect=1).output
    assert out.startswith("anthropic_api: no credential found (set ANTHROPIC_ADMIN_KEY")
    vendor.get(f"{BASE}/usage_report/messages").mock(
        return_value=httpx.Response(401, json={"type": "error", "error": {"type": "authentication_error",
                                                                          "message": "invalid x-api-key"}})
    )  # fmt: skip
    failed = run_cli("providers", "sync", "anthropic_api", env=KEY, expect=1).output
    assert "ANTHROPIC_ADMIN_KEY" in failed and "401" in failed and "wiring-secret" not in failed
    [row] = [s for s in json_out(run_cli("sources", "--json")) if s["source"] == "anthropic_api"]
    assert row["last_sync"] is None and "401" in row["notices"][0]
    assert "--source: unknown source 'nope'" in run_cli("daily", "--source", "nope", expect=2).output


def test_import_csv_into_the_ledger(run_cli, tmp_path):
    from tests.providers.conftest import FIXTURES

    csv = str(FIXTURES / "cursor" / "usage_export.csv")
    assert json_out(run_cli("providers", "import-csv", "cursor", csv, "--json"))["records"] == 3
    run_cli("providers", "import-csv", "cursor", csv)
    doc = json_out(run_cli("daily", "--json", "--no-sync", "--source", "cursor"))
    assert doc["totals"]["requests"] <= 3
    assert json_out(run_cli("daily", "--json", "--no-sync"))["rows"] == []


def test_the_daemon_syncs_only_what_is_due(home, tmp_path, vendor):
    (tmp_path / "config.toml").write_text(CONFIG)
    env = Env(home=home, environ={"TZ": "UTC", **KEY})
    with Workspace(env, db_path=tmp_path / "d.db", config_path=tmp_path / "config.toml") as workspace:
        [first] = workspace.sync_providers(only_due=True)
        assert first.ok and first.records == 6
        assert workspace.sync_providers(only_due=True) == []  # five minutes have not passed
        [again] = workspace.sync_providers(only_due=False)
        assert again.ok and not again.first and workspace.ledger.rollup_differences() == []
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    with Workspace(env, db_path=tmp_path / "d.db", config_path=tmp_path / "config.toml") as workspace:
        assert [r.provider for r in workspace.vendors.sync(only_due=True, now=later)] == ["anthropic_api"]


def test_no_configured_provider_is_synced(home, tmp_path):
    with Workspace(Env(home=home, environ={}), db_path=tmp_path / "n.db", config=Config()) as workspace:
        assert workspace.sync_providers(only_due=False) == []


def test_the_tray_reads_today_and_syncs_through_the_workspace(home, tmp_path, vendor):
    from tests.web.conftest import log_line
    from tokledger.tray import Tray

    today = datetime.now(UTC).date().isoformat()
    project = home / ".claude" / "projects" / "-home-dev-app"
    project.mkdir(parents=True)
    (project / "s.jsonl").write_text(log_line(today, 1, SONNET, 100_000, 0, 0, 0, hour=0) + "\n")
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n' + CONFIG)
    env = Env(home=home, environ={"TZ": "UTC", **KEY})
    with Workspace(env, db_path=tmp_path / "t.db", config_path=config) as workspace:
        host = workspace.vendors
        tray = Tray(host.today_cost, host.sync_now, host.dashboard_url, open_url=lambda url: None)
        assert tray.refresh() == "tokledger: $0.00 today"  # nothing read yet
        tray.sync().join()
        assert tray.last_error is None and tray.title == "tokledger: $0.30 today"  # the local logs only
        assert workspace.billed()["providers"] == ["anthropic_api"]  # and the providers were read
        assert host.dashboard_url == "http://127.0.0.1:8787/"
        vendor.get(f"{BASE}/usage_report/messages").mock(return_value=httpx.Response(403, json={}))
        tray.sync().join()
        assert tray.title == "tokledger: $0.30 today (last sync failed)"
        assert "anthropic_api" in tray.last_error and "wiring-secret" not in tray.last_error


def test_tray_without_a_display(run_cli):
    out = run_cli("tray", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}, expect=1).output
    assert (
        out.strip()
        == "Error: no display: the tray icon needs a desktop session (DISPLAY and WAYLAND_DISPLAY are not set)"
    )
