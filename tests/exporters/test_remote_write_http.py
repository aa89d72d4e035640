"""Remote write against a local HTTP server: headers, body, auth, retries, 4xx handling, secrets kept out."""

from __future__ import annotations

import math
import struct

import httpx
import pytest

from tests.exporters.conftest import free_port, sample_totals
from tokledger import __version__
from tokledger.exporters import prompb
from tokledger.exporters._http import RetryPolicy
from tokledger.exporters.config import Auth, PrometheusConfig
from tokledger.exporters.remote_write import RemoteWriter
from tokledger.exporters.secrets import Secret, SecretRef
from tokledger.exporters.series import samples

PATH = "/api/v1/write"
PASSWORD = "s3cret-Pa55"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def writer(url: str, auth: Auth | None = None, environ=None, headers=None, sleeps=None) -> RemoteWriter:
    config = PrometheusConfig(url, auth or Auth(), timeout=5, headers=headers or {})
    return RemoteWriter(
        config, environ or {}, client=httpx.Client(timeout=5), sleep=Sleeps() if sleeps is None else sleeps
    )


def basic(tmp_path) -> Auth:
    return Auth(
        "tokledger", SecretRef("exporters.prometheus.password", tmp_path / "c.toml", env="RW_PASSWORD")
    )


def test_request_headers_and_body(httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_data("", status=204)
    out = samples(sample_totals("dev1"))
    outcome = writer(httpserver.url_for(PATH), headers={"X-Scope-OrgID": "team-a", "User-Agent": "x"}).push(
        out, 1000
    )
    assert outcome.ok, outcome.detail
    ((request, _),) = httpserver.log
    assert request.headers["Content-Encoding"] == "snappy"
    assert request.headers["Content-Type"] == "application/x-protobuf"
    assert request.headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
    assert request.headers["User-Agent"] == f"tokledger/{__version__}"
    assert request.headers["X-Scope-OrgID"] == "team-a"
    series = prompb.decode(request.get_data())
    assert len(series) == len(out)
    for labels, points in series:
        assert labels[0][0] == "__name__" and list(labels) == sorted(labels)
        assert all(value for _, value in labels)
        assert points[0][1] == 1000
    assert {s.label_pairs(): s.value for s in out} == {labels: points[0][0] for labels, points in series}


def test_5xx_and_429_are_retried_honouring_retry_after(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data("", status=204)
    sleeps = Sleeps()
    outcome = writer(httpserver.url_for(PATH), sleeps=sleeps).push(samples(sample_totals("h")), 1000)
    assert outcome.ok and "after 3 tries" in outcome.detail
    assert len(httpserver.log) == 3
    assert 0 <= sleeps[0] <= 1.0 and sleeps[1] == 7.0  # full jitter on the first backoff, then Retry-After


def test_backoff_grows_and_gives_up(httpserver):
    httpserver.expect_request(PATH).respond_with_data("down", status=500)
    sleeps = Sleeps()
    w = writer(httpserver.url_for(PATH), sleeps=sleeps)
    w._policy = RetryPolicy(attempts=4, base=1.0, cap=30.0, budget=1000.0)
    outcome = w.push(samples(sample_totals("h")), 1000)
    assert not outcome.ok and "HTTP 500: down" in outcome.detail and "gave up after 4 tries" in outcome.detail
    assert len(httpserver.log) == 4 and len(sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(sleeps, (1, 2, 4), strict=True))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413])
def test_other_4xx_is_reported_once_and_not_retried(httpserver, tmp_path, status):
    httpserver.expect_request(PATH).respond_with_data(f"rejected; you sent {PASSWORD}", status=status)
    sleeps = Sleeps()
    w = writer(httpserver.url_for(PATH), basic(tmp_path), {"RW_PASSWORD": PASSWORD}, sleeps=sleeps)
    outcome = w.push(samples(sample_totals("h")), 1000)
    assert not outcome.ok and f"HTTP {status}" in outcome.detail and "not retried" in outcome.detail
    assert len(httpserver.log) == 1 and sleeps == []
    assert PASSWORD not in outcome.detail and "rejected; you sent ***" in outcome.detail


def test_basic_and_bearer_auth(httpserver, tmp_path):
    httpserver.expect_request(PATH).respond_with_data("", status=204)
    assert writer(httpserver.url_for(PATH), basic(tmp_path), {"RW_PASSWORD": PASSWORD}).push([], 1).ok
    token = SecretRef("exporters.prometheus.bearer_token", tmp_path / "c.toml", inline=Secret("tok-123"))
    assert writer(httpserver.url_for(PATH), Auth(bearer_token=token)).push([], 1).ok
    first, second = (request for request, _ in httpserver.log)
    assert httpx.BasicAuth("tokledger", PASSWORD)._auth_header == first.headers["Authorization"]
    assert second.headers["Authorization"] == "Bearer tok-123"


def test_missing_secret_fails_the_exporter_with_a_clear_message(httpserver, tmp_path):
    outcome = writer(httpserver.url_for(PATH), basic(tmp_path), {}).push([], 1)
    assert (
        not outcome.ok
        and "exporters.prometheus.password: environment variable RW_PASSWORD is not set" in (outcome.detail)
    )
    assert httpserver.log == []


def test_network_errors_are_retried_and_userinfo_is_redacted():
    url = f"http://tokledger:{PASSWORD}@127.0.0.1:{free_port()}{PATH}"  # nothing listens there
    sleeps = Sleeps()
    outcome = writer(url, sleeps=sleeps).push(samples(sample_totals("h")), 1000)
    assert not outcome.ok and "ConnectError" in outcome.detail and "gave up after 5 tries" in outcome.detail
    assert len(sleeps) == 4
    assert PASSWORD not in outcome.detail and "tokledger:***@127.0.0.1" in outcome.detail


def test_http_date_retry_after(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data("", status=204)
    sleeps = Sleeps()
    assert writer(httpserver.url_for(PATH), sleeps=sleeps).push([], 1).ok
    assert sleeps == [0.0]  # a date in the past: retry at once


def test_series_gone_since_the_last_cycle_get_the_staleness_marker(httpserver):
    httpserver.expect_request(PATH).respond_with_data("", status=204)
    w = writer(httpserver.url_for(PATH))
    both = samples(sample_totals("h"))
    assert w.push(both, 1000).ok
    assert w.push(both[:3], 2000).ok
    series = prompb.decode(httpserver.log[1][0].get_data())
    stale = [(labels, points) for labels, points in series if math.isnan(points[0][0])]
    assert len(series) == len(both) and len(stale) == len(both) - 3
    assert all(
        struct.pack("<d", points[0][0]) == struct.pack("<Q", prompb.STALE_NAN_BITS) for _, points in stale
    )
