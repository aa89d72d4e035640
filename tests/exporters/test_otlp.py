"""OTLP/HTTP metrics: a loopback receiver decodes ExportMetricsServiceRequest and checks the values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality

from tests.exporters.conftest import sample_totals
from tests.exporters.receivers import Receiver
from tokledger.exporters.config import Auth, OtlpConfig
from tokledger.exporters.otlp import OtlpExporter, provider_of
from tokledger.exporters.secrets import SecretRef
from tokledger.exporters.series import total_tokens


def decode(body: bytes) -> tuple[dict, dict]:
    request = ExportMetricsServiceRequest.FromString(body)
    (resource_metrics,) = request.resource_metrics
    resource = {a.key: a.value.string_value for a in resource_metrics.resource.attributes}
    metrics = {}
    for scope in resource_metrics.scope_metrics:
        for metric in scope.metrics:
            assert metric.sum.is_monotonic
            assert (
                metric.sum.aggregation_temporality
                == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
            )
            points = []
            for point in metric.sum.data_points:
                value = point.as_int if point.HasField("as_int") else point.as_double
                points.append(({a.key: a.value.string_value for a in point.attributes}, value))
            metrics[metric.name] = (metric.unit, points)
    return resource, metrics


def test_genai_token_usage_cost_and_requests(tmp_path):
    totals = sample_totals("dev1", user="alice")
    token = SecretRef("exporters.otlp.bearer_token", tmp_path / "c.toml", env="OTLP_TOKEN")
    with Receiver() as receiver:
        config = OtlpConfig(f"{receiver.url}/v1/metrics", Auth(bearer_token=token), timeout=5)
        exporter = OtlpExporter(config, lambda: totals, {"OTLP_TOKEN": "tok-9"})
        outcome = exporter.export()
        exporter.close()
    assert outcome.ok, outcome.detail
    ((path, headers, body),) = receiver.requests
    assert path == "/v1/metrics" and headers["content-type"] == "application/x-protobuf"
    assert headers["authorization"] == "Bearer tok-9"
    resource, metrics = decode(body)
    assert resource["service.name"] == "tokledger"
    unit, points = metrics["gen_ai.client.token.usage"]
    assert unit == "{token}"
    assert sum(value for _, value in points) == total_tokens(totals)
    sonnet = {
        a["tokledger.token.type"]: (a["gen_ai.token.type"], v)
        for a, v in points
        if a["gen_ai.request.model"] == "claude-sonnet-4-5"
    }
    assert sonnet == {
        "input": ("input", 1_200),
        "cache_write": ("input", 20_000),
        "cache_read": ("input", 150_000),
        "output": ("output", 3_400),
    }
    attrs = points[0][0]
    assert (
        attrs["gen_ai.operation.name"] == "chat"
        and attrs["host.name"] == "dev1"
        and attrs["user.name"] == "alice"
    )
    providers = {a["gen_ai.request.model"]: a["gen_ai.provider.name"] for a, _ in points}
    assert providers == {
        "claude-sonnet-4-5": "anthropic",
        "claude-opus-4-1": "anthropic",
        "gpt-5-codex": "openai",
    }
    unit, cost = metrics["tokledger.cost.usage"]
    assert unit == "USD" and sum(v for _, v in cost) == 0.75 + 1.0 + 0.013875
    assert sum(v for _, v in metrics["tokledger.request.count"][1]) == 20
    assert sum(v for _, v in metrics["tokledger.reasoning.token.usage"][1]) == 400


def test_each_export_carries_the_cumulative_totals():
    totals = sample_totals("dev1")
    current = [totals]
    with Receiver() as receiver:
        exporter = OtlpExporter(OtlpConfig(receiver.url + "/v1/metrics", timeout=5), lambda: current[0], {})
        assert exporter.export().ok
        current[0] = [replace(t, requests=t.requests + 1) for t in totals]
        assert exporter.export().ok
        exporter.close()
    counts = [
        sum(v for _, v in decode(body)[1]["tokledger.request.count"][1]) for _, _, body in receiver.requests
    ]
    assert counts == [20, 23]


def test_a_refused_export_is_a_failed_outcome():
    with Receiver(statuses=[400], body=b"bad") as receiver:
        exporter = OtlpExporter(
            OtlpConfig(receiver.url + "/v1/metrics", timeout=2), lambda: sample_totals("h"), {}
        )
        outcome = exporter.export()
        exporter.close()
    assert not outcome.ok and "OTLP export to" in outcome.detail


def test_missing_secret_is_a_failed_outcome(tmp_path: Path):
    ref = SecretRef("exporters.otlp.bearer_token", tmp_path / "c.toml", env="NOPE")
    exporter = OtlpExporter(OtlpConfig("http://127.0.0.1:9/v1/metrics", Auth(bearer_token=ref)), list, {})
    outcome = exporter.export()
    assert not outcome.ok and "environment variable NOPE is not set" in outcome.detail


def test_provider_names():
    assert provider_of("claude-haiku-4-5-20251001") == "anthropic"
    assert provider_of("openrouter/anthropic/claude-sonnet-4") == "anthropic"
    assert provider_of("google/gemini-2.5-pro") == "gcp.gemini"
    assert provider_of("gemini-2.5-flash") == "gcp.gemini"
    assert provider_of("o3-mini") == "openai"
    assert provider_of("my-local-model") == "unknown"
