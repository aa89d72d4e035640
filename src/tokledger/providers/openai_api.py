"""OpenAI organization Usage and Costs API: completion tokens per model and project, and billed cost.

Access
    Base ``https://api.openai.com`` (``base_url`` to change it); header ``Authorization: Bearer <admin
    key>`` (an organization Admin key, ``OPENAI_ADMIN_KEY``; project keys are refused). Arrays are sent
    with brackets (``group_by[]=model``), as OpenAI's own SDK sends them. Envelope ``{object: "page",
    data: [{object: "bucket", start_time, end_time, results}], has_more, next_page}``; while ``has_more``,
    ``next_page`` goes back as ``page``. Times are Unix **seconds**, UTC; ``end_time`` is exclusive.

Report ``completions`` — ``GET /v1/organization/usage/completions``
    Params: ``start_time`` (required), ``end_time``, ``bucket_width`` ``1h`` (of ``1m``/``1h``/``1d``),
    ``limit`` 168 (the 1h maximum), ``group_by[]`` ``model``, ``project_id``, ``batch``, ``service_tier``.
    Result fields read: ``input_tokens`` (all input: cached and cache-write tokens included, across text,
    audio and image), ``input_cached_tokens``, ``input_cache_write_tokens`` (newer responses), and
    ``output_tokens`` (reasoning included), ``num_model_requests``. tokledger's categories are disjoint,
    so cache read = ``input_cached_tokens`` and cache write = ``input_cache_write_tokens`` (each clamped so
    they never exceed the input), input = ``input_tokens`` minus both; the four then add up to
    ``input_tokens + output_tokens`` exactly. ``input_uncached_tokens`` and the per-modality fields are
    not needed for that. Batch requests (``batch: true``, half price) and service tiers are kept apart.
    One record per hour and grouping, counting tokens; the project id is the event's project.

Report ``costs`` — ``GET /v1/organization/costs``
    ``bucket_width`` ``1d`` only, ``limit`` up to 180, ``group_by[]`` ``project_id`` and ``line_item``.
    ``amount.value`` is in **dollars** (a number, or a decimal string with many digits), converted
    exactly; ``amount.currency`` is lowercase ("usd"; others are skipped with a notice). ``line_item``
    reads like "gpt-4o-2024-08-06, input": the part before the first comma is taken as the model (the
    format is observed, not specified). OpenAI says usage and costs may not reconcile perfectly; costs
    are what the invoice shows. One record per day, project and line item, counting cost.

Delays and cadence
    No freshness is documented; buckets fill within minutes and costs settle over a day or more. 429 is
    documented without a figure. Default interval five minutes; every sync re-reads the last three days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tokledger.providers import (
    COST,
    FetchContext,
    Provider,
    ProviderRecord,
    count,
    floor_time,
    make_record,
    money,
)
from tokledger.providers._http import pages

NAME = "openai_api"
BASE_URL = "https://api.openai.com"
HOUR, DAY = 3600, 86400
USAGE_GROUPS = ("model", "project_id", "batch", "service_tier")
_BAD = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


def _get(ctx: FetchContext, path: str, params: list[tuple[str, str]]) -> dict:
    secret = ctx.credentials.require()
    headers = {"authorization": f"Bearer {secret.reveal()}"}
    url = (ctx.settings.base_url or BASE_URL) + path
    return ctx.http.request(
        NAME, secret.name, "GET", url, params=params, headers=headers, secrets=(secret.reveal(),)
    )


def _buckets(ctx: FetchContext, path: str, params: list[tuple[str, str]]) -> Iterator[tuple[datetime, dict]]:
    def one(cursor: str | None) -> dict:
        return _get(ctx, path, params + ([("page", cursor)] if cursor else []))

    for page in pages(one, NAME):
        for bucket in page["data"]:
            try:
                start = datetime.fromtimestamp(count(bucket["start_time"]), UTC)
                results = bucket.get("results") or []
            except _BAD:
                ctx.skipped += 1
                continue
            for result in results:
                yield start, result


def _seconds(value: datetime) -> str:
    return str(int(value.timestamp()))


def usage_tokens(result: dict) -> dict[str, int]:
    """OpenAI's overlapping input counts as tokledger's disjoint categories."""
    total = count(result.get("input_tokens"))
    cached = min(count(result.get("input_cached_tokens")), total)
    written = min(count(result.get("input_cache_write_tokens")), total - cached)
    return {
        "input_tokens": total - cached - written,
        "cache_read_tokens": cached,
        "cache_write_tokens": written,
        "output_tokens": count(result.get("output_tokens")),
    }


def _completions(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    params = [
        ("start_time", _seconds(floor_time(since, HOUR))),
        ("end_time", _seconds(until)),
        ("bucket_width", "1h"),
        ("limit", "168"),
    ] + [("group_by[]", g) for g in USAGE_GROUPS]
    for start, r in _buckets(ctx, "/v1/organization/usage/completions", params):
        try:
            tokens = usage_tokens(r)
            requests = count(r.get("num_model_requests"))
            batch = r.get("batch")
            dims = {
                "model": r.get("model"),
                "project_id": r.get("project_id"),
                "batch": "" if batch is None else str(bool(batch)).lower(),
                "service_tier": r.get("service_tier"),
            }
        except _BAD:
            ctx.skipped += 1
            continue
        if any(tokens.values()) or requests:
            yield make_record(
                NAME,
                "completions",
                start,
                HOUR,
                dims,
                r.get("model") or "unknown",
                requests=requests,
                provider="openai",
                project=r.get("project_id") or None,
                **tokens,
            )


def line_item_model(line_item: str | None) -> str:
    return line_item.split(",", 1)[0].strip() or "unknown" if line_item else "unknown"


def _costs(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    params = [
        ("start_time", _seconds(floor_time(since, DAY))),
        ("end_time", _seconds(until)),
        ("bucket_width", "1d"),
        ("limit", "180"),
        ("group_by[]", "project_id"),
        ("group_by[]", "line_item"),
    ]
    for start, r in _buckets(ctx, "/v1/organization/costs", params):
        try:
            amount = r.get("amount") or {}
            value = money(amount["value"])
            currency = str(amount.get("currency") or "usd").lower()
            dims = {"project_id": r.get("project_id"), "line_item": r.get("line_item")}
        except _BAD:
            ctx.skipped += 1
            continue
        if currency != "usd":
            ctx.notices.append(f"costs line in {currency} skipped (only USD is recorded)")
            continue
        yield make_record(
            NAME,
            "costs",
            start,
            DAY,
            dims,
            line_item_model(r.get("line_item")),
            counts=COST,
            cost=value,
            provider="openai",
            project=r.get("project_id") or None,
        )


def fetch(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    reports = ctx.settings.reports_for(PROVIDER)
    if "completions" in reports:
        yield from _completions(ctx, since, until)
    if "costs" in reports:
        yield from _costs(ctx, since, until)


def check(ctx: FetchContext) -> str:
    start = floor_time(datetime.now(UTC), HOUR) - timedelta(hours=1)
    _get(
        ctx,
        "/v1/organization/usage/completions",
        [("start_time", _seconds(start)), ("bucket_width", "1h"), ("limit", "1")],
    )
    return "Admin key accepted: organization usage is readable"


PROVIDER = Provider(
    name=NAME,
    title="OpenAI API (organization usage and costs)",
    credential_kind="admin_key",
    credential_env=("OPENAI_ADMIN_KEY",),
    interval=timedelta(minutes=5),
    lateness=timedelta(days=3),
    reports=("completions", "costs"),
    fetch=fetch,
    check=check,
)
