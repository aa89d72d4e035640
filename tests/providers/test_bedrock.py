"""Bedrock token metrics read from CloudWatch, with moto standing in for AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.providers.conftest import context, tokens
from tokledger.providers import CredentialError, ProviderError, bedrock

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "amazon.nova-pro-v1:0"
SINCE = datetime(2025, 10, 1, 10, 15, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def _put(region: str, model: str, at: datetime, **metrics: float) -> None:
    cw = boto3.client("cloudwatch", region_name=region)
    cw.put_metric_data(Namespace="AWS/Bedrock", MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": "ModelId", "Value": model}], "Timestamp": at, "Value": value,
         "Unit": "Count"} for name, value in metrics.items()])  # fmt: skip


def test_token_metrics_per_model_hour_and_region(aws):
    _put("us-east-1", SONNET, datetime(2025, 10, 1, 10, 20, tzinfo=UTC), InputTokenCount=120, OutputTokenCount=80,
         CacheReadInputTokenCount=4000, CacheWriteInputTokenCount=600, Invocations=2)  # fmt: skip
    _put(
        "us-east-1",
        SONNET,
        datetime(2025, 10, 1, 10, 50, tzinfo=UTC),
        InputTokenCount=30,
        OutputTokenCount=20,
    )
    _put("us-east-1", SONNET, datetime(2025, 10, 1, 11, 5, tzinfo=UTC), InputTokenCount=1, OutputTokenCount=2)
    _put(
        "us-east-1", NOVA, datetime(2025, 10, 1, 11, 10, tzinfo=UTC), InputTokenCount=500, OutputTokenCount=50
    )
    _put(
        "eu-west-1", SONNET, datetime(2025, 10, 1, 10, 30, tzinfo=UTC), InputTokenCount=9, OutputTokenCount=9
    )
    # another dimension set is not per model alone, and another namespace is not Bedrock: both ignored
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_data(Namespace="AWS/Bedrock", MetricData=[{
        "MetricName": "InputTokenCount", "Value": 7, "Timestamp": datetime(2025, 10, 1, 10, 20, tzinfo=UTC),
        "Dimensions": [{"Name": "ModelId", "Value": NOVA}, {"Name": "ImageSize", "Value": "512"}]}])  # fmt: skip

    ctx = context("bedrock", client=boto3.Session(), regions=("us-east-1", "eu-west-1"))
    records = list(bedrock.fetch(ctx, SINCE, UNTIL))
    got = {(r.dims["region"], r.event.model, r.event.timestamp.hour): r for r in records}
    assert set(got) == {("us-east-1", SONNET, 10), ("us-east-1", SONNET, 11), ("us-east-1", NOVA, 11),
                        ("eu-west-1", SONNET, 10)}  # fmt: skip
    ten = got[("us-east-1", SONNET, 10)]
    assert tokens(ten) == (150, 600, 0, 4000, 100) and ten.requests == 2
    assert ten.event.provider == "aws" and ten.bucket_seconds == 3600
    assert ten.event.timestamp == datetime(2025, 10, 1, 10, tzinfo=UTC)
    assert tokens(got[("us-east-1", NOVA, 11)]) == (500, 0, 0, 0, 50)
    assert ten.event.key == ("token_metrics|2025-10-01T10:00:00Z|3600|"
                             f"model_id={SONNET};region=us-east-1")  # fmt: skip
    assert [r.event.key for r in bedrock.fetch(ctx, SINCE, UNTIL)] == [r.event.key for r in records]


def test_check_lists_metrics(aws):
    _put("us-east-1", NOVA, datetime(2025, 10, 1, 11, tzinfo=UTC), InputTokenCount=1)
    assert "1 Bedrock metrics listed in us-east-1" in bedrock.check(
        context("bedrock", client=boto3.Session())
    )


class _Refusing:
    region_name = "us-east-1"

    def __init__(self, code: str):
        self.code = code

    def client(self, *_args, **_kwargs):
        return self

    def get_paginator(self, _name):
        return self

    def paginate(self, **_kwargs):
        raise ClientError({"Error": {"Code": self.code, "Message": "nope"}}, "ListMetrics")


def test_refused_credentials_name_the_profile():
    ctx = context("bedrock", client=_Refusing("ExpiredToken"), profile="work")
    ctx.credentials = type(ctx.credentials)("bedrock", "aws", "AWS profile 'work'")
    with pytest.raises(CredentialError) as err:
        list(bedrock.fetch(ctx, SINCE, UNTIL))
    assert str(err.value) == "bedrock: AWS profile 'work' was refused in us-east-1 (ExpiredToken)"


def test_other_client_errors_are_one_line():
    with pytest.raises(ProviderError) as err:
        list(bedrock.fetch(context("bedrock", client=_Refusing("InternalFailure")), SINCE, UNTIL))
    assert not isinstance(err.value, CredentialError)
    assert str(err.value) == "bedrock: CloudWatch in us-east-1 failed: InternalFailure"
