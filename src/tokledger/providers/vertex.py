"""Google Vertex AI: token counts per model and location from Cloud Monitoring (google-cloud-monitoring).

What is read
    Metric ``aiplatform.googleapis.com/publisher/online_serving/token_count`` (BETA; kind DELTA, INT64,
    unit 1) on the monitored resource ``aiplatform.googleapis.com/PublisherModel``, whose labels are
    ``resource_container`` (the project), ``location``, ``publisher`` (``google``, ``anthropic``, …),
    ``model_user_id`` and ``model_version_id``. The metric label ``type`` is ``input`` or ``output``;
    other values are skipped and counted (never split 50/50). Input includes cached content: the metric
    has no cache-read or cache-write split (its ``explicit_caching`` label only says whether a request
    used an explicit cache), so every input token is counted as uncached input, and the price computed
    from these tokens is an upper bound where caching was used. Output includes thinking tokens.
    Cost is not published; the ledger prices these tokens.

Call
    ``MetricServiceClient.list_time_series(name="projects/<project_id>", filter='metric.type="…" AND
    resource.type="…PublisherModel"', interval, aggregation, view=FULL)`` with ``alignment_period`` 3600 s,
    ``per_series_aligner`` ``ALIGN_SUM`` (the sum of a DELTA metric over each hour),
    ``cross_series_reducer`` ``REDUCE_SUM`` grouped by ``resource.label.model_user_id``,
    ``resource.label.location``, ``resource.label.publisher`` and ``metric.label.type``. The client pages
    by itself. The interval runs from the first hour of the window to the last whole hour, so aligned
    points fall on hour boundaries; the hour in progress is read by a later sync. Each point's interval
    ends at the end of its hour; the record is dated by the hour's start. Needs
    ``monitoring.timeSeries.list`` (role Monitoring Viewer) on the project.

Credentials
    ``credentials_file`` from the config, else ``GOOGLE_APPLICATION_CREDENTIALS`` (a service account key
    file), else application default credentials (``gcloud auth application-default login``, a metadata
    server). ``project_id`` is required in ``[providers.vertex]``.

Granularity and delays
    One record per (hour, model, location, publisher). Cloud Monitoring shows Vertex metrics within a few
    minutes. Default interval fifteen minutes; every sync re-reads the last three hours.
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

NAME = "vertex"
METRIC = "aiplatform.googleapis.com/publisher/online_serving/token_count"
RESOURCE = "aiplatform.googleapis.com/PublisherModel"
HOUR = 3600
GROUPS = (
    "resource.label.model_user_id",
    "resource.label.location",
    "resource.label.publisher",
    "metric.label.type",
)
_FIELDS = {"input": "input_tokens", "output": "output_tokens"}


def _client(ctx: FetchContext) -> Any:
    if ctx.client is not None:
        return ctx.client
    from google.cloud import monitoring_v3

    credentials = None
    if ctx.credentials.file is not None:
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(
            str(ctx.credentials.file), scopes=["https://www.googleapis.com/auth/monitoring.read"]
        )
    return monitoring_v3.MetricServiceClient(credentials=credentials)


def _translate(ctx: FetchContext, exc: Exception) -> ProviderError:
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    label = ctx.credentials.label
    if isinstance(exc, (api.Unauthenticated, api.PermissionDenied)):
        return CredentialError(
            f"{NAME}: {label} was refused for project {ctx.settings.project_id} ({type(exc).__name__})"
        )
    if isinstance(exc, auth.GoogleAuthError):
        return CredentialError(f"{NAME}: no usable Google credentials ({label}): {type(exc).__name__}")
    if isinstance(exc, OSError):
        return CredentialError(f"{NAME}: cannot read {label}: {exc.strerror or type(exc).__name__}")
    return ProviderError(f"{NAME}: Cloud Monitoring failed: {type(exc).__name__}")


def _errors() -> tuple[type[Exception], ...]:
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return GoogleAPIError, GoogleAuthError, OSError, ValueError


def request(project: str, start: datetime, end: datetime, view: str = "FULL") -> dict:
    """The ``list_time_series`` request for one window (hour-aligned)."""
    from google.cloud import monitoring_v3

    aggregation = monitoring_v3.Aggregation(
        alignment_period={"seconds": HOUR},
        per_series_aligner=monitoring_v3.Aggregation.Aligner.ALIGN_SUM,
        cross_series_reducer=monitoring_v3.Aggregation.Reducer.REDUCE_SUM,
        group_by_fields=list(GROUPS),
    )
    return {
        "name": f"projects/{project}",
        "filter": f'metric.type = "{METRIC}" AND resource.type = "{RESOURCE}"',
        "interval": monitoring_v3.TimeInterval(
            start_time={"seconds": int(start.timestamp())}, end_time={"seconds": int(end.timestamp())}
        ),
        "aggregation": aggregation,
        "view": getattr(monitoring_v3.ListTimeSeriesRequest.TimeSeriesView, view),
    }


def _project(ctx: FetchContext) -> str:
    if not ctx.settings.project_id:
        raise ProviderError(f"{NAME}: set project_id in [providers.{NAME}]")
    return ctx.settings.project_id


def fetch(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    start, end = floor_time(since, HOUR), floor_time(until, HOUR)
    if end <= start:
        return
    buckets: dict[tuple[str, str, str, datetime], dict[str, int]] = {}
    try:
        client = _client(ctx)
        for series in client.list_time_series(request=request(_project(ctx), start, end)):
            resource, metric = dict(series.resource.labels), dict(series.metric.labels)
            field = _FIELDS.get(metric.get("type", ""))
            if field is None:
                ctx.skipped += len(series.points)
                ctx.notices.append(
                    f"token_count type {metric.get('type')!r} skipped (only input and output are known)"
                )
                continue
            ident = (
                resource.get("model_user_id") or "unknown",
                resource.get("location") or "",
                resource.get("publisher") or "",
            )
            for point in series.points:
                try:
                    ended = point.interval.end_time
                    hour = floor_time(
                        (ended if ended.tzinfo else ended.replace(tzinfo=UTC)) - timedelta(seconds=1), HOUR
                    )
                    amount = count(int(point.value.int64_value))
                except (ValueError, TypeError, OverflowError, AttributeError):
                    ctx.skipped += 1
                    continue
                figures = buckets.setdefault((*ident, hour), {})
                figures[field] = figures.get(field, 0) + amount
    except _errors() as exc:
        raise _translate(ctx, exc) from None
    for (model, location, publisher, hour), figures in sorted(buckets.items()):
        if any(figures.values()):
            dims = {"model": model, "location": location, "publisher": publisher}
            yield make_record(NAME, "token_count", hour, HOUR, dims, model, provider="google", **figures)


def check(ctx: FetchContext) -> str:
    end = floor_time(datetime.now(UTC), HOUR)
    try:
        client = _client(ctx)
        series = client.list_time_series(
            request={**request(_project(ctx), end - timedelta(hours=1), end, "HEADERS"), "page_size": 1}
        )
        next(iter(series), None)
    except _errors() as exc:
        raise _translate(ctx, exc) from None
    return f"Google credentials accepted: Cloud Monitoring is readable in project {ctx.settings.project_id}"


PROVIDER = Provider(
    name=NAME,
    title="Google Vertex AI (Cloud Monitoring token counts)",
    credential_kind="google_cloud",
    credential_env=("GOOGLE_APPLICATION_CREDENTIALS",),
    interval=timedelta(minutes=15),
    lateness=timedelta(hours=3),
    reports=("token_count",),
    fetch=fetch,
    check=check,
)
