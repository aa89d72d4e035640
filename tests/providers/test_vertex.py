"""Vertex token counts from Cloud Monitoring, through a fake MetricServiceClient returning real TimeSeries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.api_core import exceptions as api
from google.cloud import monitoring_v3

from tests.providers.conftest import context, tokens
from tokledger.providers import CredentialError, ProviderError, vertex

SINCE = datetime(2025, 10, 1, 9, 40, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, 12, 30, tzinfo=UTC)


def _series(model: str, kind: str, points: dict[int, int], location="us-central1", publisher="google"):
    series = monitoring_v3.TimeSeries(
        metric={"type": vertex.METRIC, "labels": {"type": kind}},
        resource={"type": vertex.RESOURCE, "labels": {"model_user_id": model, "location": location,
                                                      "publisher": publisher, "resource_container": "my-project"}},
        metric_kind="DELTA", value_type="INT64")  # fmt: skip
    for hour, value in points.items():
        end = int(datetime(2025, 10, 1, hour, tzinfo=UTC).timestamp())
        series.points.append(monitoring_v3.Point(interval={"start_time": {"seconds": end - 3600}, "end_time": {"seconds": end}},
                                                 value={"int64_value": value}))  # fmt: skip
    return series


class FakeMetricService:
    def __init__(self, series=(), error: Exception | None = None):
        self.series, self.error, self.requests = list(series), error, []

    def list_time_series(self, request):
        self.requests.append(request)
        if self.error:
            raise self.error
        return iter(self.series)


def test_input_and_output_per_model_location_and_hour():
    client = FakeMetricService([
        _series("gemini-2.5-pro", "input", {10: 1200, 11: 300}),
        _series("gemini-2.5-pro", "output", {10: 400}),
        _series("claude-sonnet-4-5", "input", {11: 50}, "europe-west1", "anthropic"),
        _series("claude-sonnet-4-5", "output", {11: 5}, "europe-west1", "anthropic"),
        _series("gemini-2.5-pro", "cached", {10: 99}),
    ])  # fmt: skip
    ctx = context("vertex", client=client, project_id="my-project")
    records = list(vertex.fetch(ctx, SINCE, UNTIL))

    [request] = client.requests
    assert request["name"] == "projects/my-project"
    assert request["filter"] == (f'metric.type = "{vertex.METRIC}" AND resource.type = "{vertex.RESOURCE}"')
    assert request["interval"].start_time.timestamp() == datetime(2025, 10, 1, 9, tzinfo=UTC).timestamp()
    assert request["interval"].end_time.timestamp() == datetime(2025, 10, 1, 12, tzinfo=UTC).timestamp()
    aggregation = request["aggregation"]
    assert aggregation.alignment_period.total_seconds() == 3600
    assert aggregation.per_series_aligner == monitoring_v3.Aggregation.Aligner.ALIGN_SUM
    assert aggregation.cross_series_reducer == monitoring_v3.Aggregation.Reducer.REDUCE_SUM
    assert list(aggregation.group_by_fields) == list(vertex.GROUPS)

    got = {(r.event.model, r.dims["location"], r.event.timestamp.hour): r for r in records}
    assert tokens(got[("gemini-2.5-pro", "us-central1", 9)]) == (
        1200,
        0,
        0,
        0,
        400,
    )  # the point ending at 10:00
    assert tokens(got[("gemini-2.5-pro", "us-central1", 10)]) == (300, 0, 0, 0, 0)
    claude = got[("claude-sonnet-4-5", "europe-west1", 10)]
    assert tokens(claude) == (50, 0, 0, 0, 5) and claude.dims["publisher"] == "anthropic"
    assert claude.event.provider == "google" and claude.bucket_seconds == 3600
    assert ctx.skipped == 1 and "'cached' skipped" in ctx.notices[0]


def test_an_hour_not_yet_complete_is_not_read():
    client = FakeMetricService()
    assert (
        list(vertex.fetch(context("vertex", client=client, project_id="p"), UNTIL.replace(minute=5), UNTIL))
        == []
    )
    assert client.requests == []


@pytest.mark.parametrize("error", [api.PermissionDenied("no"), api.Unauthenticated("no")])
def test_refused_credentials_name_them(error):
    ctx = context("vertex", client=FakeMetricService(error=error), project_id="p")
    with pytest.raises(CredentialError) as err:
        list(vertex.fetch(ctx, SINCE, UNTIL))
    assert str(err.value).startswith("vertex: the test credentials was refused for project p")


def test_other_api_errors_are_one_line():
    with pytest.raises(ProviderError, match="^vertex: Cloud Monitoring failed: ServiceUnavailable$"):
        list(vertex.fetch(context("vertex", client=FakeMetricService(error=api.ServiceUnavailable("x")),
                                  project_id="p"), SINCE, UNTIL))  # fmt: skip


def test_check_reads_one_header():
    client = FakeMetricService()
    assert "project p" in vertex.check(context("vertex", client=client, project_id="p"))
    assert client.requests[0]["page_size"] == 1
