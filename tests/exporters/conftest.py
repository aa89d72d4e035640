"""Real receivers for the exporter tests: Prometheus 2.x (remote-write receiver on) and VictoriaMetrics, each
started once per session on a free loopback port with its storage in a temporary directory."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tokledger.exporters import MetricTotal

WAIT = 60.0  # seconds: generous, for a loaded CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float = WAIT, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


class Server:
    def __init__(self, name: str, url: str, proc: subprocess.Popen, log: Path):
        self.name, self.url, self.proc, self.log = name, url, proc, log

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        params = {"query": expr, "nocache": "1"}
        if at is not None:
            params["time"] = f"{at:.3f}"
        response = httpx.get(f"{self.url}/api/v1/query", params=params, timeout=30)
        response.raise_for_status()
        doc = response.json()
        assert doc["status"] == "success", doc
        return doc["data"]["result"]

    def query_range(self, expr: str, start: float, end: float, step: str) -> list[dict]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step, "nocache": "1"}
        response = httpx.get(f"{self.url}/api/v1/query_range", params=params, timeout=30)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def value(self, expr: str, at: float | None = None) -> float | None:
        result = self.query(expr, at)
        return float(result[0]["value"][1]) if result else None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_prometheus(tmp: Path, scrape: str = "") -> Server:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("the prometheus binary is not installed (Debian package prometheus)")
    port = free_port()
    config = tmp / "prometheus.yml"
    # An out-of-order window lets tests write past samples after newer ones (each test has its own series).
    config.write_text(
        f"global:\n  scrape_interval: 1s\nstorage:\n  tsdb:\n    out_of_order_time_window: 30d\n{scrape}"
    )
    log = tmp / "prometheus.log"
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-remote-write-receiver",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    server = Server("prometheus", f"http://127.0.0.1:{port}", proc, log)
    wait_for(
        lambda: proc.poll() is not None or httpx.get(f"{server.url}/-/ready", timeout=5).status_code == 200,
        what="prometheus to be ready",
    )
    if proc.poll() is not None:
        pytest.fail(f"prometheus exited: {log.read_text()[-2000:]}")
    return server


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory):
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def victoria(tmp_path_factory):
    binary = shutil.which("victoria-metrics")
    if binary is None:
        pytest.skip("the victoria-metrics binary is not installed (Debian package victoria-metrics)")
    tmp = tmp_path_factory.mktemp("victoria")
    port = free_port()
    log = tmp / "victoria.log"
    argv = [
        binary,
        f"-httpListenAddr=127.0.0.1:{port}",
        f"-storageDataPath={tmp / 'data'}",
        "-retentionPeriod=100y",
        "-search.latencyOffset=0s",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    server = Server("victoria-metrics", f"http://127.0.0.1:{port}", proc, log)
    wait_for(
        lambda: proc.poll() is not None or httpx.get(f"{server.url}/health", timeout=5).status_code == 200,
        what="victoria-metrics to be ready",
    )
    if proc.poll() is not None:
        pytest.fail(f"victoria-metrics exited: {log.read_text()[-2000:]}")
    yield server
    server.stop()


def unique_host() -> str:
    """A host label of its own for each test, so tests sharing a receiver never see each other's series."""
    return f"test-{uuid.uuid4().hex[:10]}"


def sample_totals(host: str, user: str | None = None) -> list[MetricTotal]:
    return [
        MetricTotal(
            "claude_code",
            "claude-sonnet-4-5",
            host,
            None,
            1_200,
            3_400,
            20_000,
            150_000,
            0,
            12,
            3 * 10**12 // 4,
            user,
        ),
        MetricTotal(
            "claude_code", "claude-opus-4-1", host, None, 500, 800, 4_000, 30_000, 0, 3, 10**12, user
        ),
        MetricTotal("codex", "gpt-5-codex", host, None, 3_000, 900, 0, 9_000, 400, 5, 13_875 * 10**6, user),
    ]
