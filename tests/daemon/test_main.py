"""The daemon around a fake host: configuration, exporters, --once exit codes and the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from tests.exporters.conftest import sample_totals
from tokledger.cli import App
from tokledger.cli import export as export_cli
from tokledger.daemon.main import serve
from tokledger.daemon.state import MemoryStore
from tokledger.env import Env
from tokledger.exporters import Outcome, prompb
from tokledger.workspace import Workspace


class FakeHost(MemoryStore):
    def __init__(self, ledger_path: Path, sync_outcome: Outcome | None = None):
        super().__init__()
        self.db_path = ledger_path
        self.sync_outcome = sync_outcome
        self.synced = 0

    def sync(self, jobs=None):
        self.synced += 1
        return self.sync_outcome

    def evaluate_budgets(self):
        return None

    def metric_totals(self):
        return sample_totals("dev1")

    def today_totals(self, zone):
        return sample_totals("dev1")[:1]


def config_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[exporters.prometheus]\nremote_write_url = "{url}"\ncompat = "tosage"\n')
    return path


def test_once_runs_sync_budgets_and_exporters(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/write").respond_with_data("", status=204)
    host = FakeHost(tmp_path / "ledger.db")
    code = serve(
        host,
        config_file(tmp_path, httpserver.url_for("/api/v1/write")),
        {},
        once=True,
        zone_name="Asia/Tokyo",
    )
    assert code == 0 and host.synced == 1
    assert host.get_state("daemon.steps") == "budgets,prometheus,sync"
    names = {dict(labels)["__name__"] for labels, _ in prompb.decode(httpserver.log[0][0].get_data())}
    assert {"tokledger_tokens_total", "tosage_cc_token"} <= names


def test_once_exits_1_when_an_exporter_fails(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/write").respond_with_data("bad auth", status=401)
    host = FakeHost(tmp_path / "ledger.db")
    assert serve(host, config_file(tmp_path, httpserver.url_for("/api/v1/write")), {}, once=True) == 1
    error = json.loads(host.get_state("daemon.prometheus.last_error"))
    assert "HTTP 401: bad auth (not retried)" in error["error"]


def test_no_configuration_still_syncs(tmp_path):
    host = FakeHost(tmp_path / "ledger.db", sync_outcome=Outcome.failure("claude_code: unreadable"))
    assert serve(host, tmp_path / "missing.toml", {}, once=True) == 1
    assert host.get_state("daemon.steps") == "budgets,sync"


def cli_group(host: FakeHost) -> click.Group:
    @click.group()
    def group():
        pass

    export_cli.register(group, host=lambda app: host)
    return group


def app_for(tmp_path: Path, config: Path) -> App:
    env = Env(home=tmp_path / "home", environ={})
    return App(Workspace(env, db_path=tmp_path / "ledger.db", config_path=config))


def test_cli_daemon_run_once_and_status(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/write").respond_with_data("", status=204)
    host = FakeHost(tmp_path / "ledger.db")
    app = app_for(tmp_path, config_file(tmp_path, httpserver.url_for("/api/v1/write")))
    group = cli_group(host)
    result = CliRunner().invoke(group, ["daemon", "run", "--once"], obj=app)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(group, ["daemon", "status", "--json"], obj=app)
    doc = json.loads(result.output)
    assert doc["service"]["installed"] is False and set(doc["steps"]) == {"sync", "budgets", "prometheus"}
    text = CliRunner().invoke(group, ["daemon", "status"], obj=app).output
    assert "service: not installed" in text and "prometheus: last success 20" in text


def test_cli_grafana_dashboard_and_config_check(tmp_path):
    host = FakeHost(tmp_path / "ledger.db")
    group = cli_group(host)
    doc = json.loads(CliRunner().invoke(group, ["grafana-dashboard"]).output)
    assert doc["uid"] == "tokledger"
    bad = tmp_path / "bad.toml"
    bad.write_text('[exporters.loki]\nurl = "localhost:3100"\n[daemon]\ninterval = 2\n')
    result = CliRunner().invoke(group, ["config", "check"], obj=app_for(tmp_path, bad))
    assert result.exit_code == 1 and "exporters.loki.url: must be an http" in result.output
    assert "daemon.interval" in result.output and "2 problems found" in result.output
    good = config_file(tmp_path, "https://prom.example.com/api/v1/write")
    result = CliRunner().invoke(group, ["config", "check"], obj=app_for(tmp_path, good))
    assert result.exit_code == 0 and result.output.strip() == f"{good}: ok"


def test_register_adds_check_to_an_existing_config_group():
    @click.group()
    def group():
        pass

    @group.group("config")
    def config():
        pass

    @config.command("show")
    def show():
        pass

    export_cli.register(group, host=lambda app: None)
    assert set(group.commands["config"].commands) == {"show", "check"}


def test_config_check_reports_the_cores_problems_too(run_cli, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Mars/Olympus"\n[team]\nhost = 3\n')
    result = run_cli("config", "check", expect=1)
    assert f"{path}: timezone: unknown time zone 'Mars/Olympus'" in result.output
    path.write_text('[team]\nhost = 3\n[exporters.prometheus]\nremote_write_url = "ftp://x"\n')
    result = run_cli("config", "check", expect=1)
    assert f"{path}: team.host must be a non-empty name of printable characters" in result.output
    assert "exporters.prometheus.remote_write_url" in result.output and "2 problems found" in result.output
    path.write_text("[teams]\n")
    assert "unknown key 'teams'" in run_cli("config", "check", expect=1).output
    path.unlink()
    assert "no configuration file (the defaults apply)" in run_cli("config", "check").output


def test_grafana_dashboard_and_daemon_commands_are_registered(run_cli):
    assert json.loads(run_cli("grafana-dashboard").output)["uid"] == "tokledger"
    assert "install" in run_cli("daemon", "--help").output
    doc = json.loads(run_cli("daemon", "status", "--json").output)
    assert doc["last_cycle"] is None and doc["steps"] == {}
