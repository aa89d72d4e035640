"""The vendor commands against a fake host (the real workspace behind them: ``test_wiring``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import click
import httpx
import respx
from click.testing import CliRunner

from tests.providers.conftest import FIXTURES, DictStore
from tokledger.cli.vendors import providers_group, reconcile_cmd, register, tray_cmd
from tokledger.env import Env
from tokledger.providers import PROVIDERS, make_record
from tokledger.providers.config import ProviderSettings
from tokledger.providers.reconcile import DayModelTotals
from tokledger.providers.sync import watermark_key


@dataclass
class Host:
    env: Env
    settings: dict = field(default_factory=lambda: {n: ProviderSettings(name=n) for n in PROVIDERS})
    store: DictStore = field(default_factory=DictStore)
    local: list = field(default_factory=list)
    synced: int = 0

    def provider_settings(self):
        return self.settings

    def provider_store(self):
        return self.store

    def billed_records(self, providers, since, until):
        return [r for r in self.store.rows.values() if r.event.source in providers]

    def local_totals(self, since, until):
        return self.local

    def today_cost(self):
        return "$0.42"

    def sync_logs(self):
        pass

    def sync_now(self):
        self.synced += 1

    dashboard_url = "http://127.0.0.1:8787/"


@dataclass
class App:
    vendors: Host


def _run(command, host, *args, code=0):
    result = CliRunner().invoke(command, list(args), obj=App(host), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_register_adds_the_commands():
    group = click.Group("tokledger")
    register(group)
    assert set(group.commands) == {"providers", "reconcile", "billed", "tray"}
    assert set(providers_group.commands) == {"list", "sync", "check", "import-csv"}


def test_list_shows_every_provider_and_credential_names_only(tmp_path):
    host = Host(Env(tmp_path, {"ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-secret"}))
    host.store.set_state(watermark_key("anthropic_api"), "2025-10-01T12:00:00Z")
    rows = json.loads(_run(providers_group, host, "list", "--json").output)
    assert [r["provider"] for r in rows] == list(PROVIDERS)
    assert rows[0]["credential"] == "ANTHROPIC_ADMIN_KEY" and rows[0]["last_sync"] == "2025-10-01T12:00:00Z"
    text = _run(providers_group, host, "list").output
    assert "sk-ant" not in text and "anthropic_api  not configured" in text


@respx.mock
def test_sync_named_provider_and_exit_status(tmp_path):
    respx.get("https://api.anthropic.com/v1/organizations/usage_report/messages").mock(
        return_value=httpx.Response(200, json={"data": [], "has_more": False}))  # fmt: skip
    host = Host(Env(tmp_path, {"ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-secret"}))
    host.settings["anthropic_api"] = ProviderSettings(name="anthropic_api", configured=True, enabled=True,
                                                      reports=("messages",))  # fmt: skip
    [report] = json.loads(_run(providers_group, host, "sync", "anthropic_api", "--json").output)
    assert report["ok"] and report["first_sync"] and report["requests"] == 1
    failed = _run(providers_group, host, "sync", "openai_api", code=1).output
    assert (
        failed.startswith("openai_api: no credential found (set OPENAI_ADMIN_KEY")
        and "OPENAI_ADMIN_KEY" in failed
    )
    assert "no provider is configured" in _run(providers_group, Host(Env(tmp_path, {})), "sync").output
    assert "unknown provider 'nope'" in _run(providers_group, host, "sync", "nope", code=2).output


def test_check_without_credentials_fails_clearly(tmp_path):
    out = _run(providers_group, Host(Env(tmp_path, {})), "check", "openai_api", code=1).output
    assert out.startswith("openai_api: FAILED: no credential found (set OPENAI_ADMIN_KEY")


def test_import_csv_records_and_replaces(tmp_path):
    host = Host(Env(tmp_path, {}))
    csv = FIXTURES / "cursor" / "usage_export.csv"
    doc = json.loads(_run(providers_group, host, "import-csv", "cursor", str(csv), "--json").output)
    assert doc["records"] == 3 and doc["skipped"] == 1
    _run(providers_group, host, "import-csv", "cursor", str(csv))
    assert len(host.store.rows) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n")
    assert (
        "not a Cursor usage export"
        in _run(providers_group, host, "import-csv", "cursor", str(bad), code=1).output
    )


def test_reconcile_json_and_text(tmp_path):
    host = Host(Env(tmp_path, {}))
    start = datetime(2025, 10, 3, 10, tzinfo=UTC)
    record = make_record(
        "openai_api", "completions", start, 3600, {"model": "gpt-5"}, "gpt-5", input_tokens=9000
    )
    host.store.record([record])
    host.local = [DayModelTotals(date(2025, 10, 3), "gpt-5", input_tokens=3000, cost_usd=Decimal("0.01"))]
    doc = json.loads(_run(reconcile_cmd, host, "--provider", "openai_api", "--json").output)
    assert [c["cause"] for c in doc["rows"][0]["causes"]] == ["other_usage"]
    text = _run(reconcile_cmd, host, "--since", "2025-10-01").output
    assert text.startswith("2025-10-03 gpt-5: local 3,000 / billed 9,000 tokens") and "other_usage:" in text
    assert "expected YYYY-MM-DD" in _run(reconcile_cmd, host, "--since", "yesterday", code=2).output


def test_tray_without_a_display_is_one_line_and_non_zero(tmp_path):
    result = _run(tray_cmd, Host(Env(tmp_path, {})), code=1)
    assert result.output.strip().splitlines() == [
        "Error: no display: the tray icon needs a desktop session (DISPLAY and WAYLAND_DISPLAY are not set)"
    ]
