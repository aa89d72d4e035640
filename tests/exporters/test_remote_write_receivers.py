"""Remote write into a real Prometheus and a real VictoriaMetrics: PromQL returns exactly the totals."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.exporters.conftest import sample_totals, unique_host, wait_for
from tokledger.exporters import MetricTotal
from tokledger.exporters.config import PrometheusConfig
from tokledger.exporters.remote_write import RemoteWriter
from tokledger.exporters.series import samples, total_tokens

pytestmark = pytest.mark.slow


def expected(totals: list[MetricTotal]) -> dict[tuple, float]:
    return {(s.name, s.labels): s.value for s in samples(totals)}


def pushed(server, host: str, at: float) -> dict[tuple, float]:
    result = server.query(f'{{__name__=~"tokledger_.*", host="{host}"}}', at)
    return {
        (r["metric"].pop("__name__"), tuple(sorted(r["metric"].items()))): float(r["value"][1])
        for r in result
    }


def push(url: str, totals, at: float):
    with httpx.Client(timeout=30) as client:
        outcome = RemoteWriter(PrometheusConfig(url), {}, client=client).push(samples(totals), int(at * 1000))
    assert outcome.ok, outcome.detail
    return outcome


def test_prometheus_receives_exact_totals(prometheus):
    host = unique_host()
    totals = sample_totals(host, user="alice")
    at = time.time() - 60
    push(f"{prometheus.url}/api/v1/write", totals, at)
    assert pushed(prometheus, host, at) == expected(totals)
    assert prometheus.value(f'sum(tokledger_tokens_total{{host="{host}"}})', at) == total_tokens(totals)
    cost = prometheus.value(f'sum(tokledger_cost_usd_total{{host="{host}"}})', at)
    assert cost == pytest.approx((3 * 10**12 // 4 + 10**12 + 13_875 * 10**6) / 10**12, rel=1e-15)


def test_prometheus_counters_continue_across_cycles(prometheus):
    host = unique_host()
    first = sample_totals(host)
    later = [MetricTotal(**{**t.__dict__, "requests": t.requests + 10}) for t in first]
    at = time.time() - 600
    push(f"{prometheus.url}/api/v1/write", first, at)
    push(f"{prometheus.url}/api/v1/write", later, at + 300)
    assert prometheus.value(f'sum(increase(tokledger_requests_total{{host="{host}"}}[10m]))', at + 300) > 0
    assert prometheus.value(f'sum(tokledger_requests_total{{host="{host}"}})', at + 300) == 20 + 30


def test_victoria_metrics_receives_exact_totals(victoria):
    host = unique_host()
    totals = sample_totals(host, user="bob")
    at = time.time() - 120
    push(f"{victoria.url}/api/v1/write", totals, at)

    def arrived():
        httpx.get(f"{victoria.url}/internal/force_flush", timeout=10)
        return len(pushed(victoria, host, at)) == len(expected(totals))

    wait_for(arrived, what="victoria-metrics to show the pushed series")
    got = pushed(victoria, host, at)
    want = expected(totals)
    assert got.keys() == want.keys()
    for key, value in want.items():
        # VictoriaMetrics stores floats as decimals with about 15 significant digits.
        assert got[key] == (
            value if key[0] != "tokledger_cost_usd_total" else pytest.approx(value, rel=1e-12)
        )
    assert victoria.value(f'sum(tokledger_tokens_total{{host="{host}"}})', at) == total_tokens(totals)
