"""AWS Bedrock: token counts per model from CloudWatch metrics, in each configured region (boto3).

Report ``token_metrics`` — what is read
    Namespace ``AWS/Bedrock``, fed by the ``bedrock-runtime`` endpoint (Converse, ConverseStream,
    InvokeModel, InvokeModelWithResponseStream). Metrics, statistic ``Sum``, dimension ``ModelId`` alone:
    ``InputTokenCount`` → input, ``OutputTokenCount`` → output, ``CacheReadInputTokenCount`` → cache read,
    ``CacheWriteInputTokenCount`` → cache write, ``Invocations`` → requests. Bedrock's input count excludes
    cache reads and writes (as the Converse ``usage`` block does), so the categories are disjoint as read.
    The cache metrics are published only for models and requests that use prompt caching; the AWS
    metrics page does not list them, but CloudWatch's metric catalogue and public dashboards query these
    names, and since ``ListMetrics`` decides what is read, a name that does not exist costs nothing. CloudWatch has no TTL split of cache writes (taken as 5-minute writes).
    Cost is not published; the ledger prices these tokens.

Calls
    ``ListMetrics(Namespace="AWS/Bedrock")`` (all pages) finds the (metric, ModelId) pairs, then
    ``GetMetricData`` (up to 500 queries a call, all ``NextToken`` pages, ``ScanBy=TimestampAscending``)
    reads one-hour sums from the start of the window's first hour to its end. Needs
    ``cloudwatch:ListMetrics`` and ``cloudwatch:GetMetricData``.

Quirks
    ``ListMetrics`` only returns metrics that received data in the past two weeks: a model last used
    before that is missed by a longer backfill. ``ModelId`` is the id the caller used: a foundation
    model (``anthropic.claude-…-v1:0``) or a cross-region inference profile (``us.anthropic.…``); it is
    kept as the model (priced with the ``aws`` provider hint). The same model in two regions gives two
    records. Datapoints are floats; sums are whole numbers and are rounded.

Credentials and regions
    boto3's own chain: ``profile`` from the config, else ``AWS_PROFILE``, SSO, an assumed role, instance
    or container credentials. ``regions`` (or ``region``) from the config, else the profile's region,
    else ``us-east-1``. A refused credential names the profile (or "the AWS credential chain").

Granularity and delays
    One record per (hour, region, ModelId). CloudWatch publishes Bedrock metrics each minute; one-hour
    datapoints are kept 455 days. Default interval fifteen minutes; every sync re-reads three hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tokledger.providers import (
    CredentialError,
    FetchContext,
    Provider,
    ProviderError,
    ProviderRecord,
    count,
    floor_time,
    make_record,
)

NAME = "bedrock"
NAMESPACE = "AWS/Bedrock"
HOUR = 3600
METRICS = {
    "InputTokenCount": "input_tokens",
    "OutputTokenCount": "output_tokens",
    "CacheReadInputTokenCount": "cache_read_tokens",
    "CacheWriteInputTokenCount": "cache_write_tokens",
    "Invocations": "requests",
}
_REFUSED = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AccessDenied",
    "AccessDeniedException",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "UnauthorizedOperation",
}


def _session(ctx: FetchContext) -> Any:
    if ctx.client is not None:
        return ctx.client
    import boto3

    return boto3.Session(profile_name=ctx.settings.profile) if ctx.settings.profile else boto3.Session()


def _regions(ctx: FetchContext, session: Any) -> tuple[str, ...]:
    return ctx.settings.regions or (getattr(session, "region_name", None) or "us-east-1",)


def _cloudwatch(session: Any, region: str) -> Any:
    from botocore.config import Config

    return session.client(
        "cloudwatch", region_name=region, config=Config(retries={"mode": "standard", "max_attempts": 6})
    )


def _translate(ctx: FetchContext, region: str, exc: Exception) -> ProviderError:
    """boto3's exceptions as one-line provider errors; refused credentials name what was used."""
    from botocore import exceptions as boto

    label = ctx.credentials.label
    if isinstance(exc, boto.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _REFUSED:
            return CredentialError(f"{NAME}: {label} was refused in {region} ({code})")
        return ProviderError(f"{NAME}: CloudWatch in {region} failed: {code or 'error'}")
    if isinstance(
        exc,
        (
            boto.NoCredentialsError,
            boto.PartialCredentialsError,
            boto.ProfileNotFound,
            boto.TokenRetrievalError,
            boto.SSOError,
        ),
    ):
        return CredentialError(f"{NAME}: no usable AWS credentials ({label}): {type(exc).__name__}")
    return ProviderError(f"{NAME}: CloudWatch in {region} failed: {type(exc).__name__}")


def _pairs(cw: Any) -> list[tuple[str, str]]:
    """(metric name, ModelId) for every token metric published per model alone."""
    found = set()
    for page in cw.get_paginator("list_metrics").paginate(Namespace=NAMESPACE):
        for metric in page.get("Metrics", []):
            dims = metric.get("Dimensions") or []
            if metric.get("MetricName") in METRICS and len(dims) == 1 and dims[0].get("Name") == "ModelId":
                found.add((metric["MetricName"], dims[0]["Value"]))
    return sorted(found)


def _sums(
    cw: Any, pairs: list[tuple[str, str]], start: datetime, end: datetime
) -> Iterator[tuple[str, str, Any, Any]]:
    for offset in range(0, len(pairs), 500):
        chunk = pairs[offset : offset + 500]
        queries = [
            {
                "Id": f"m{i}",
                "ReturnData": True,
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": metric,
                        "Dimensions": [{"Name": "ModelId", "Value": model}],
                    },
                    "Period": HOUR,
                    "Stat": "Sum",
                },
            }
            for i, (metric, model) in enumerate(chunk)
        ]
        kwargs = {
            "MetricDataQueries": queries,
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        while True:
            page = cw.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                metric, model = chunk[int(result["Id"][1:])]
                for at, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    yield metric, model, at, value
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]


