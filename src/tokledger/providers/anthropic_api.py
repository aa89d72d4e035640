"""Anthropic Admin API: the organization's token usage, its billed cost, and Claude Code analytics.

Access
    Base ``https://api.anthropic.com`` (``base_url`` to change it). Headers ``x-api-key: <Admin API key>``
    (``sk-ant-admin01-…``; an ordinary API key is refused) and ``anthropic-version: 2023-06-01``.
    Organizations only. Arrays repeat with brackets (``group_by[]=model&group_by[]=workspace_id``).
    Listings are paged: while ``has_more`` is true, ``next_page`` goes back as ``page``.

Report ``messages`` — ``GET /v1/organizations/usage_report/messages``
    Params: ``starting_at`` (RFC 3339, snapped to the bucket), ``ending_at``, ``bucket_width`` ``1h`` (of
    ``1m``/``1h``/``1d``), ``limit`` 168 (the 1h maximum), ``group_by[]`` ``model``, ``workspace_id``,
    ``api_key_id``, ``service_tier``, ``context_window``. Response ``{data: [{starting_at, ending_at,
    results: [...]}], has_more, next_page}``, oldest bucket first, empty buckets included (``results:
    []``). Each result: ``uncached_input_tokens`` → input; ``cache_creation.ephemeral_5m_input_tokens`` +
    ``ephemeral_1h_input_tokens`` → cache write (the 1h part kept apart); ``cache_read_input_tokens`` →
    cache read; ``output_tokens`` (thinking included) → output. The categories are already disjoint.
    ``server_tool_use.web_search_requests`` is not a token count and is not recorded here: web search is
    billed per request and arrives through ``cost_report`` (``cost_type`` ``web_search``). A null
    ``api_key_id`` is Console/Workbench use; a null ``workspace_id`` is the default workspace (project
    "default"). Code execution is not in this report. One record per hour and grouping, counting tokens.

Report ``cost_report`` — ``GET /v1/organizations/cost_report``
    ``bucket_width`` ``1d`` only, ``limit`` 31, ``group_by[]`` ``workspace_id`` and ``description`` (the
    parsed fields ``model``, ``cost_type``, ``token_type``, ``service_tier``, ``context_window``,
    ``inference_geo`` are filled only when grouped by description). ``amount`` is a **decimal string in
    cents** (``"123.45"`` is $1.2345), converted exactly; ``currency`` is "USD" (other currencies are
    skipped with a notice). Priority Tier costs are not included. One record per day and line, counting
    cost (tokens zero); non-token lines (web search, code execution) take their ``cost_type`` as model.

Report ``claude_code`` — ``GET /v1/organizations/usage_report/claude_code``
    ``starting_at`` is a UTC day ``YYYY-MM-DD``; each call returns that one day; ``limit`` 1000. Records:
    ``actor`` (``user_actor.email_address`` or ``api_actor.api_key_name``), ``customer_type`` (``api`` or
    ``subscription``), ``subscription_type``, ``terminal_type``, ``is_remote`` and
    ``model_breakdown[].{model, tokens.{input, output, cache_read, cache_creation}, estimated_cost.{amount,
    currency}}`` with ``amount`` a **number in cents**. Cache creation has no 5m/1h split here (taken as
    5-minute writes). These records are context, not billing: API-key usage is already in ``messages``
    and subscription usage is not billed per token; reconciliation reads them to tell subscription use
    apart. The estimated cost is kept as the logged cost.

Delays and cadence
    Usage and cost appear within about five minutes; Claude Code analytics within an hour. The docs ask
    for at most one call a minute when polling; the default interval is five minutes, and every sync
    re-reads the last three days (cost lines settle a day or more late).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tokledger.providers import (
    CONTEXT,
    COST,
    FetchContext,
    Provider,
    ProviderRecord,
    count,
    floor_time,
    iso,
    make_record,
    money,
    parse_time,
)
from tokledger.providers._http import pages

NAME = "anthropic_api"
BASE_URL = "https://api.anthropic.com"
VERSION = "2023-06-01"
HOUR, DAY = 3600, 86400
USAGE_GROUPS = ("model", "workspace_id", "api_key_id", "service_tier", "context_window")
COST_DIMS = (
    "workspace_id",
    "description",
    "model",
    "cost_type",
    "token_type",
    "service_tier",
    "context_window",
    "inference_geo",
)
_BAD = (ValueError, TypeError, KeyError, AttributeError)


def _get(ctx: FetchContext, path: str, params: list[tuple[str, str]]) -> dict:
    secret = ctx.credentials.require()
    headers = {"x-api-key": secret.reveal(), "anthropic-version": VERSION}
    url = (ctx.settings.base_url or BASE_URL) + path
    return ctx.http.request(
        NAME, secret.name, "GET", url, params=params, headers=headers, secrets=(secret.reveal(),)
    )


def _listing(ctx: FetchContext, path: str, params: list[tuple[str, str]]) -> Iterator[dict]:
    yield from pages(lambda cursor: _get(ctx, path, params + ([("page", cursor)] if cursor else [])), NAME)


def _buckets(ctx: FetchContext, path: str, params: list[tuple[str, str]]) -> Iterator[tuple[datetime, dict]]:
    for page in _listing(ctx, path, params):
        for bucket in page["data"]:
            try:
                start, results = parse_time(bucket["starting_at"]), bucket.get("results") or []
            except _BAD:
                ctx.skipped += 1
                continue
            for result in results:
                yield start, result


def _usage(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    params = [
        ("starting_at", iso(floor_time(since, HOUR))),
        ("ending_at", iso(until)),
        ("bucket_width", "1h"),
        ("limit", "168"),
    ] + [("group_by[]", g) for g in USAGE_GROUPS]
    for start, r in _buckets(ctx, "/v1/organizations/usage_report/messages", params):
        try:
            written = r.get("cache_creation") or {}
            w5, w1 = (
                count(written.get("ephemeral_5m_input_tokens")),
                count(written.get("ephemeral_1h_input_tokens")),
            )
            tokens = {
                "input_tokens": count(r.get("uncached_input_tokens")),
                "cache_write_tokens": w5 + w1,
                "cache_write_1h_tokens": w1,
                "cache_read_tokens": count(r.get("cache_read_input_tokens")),
                "output_tokens": count(r.get("output_tokens")),
            }
            dims = {g: r.get(g) for g in USAGE_GROUPS}
        except _BAD:
            ctx.skipped += 1
            continue
        if any(tokens.values()):
            yield make_record(
                NAME,
                "messages",
                start,
                HOUR,
                dims,
                r.get("model") or "unknown",
                provider="anthropic",
                project=r.get("workspace_id") or "default",
                **tokens,
            )


def _costs(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    params = [
        ("starting_at", iso(floor_time(since, DAY))),
        ("ending_at", iso(until)),
        ("bucket_width", "1d"),
        ("limit", "31"),
        ("group_by[]", "workspace_id"),
        ("group_by[]", "description"),
    ]
    for start, r in _buckets(ctx, "/v1/organizations/cost_report", params):
        try:
            amount = money(r["amount"], 100)
            currency = str(r.get("currency") or "USD").upper()
            dims = {d: r.get(d) for d in COST_DIMS}
        except _BAD:
            ctx.skipped += 1
            continue
        if currency != "USD":
            ctx.notices.append(f"cost_report line in {currency} skipped (only USD is recorded)")
            continue
        model = r.get("model") or r.get("cost_type") or "unknown"
        yield make_record(
            NAME,
            "cost_report",
            start,
            DAY,
            dims,
            model,
            counts=COST,
            cost=amount,
            provider="anthropic",
            project=r.get("workspace_id") or "default",
        )


def _claude_code(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    day, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    while day <= last:
        merged: dict[str, ProviderRecord] = {}
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        params = [("starting_at", day.isoformat()), ("limit", "1000")]
        for page in _listing(ctx, "/v1/organizations/usage_report/claude_code", params):
            for item in page["data"]:
                try:
                    for rec in _claude_code_records(start, item):
                        old = merged.get(rec.event.key)
                        merged[rec.event.key] = rec if old is None else _add(old, rec)
                except _BAD:
                    ctx.skipped += 1
        yield from merged.values()
        day += timedelta(days=1)


def _claude_code_records(start: datetime, item: dict) -> list[ProviderRecord]:
    actor = item.get("actor") or {}
    base = {
        "actor_type": actor.get("type"),
        "actor": actor.get("email_address") or actor.get("api_key_name"),
        "customer_type": item.get("customer_type"),
        "subscription_type": item.get("subscription_type"),
        "terminal_type": item.get("terminal_type"),
        "is_remote": item.get("is_remote"),
    }
    out = []
    for part in item.get("model_breakdown") or []:
        tokens = part.get("tokens") or {}
        figures = {
            "input_tokens": count(tokens.get("input")),
            "output_tokens": count(tokens.get("output")),
            "cache_read_tokens": count(tokens.get("cache_read")),
            "cache_write_tokens": count(tokens.get("cache_creation")),
        }
        cost = part.get("estimated_cost") or {}
        amount = money(cost["amount"], 100) if cost.get("amount") is not None else None
        if amount is not None and str(cost.get("currency") or "USD").upper() != "USD":
            amount = None
        if not any(figures.values()) and not amount:
            continue
        model = part.get("model") or "unknown"
        out.append(
            make_record(
                NAME,
                "claude_code",
                start,
                DAY,
                {**base, "model": model},
                model,
                counts=CONTEXT,
                cost=amount,
                provider="anthropic",
                **figures,
            )
        )
    return out


def _add(a: ProviderRecord, b: ProviderRecord) -> ProviderRecord:
    e, f = a.event, b.event
    cost = (
        None
        if e.logged_cost_usd is None and f.logged_cost_usd is None
        else (e.logged_cost_usd or 0) + (f.logged_cost_usd or 0)
    )
    tokens = {
        n: getattr(e, n) + getattr(f, n)
        for n in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
    }
    return make_record(
        NAME,
        a.report,
        e.timestamp,
        a.bucket_seconds,
        a.dims,
        e.model,
        counts=a.counts,
        cost=cost,
        provider=e.provider,
        **tokens,
    )


def fetch(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    reports = ctx.settings.reports_for(PROVIDER)
    if "messages" in reports:
        yield from _usage(ctx, since, until)
    if "cost_report" in reports:
        yield from _costs(ctx, since, until)
    if "claude_code" in reports:
        yield from _claude_code(ctx, since, until)


def check(ctx: FetchContext) -> str:
    start = floor_time(datetime.now(UTC), HOUR) - timedelta(hours=1)
    _get(
        ctx,
        "/v1/organizations/usage_report/messages",
        [("starting_at", iso(start)), ("bucket_width", "1h"), ("limit", "1")],
    )
    return "Admin API key accepted: the usage report is readable"


PROVIDER = Provider(
    name=NAME,
    title="Anthropic API (Admin usage and cost reports)",
    credential_kind="admin_key",
    credential_env=("ANTHROPIC_ADMIN_KEY",),
    interval=timedelta(minutes=5),
    lateness=timedelta(days=3),
    reports=("messages", "cost_report", "claude_code"),
    fetch=fetch,
    check=check,
)
