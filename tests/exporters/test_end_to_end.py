"""From logs to PromQL: a history read by the real ingest, exported by ``tokledger daemon`` and scraped from
``tokledger serve``, read back from a real Prometheus — exactly the ledger's totals, across restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import install_fixture
from tests.exporters.conftest import free_port, start_prometheus, unique_host, wait_for
from tests.exporters.test_remote_write_receivers import pushed
from tokledger.cli import cli

pytestmark = pytest.mark.slow

BENCH = Path(__file__).parent.parent.parent / "bench"
COST = "tokledger_cost_usd_total"
TYPES = ("input", "output", "cache_write", "cache_read")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A deterministic history of four assistants (Claude Code, Codex, Gemini, OpenCode)."""
    sys.path.insert(0, str(BENCH))
    try:
        import gen_corpus

        gen_corpus.main(["--out", str(tmp_path / "corpus"), "--size-mb", "1", "--files", "20", "--mixed",
                         "--seed", "3", "--end", "2026-03-30T10:00:00Z"])  # fmt: skip
    finally:
        sys.path.pop(0)
    return tmp_path / "corpus"


def environment(corpus: Path, tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(corpus / "home"), "CLAUDE_CONFIG_DIR": str(corpus), "CODEX_HOME": str(corpus / "codex"),
            "TZ": "UTC", "NO_COLOR": "1", "TOKLEDGER_DB": str(tmp_path / "ledger.db"),
            "TOKLEDGER_CONFIG": str(tmp_path / "config.toml"), "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""}  # fmt: skip


def write_config(tmp_path: Path, host: str, url: str | None = None) -> None:
    text = f'timezone = "UTC"\n[team]\nhost = "{host}"\n[exporters]\nuser = "alice"\n'
    if url:
        text += f'[exporters.prometheus]\nremote_write_url = "{url}/api/v1/write"\n'
    (tmp_path / "config.toml").write_text(text)


def tokledger(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def ledger_series(env: dict[str, str], host: str) -> dict[tuple, float]:
    """The series the ledger's totals must give, from the model report (``--json --breakdown``)."""
    doc = json.loads(tokledger(env, "model", "--json", "--breakdown", "--no-sync"))
    out: dict[tuple, float] = {}
    for row in doc["rows"]:
        for part in row["models"]:
            base = {"host": host, "model": part["model"], "source": part["source"], "user": "alice"}
            labels = tuple(sorted(base.items()))
            for kind in TYPES:
                typed = tuple(sorted({**base, "type": kind}.items()))
                out[("tokledger_tokens_total", typed)] = float(part[f"{kind}_tokens"])
            out[("tokledger_reasoning_tokens_total", labels)] = float(part["reasoning_tokens"])
            out[("tokledger_requests_total", labels)] = float(part["requests"])
            out[(COST, labels)] = float(part["cost_usd_priced"])
    return out


def assert_same(got: dict[tuple, float], want: dict[tuple, float]) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        # The report prints dollars to the micro-dollar; the series carry the exact picodollar sum.
        assert got[key] == (pytest.approx(value, abs=1e-6) if key[0] == COST else value), key


def more_usage(corpus: Path) -> None:
    """A new Claude Code session (a model without a price among them) and a new Codex rollout."""
    install_fixture(corpus, "claude_code", "unknown_model.jsonl", "projects/-home-dev-extra/late.jsonl")
    install_fixture(corpus, "codex", "model_switch.jsonl",
                    "codex/sessions/2026/03/30/rollout-2026-03-30T11-00-00-sess-switch.jsonl")  # fmt: skip


def scraped(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("tokledger_") and sample.name.endswith("_total"):
                out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_daemon_pushes_the_ledger_and_a_restart_continues_exactly(prometheus, tmp_path, history):
    host = unique_host()
    env = environment(history, tmp_path)
    write_config(tmp_path, host, prometheus.url)
    expected = json.loads((history / "expected.json").read_text())
    logged_tokens = sum(s["totals"]["total_tokens"] for s in expected["sources"].values())

    tokledger(env, "daemon", "run", "--once")
    first_at = time.time()
    first = ledger_series(env, host)
    assert_same(pushed(prometheus, host, first_at), first)
    assert prometheus.value(f'sum(tokledger_tokens_total{{host="{host}"}})', first_at) == logged_tokens

    # New usage, then a daemon process of its own, stopped by SIGTERM after its first cycle.
    more_usage(history)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "tokledger",
        "daemon",
        "run",
        "--interval",
        "600",
        "--metrics-port",
        str(port),
    ]
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(argv, env={**env, "PATH": os.environ["PATH"]}, stderr=stderr)
    try:
        # "cycle done" is logged once the cycle's state is stored
        wait_for(lambda: proc.poll() is not None or "cycle done" in log.read_text(), what="the first cycle")
        assert proc.poll() is None, log.read_text()
        second = ledger_series(env, host)
        assert_same(scraped(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text), second)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    second_at = time.time()
    assert second != first
    assert_same(pushed(prometheus, host, second_at), second)
    assert_same(pushed(prometheus, host, first_at), first)  # the first push is history, untouched
    requests = f'sum(tokledger_requests_total{{host="{host}"}})'
    added = prometheus.value(requests, second_at) - prometheus.value(requests, first_at)
    assert added == sum(v for k, v in second.items() if k[0] == "tokledger_requests_total") - sum(
        v for k, v in first.items() if k[0] == "tokledger_requests_total"
    )
    assert "started" in log.read_text() and "stopped" in log.read_text()
    state = json.loads(tokledger(env, "daemon", "status", "--json"))
    assert state["next_cycle"] and state["steps"]["prometheus"]["last_error"] is None

    # A restart with nothing new sends the same totals: nothing is counted twice.
    tokledger(env, "daemon", "run", "--once")
    assert_same(pushed(prometheus, host, time.time()), second)
    status = tokledger(env, "daemon", "status")
    assert "prometheus: last success 20" in status and "sync: last success 20" in status


def test_prometheus_scrapes_serve(tmp_path, history):
    host = unique_host()
    env = environment(history, tmp_path)
    write_config(tmp_path, host)
    tokledger(env, "sync")
    want = ledger_series(env, host)
    port = free_port()
    argv = [sys.executable, "-m", "tokledger", "serve", "--port", str(port), "--no-sync"]
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(argv, env={**env, "PATH": os.environ["PATH"]}, stdout=subprocess.DEVNULL,
                                stderr=stderr)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(lambda: proc.poll() is not None or httpx.get(url, timeout=5).status_code == 200,
                 what="tokledger serve")  # fmt: skip
        assert proc.poll() is None, log.read_text()
        assert_same(scraped(httpx.get(url, timeout=30).text), want)
        scrape = (
            "scrape_configs:\n  - job_name: tokledger\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{port}']\n"
        )
        prometheus = start_prometheus(tmp_path, scrape)
        try:
            query = f'{{__name__=~"tokledger_.*", host="{host}"}}'
            result = wait_for(lambda: prometheus.query(query), what="the first scrape of tokledger serve")
            got = {}
            for r in result:
                labels = {k: v for k, v in r["metric"].items() if k not in ("job", "instance")}
                got[(labels.pop("__name__"), tuple(sorted(labels.items())))] = float(r["value"][1])
            assert_same(got, want)
        finally:
            prometheus.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