def _region(
    ctx: FetchContext, session: Any, region: str, since: datetime, until: datetime
) -> list[ProviderRecord]:
    from botocore.exceptions import BotoCoreError, ClientError

    start = floor_time(since, HOUR)
    buckets: dict[tuple[str, datetime], dict[str, int]] = {}
    try:
        cw = _cloudwatch(session, region)
        for metric, model, at, value in _sums(cw, _pairs(cw), start, until):
            try:
                hour = floor_time(at if at.tzinfo else at.replace(tzinfo=UTC), HOUR)
                amount = count(round(value))
            except (ValueError, TypeError, OverflowError):
                ctx.skipped += 1
                continue
            figures = buckets.setdefault((model, hour), {})
            figures[METRICS[metric]] = figures.get(METRICS[metric], 0) + amount
    except (BotoCoreError, ClientError) as exc:
        raise _translate(ctx, region, exc) from None
    records = []
    for (model, hour), figures in sorted(buckets.items()):
        requests = figures.pop("requests", None)
        if any(figures.values()):
            records.append(
                make_record(
                    NAME,
                    "token_metrics",
                    hour,
                    HOUR,
                    {"model_id": model, "region": region},
                    model,
                    provider="aws",
                    requests=requests,
                    **figures,
                )
            )
    return records


def fetch(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    from botocore.exceptions import BotoCoreError

    try:
        session = _session(ctx)
    except BotoCoreError as exc:
        raise _translate(ctx, "-", exc) from None
    for region in _regions(ctx, session):
        yield from _region(ctx, session, region, since, until)


def check(ctx: FetchContext) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = _session(ctx)
    except BotoCoreError as exc:
        raise _translate(ctx, "-", exc) from None
    region = _regions(ctx, session)[0]
    try:
        metrics = _cloudwatch(session, region).list_metrics(Namespace=NAMESPACE).get("Metrics", [])
    except (BotoCoreError, ClientError) as exc:
        raise _translate(ctx, region, exc) from None
    return f"AWS credentials accepted: {len(metrics)} Bedrock metrics listed in {region}"


PROVIDER = Provider(
    name=NAME,
    title="AWS Bedrock (CloudWatch token metrics)",
    credential_kind="aws",
    credential_env=("AWS_PROFILE",),
    interval=timedelta(minutes=15),
    lateness=timedelta(hours=3),
    reports=("token_metrics",),
    fetch=fetch,
    check=check,
)
