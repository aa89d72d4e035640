"""The Grafana dashboard: valid structure, and every panel's PromQL returns data from a real Prometheus."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
import pytest

from tests.exporters.conftest import sample_totals, unique_host
from tokledger.exporters.config import PrometheusConfig
from tokledger.exporters.grafana import dashboard, panel_queries
from tokledger.exporters.remote_write import RemoteWriter
from tokledger.exporters.series import samples

HOURS = 3


def test_dashboard_structure():
    doc = json.loads(json.dumps(dashboard()))
    assert doc["__inputs"][0]["name"] == "DS_PROMETHEUS"
    assert [v["name"] for v in doc["templating"]["list"]] == ["source", "model", "host", "user"]
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    titles = {p["title"] for p in doc["panels"]}
    assert {
        "Cost today",
        "Cost month to date",
        "Top models by cost",
        "Cache hit rate",
        "Cost per person",
    } <= titles
    by_title = {p["title"]: p for p in doc["panels"]}
    assert (
        by_title["Cost today"]["timeFrom"] == "now/d"
        and by_title["Cost month to date"]["timeFrom"] == "now/M"
    )
    for panel in doc["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}"
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])


@pytest.mark.slow
def test_every_panel_query_returns_data(prometheus):
    host = unique_host()
    now = time.time()
    start = now - HOURS * 3600
    with httpx.Client(timeout=30) as client:
        writer = RemoteWriter(PrometheusConfig(f"{prometheus.url}/api/v1/write"), {}, client=client)
        for cycle in range(HOURS * 6):  # a push every 10 minutes, usage growing each time
            at = start + cycle * 600
            totals = []
            for user in ("alice", "bob"):
                for t in sample_totals(host, user=user):
                    grow = cycle + 1
                    totals.append(
                        replace(
                            t,
                            input_tokens=t.input_tokens * grow,
                            cache_read_tokens=t.cache_read_tokens * grow,
                            requests=t.requests * grow,
                            cost_pusd=t.cost_pusd * grow,
                        )
                    )
            outcome = writer.push(samples(totals), int(at * 1000))
            assert outcome.ok, outcome.detail
    end = start + (HOURS * 6 - 1) * 600
    values = {
        "$__interval": "1h",
        "$__range": f"{HOURS}h",
        "$source": ".*",
        "$model": ".*",
        "$user": ".*",
        "$host": host,
    }
    for title, expr, instant in panel_queries():
        for name, value in values.items():
            expr = expr.replace(name, value)
        assert "$" not in expr, (title, expr)
        if instant:
            result = prometheus.query(expr, end)
            assert result and all(float(r["value"][1]) > 0 for r in result), (title, expr)
        else:
            result = prometheus.query_range(expr, end - 2 * 3600, end, "10m")
            assert result and any(float(v) > 0 for r in result for _, v in r["values"]), (title, expr)
        if "by (user)" in expr:
            assert {r["metric"]["user"] for r in result} == {"alice", "bob"}, title
