"""The core's steps in a cycle: what sync logs, budgets when the workspace has them, reloads, and a real
workspace's cycle logged to a Loki receiver without a secret in it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.conftest import install_fixture
from tests.daemon.test_main import FakeHost, config_file
from tests.exporters.receivers import Receiver
from tests.exporters.test_loki import entries
from tokledger.daemon.main import Daemon, serve
from tokledger.daemon.steps import SyncStep, as_outcome
from tokledger.env import Env
from tokledger.errors import ConfigError
from tokledger.exporters import Outcome
from tokledger.ingest import SourceReport, SyncReport
from tokledger.workspace import Workspace


def report(notices=(), events=3) -> SyncReport:
    return SyncReport(sources={
        "claude_code": SourceReport("claude_code", files=4, read=1, events=events, skipped=2, notices=list(notices)),
        "codex": SourceReport("codex", files=2),
    })  # fmt: skip


def test_sync_logs_per_source_and_each_new_notice_once(caplog):
    reports = iter(
        [report(["a.jsonl: cannot read: denied"]), report(["a.jsonl: cannot read: denied"]), report()]
    )
    step = SyncStep(lambda **kw: next(reports))
    with caplog.at_level(logging.DEBUG, logger="tokledger.daemon"):
        outcomes = [step(), step(), step()]
    assert [o.detail for o in outcomes] == ["3 events recorded, 1 notice", "3 events recorded, 1 notice",
                                            "3 events recorded"]  # fmt: skip
    assert all(o.ok for o in outcomes)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines.count(("WARNING", "claude_code: a.jsonl: cannot read: denied")) == 1
    assert ("DEBUG", "still: claude_code: a.jsonl: cannot read: denied") in lines
    assert lines.count(("INFO", "claude_code: 1 files read, 3 events recorded, 2 lines skipped")) == 3
    assert not any("codex" in text for _, text in lines)  # nothing read: nothing said


def test_a_host_may_answer_with_an_outcome_or_nothing():
    assert SyncStep(lambda **kw: None)() == Outcome.success()
    assert SyncStep(lambda **kw: Outcome.failure("locked"))() == Outcome.failure("locked")
    assert as_outcome(["a budget status"]) == Outcome.success()


class NoBudgets(FakeHost):
    evaluate_budgets = None


class FailingBudgets(FakeHost):
    def evaluate_budgets(self):
        return Outcome.failure("webhook refused")


def test_budgets_step_only_when_the_host_evaluates_budgets(tmp_path):
    host = NoBudgets(tmp_path / "ledger.db")
    assert serve(host, tmp_path / "missing.toml", {}, once=True) == 0
    assert host.get_state("daemon.steps") == "sync"
    host = FailingBudgets(tmp_path / "ledger.db")
    assert serve(host, tmp_path / "missing.toml", {}, once=True) == 1
    assert json.loads(host.get_state("daemon.budgets.last_error"))["error"] == "webhook refused"


class Reloading(FakeHost):
    reloads = 0

    def reload_config(self):
        self.reloads += 1


def test_a_reload_reloads_the_host_after_the_exporter_tables_passed(tmp_path):
    path = config_file(tmp_path, "https://prom.example.com/api/v1/write")
    host = Reloading(tmp_path / "ledger.db")
    daemon = Daemon(host, path, {})
    daemon.load()
    assert host.reloads == 0  # the first load is the workspace's own
    daemon.load()
    assert host.reloads == 1
    path.write_text("[daemon]\ninterval = 1\n")
    with pytest.raises(ConfigError, match="daemon.interval"):  # the loop logs it, keeps the old settings
        daemon.load()
    assert host.reloads == 1
    daemon.close_exporters()


def test_a_real_workspace_cycle_is_logged_to_loki_without_secrets(home, tmp_path: Path):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", ".claude/projects/-p/s.jsonl")
    with Receiver(statuses=[401], body=b"bad credentials") as prometheus, Receiver(statuses=[204]) as loki:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[team]\nhost = "dev-7"\n[exporters.prometheus]\nremote_write_url = "{prometheus.url}/api/v1/write"\n'
            'username = "me"\npassword_env = "RW_PASSWORD"\n'
            f'[exporters.loki]\nurl = "{loki.url}"\nbatch_wait = 0.05\n'
        )
        environ = {"RW_PASSWORD": "s3cret-pw"}
        with Workspace(
            Env(home=home, environ=environ), db_path=tmp_path / "l.db", config_path=config
        ) as workspace:
            code = serve(workspace, config, environ, once=True, hostname=workspace.host)
            state = {key: workspace.get_state(f"daemon.{key}") for key in ("steps", "prometheus.last_error")}
    assert code == 1
    assert state["steps"] == "budgets,prices,prometheus,providers,push,sync"
    assert "HTTP 401: bad credentials (not retried)" in json.loads(state["prometheus.last_error"])["error"]
    got = entries(loki.requests)
    lines = [line for _, _, line in got]
    assert {labels["host"] for labels, _, _ in got} == {"dev-7"}
    assert any("started" in line for line in lines)
    assert any("claude_code: 1 files read" in line for line in lines)
    warnings = [line for labels, _, line in got if labels["level"] == "warning"]
    assert any("prometheus failed: remote write to" in line and "HTTP 401" in line for line in warnings)
    assert not any("s3cret-pw" in line for line in lines)
    assert "s3cret-pw" not in str(prometheus.requests[0][1]).replace("Basic", "")
