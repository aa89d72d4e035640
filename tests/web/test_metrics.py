"""``/metrics`` on the dashboard: the ledger's totals under remote write's names (a real Prometheus scrapes
it in ``tests/exporters/test_end_to_end.py``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.web.conftest import OPUS, SONNET, write_usage
from tokledger.config import Config
from tokledger.env import Env
from tokledger.exporters.series import samples
from tokledger.reports import today
from tokledger.web import Backend, create_app
from tokledger.workspace import Workspace


def exposed(text: str, prefix: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(prefix):
                out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_are_the_ledgers_totals(client, backend):
    backend.workspace.sync(jobs=1)
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    want = {(s.name, s.labels): s.value for s in samples(backend.workspace.metric_totals())}
    assert want and exposed(response.text, "tokledger_") == want
    assert "# TYPE tokledger_cost_usd_total counter" in response.text


def test_metrics_answer_only_loopback_names(backend):
    assert TestClient(create_app(backend), base_url="http://evil.example").get("/metrics").status_code == 400


def test_tosage_gauges_with_compat(usage_home, tmp_path):
    day = today(ZoneInfo("UTC"))
    write_usage(usage_home, {day.isoformat(): [(SONNET, 1, 2, 3, 4), (OPUS, 10, 20, 30, 40)]})
    sections = {"exporters": {"prometheus": {"remote_write_url": "http://127.0.0.1:9/api/v1/write",
                                             "compat": "tosage"}}}  # fmt: skip
    config = Config(timezone="UTC", sections=sections)
    workspace = Workspace(
        Env(home=usage_home, environ={"TZ": "UTC"}), db_path=tmp_path / "m.db", config=config
    )
    backend = Backend(workspace, timezone="UTC")
    try:
        workspace.sync(jobs=1)
        text = TestClient(create_app(backend), base_url="http://127.0.0.1").get("/metrics").text
        host = workspace.host
    finally:
        backend.close()
    if today(ZoneInfo("UTC")) != day:
        pytest.skip("midnight passed while the test ran")
    labels = (
        ("detection_method", "config"),
        ("host", host),
        ("timezone", "UTC"),
        ("timezone_offset", "+00:00"),
    )
    assert exposed(text, "tosage_") == {("tosage_cc_token", labels): 110.0}
    assert "# TYPE tokledger_tokens_total counter" in text
