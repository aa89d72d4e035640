"""/metrics: a real Prometheus scrapes it and sees the same values; the ASGI app mounts in Starlette."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.exporters.conftest import sample_totals, start_prometheus, unique_host, wait_for
from tokledger.exporters import metrics
from tokledger.exporters.series import samples
from tokledger.exporters.tosage import TosageDay


@pytest.mark.slow
def test_real_prometheus_scrapes_the_same_values(tmp_path):
    host = unique_host()
    totals = sample_totals(host, user="alice")
    server = metrics.serve(lambda: totals, 0, "127.0.0.1")
    try:
        scrape = (
            f"scrape_configs:\n  - job_name: tokledger\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{server.server_port}']\n"
        )
        prometheus = start_prometheus(tmp_path, scrape)
        try:
            query = f'{{__name__=~"tokledger_.*", host="{host}"}}'
            result = wait_for(lambda: prometheus.query(query), what="the first scrape")
            got = {}
            for r in result:
                labels = {k: v for k, v in r["metric"].items() if k not in ("job", "instance")}
                got[(labels.pop("__name__"), tuple(sorted(labels.items())))] = float(r["value"][1])
            assert got == {(s.name, s.labels): s.value for s in samples(totals)}
        finally:
            prometheus.stop()
    finally:
        server.shutdown()


def test_asgi_app_mounts_in_starlette_with_tosage_gauges():
    totals = sample_totals("dev1")
    day = TosageDay("Europe/Berlin", "+02:00", "config")
    app = Starlette(routes=[Mount("/metrics", app=metrics.asgi_app(lambda: totals, lambda: (totals, day)))])
    text = TestClient(app).get("/metrics/").text
    assert "# TYPE tokledger_tokens_total counter" in text
    assert (
        'tokledger_tokens_total{host="dev1",model="gpt-5-codex",source="codex",type="cache_read"} 9000.0'
        in text
    )
    assert "# TYPE tosage_cc_token gauge" in text
    assert (
        'tosage_cc_token{detection_method="config",host="dev1",timezone="Europe/Berlin",'
        'timezone_offset="+02:00"} 209900.0'
    ) in text


def test_a_failing_totals_callable_fails_the_scrape():
    def broken():
        raise RuntimeError("ledger is locked")

    client = TestClient(
        Starlette(routes=[Mount("/metrics", app=metrics.asgi_app(broken))]), raise_server_exceptions=False
    )
    assert client.get("/metrics/").status_code == 500
