"""Anthropic Admin API: recorded-shape responses of the usage, cost and Claude Code reports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx

from tests.providers.conftest import by_key, context, load, tokens
from tokledger.providers import CONTEXT, COST, TOKENS, CredentialError, ProviderError
from tokledger.providers import anthropic_api as anthropic

BASE = "https://api.anthropic.com/v1/organizations"
SINCE = datetime(2025, 10, 1, 10, 20, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, 13, 5, tzinfo=UTC)


def _messages(request: httpx.Request) -> httpx.Response:
    page = request.url.params.get("page")
    return httpx.Response(
        200, json=load("anthropic_api", "messages_page2.json" if page else "messages_page1.json")
    )


@respx.mock
def test_usage_report_pages_and_tokens_exactly(http):
    route = respx.get(f"{BASE}/usage_report/messages").mock(side_effect=_messages)
    ctx = context("anthropic_api", http, reports=("messages",))
    records = by_key(list(anthropic.fetch(ctx, SINCE, UNTIL)))

    assert route.call_count == 2
    first, second = route.calls[0].request, route.calls[1].request
    assert first.headers["x-api-key"] == "sk-test-secret-value-123"
    assert first.headers["anthropic-version"] == "2023-06-01"
    params = first.url.params
    assert params["starting_at"] == "2025-10-01T10:00:00Z" and params["ending_at"] == "2025-10-01T13:05:00Z"
    assert params["bucket_width"] == "1h" and params["limit"] == "168"
    assert params.get_list("group_by[]") == [
        "model",
        "workspace_id",
        "api_key_id",
        "service_tier",
        "context_window",
    ]
    assert second.url.params["page"] == "page_MjAyNS0xMC0wMVQxMjowMDowMFo="

    assert ctx.skipped == 1  # the negative count on page 2
    assert len(records) == 3
    sonnet = records[
        "messages|2025-10-01T10:00:00Z|3600|api_key_id=apikey_01A;context_window=0-200k;"
        "model=claude-sonnet-4-5-20250929;service_tier=standard;workspace_id=wrkspc_01W"
    ]
    assert tokens(sonnet) == (1200, 5000, 2000, 45000, 800)
    assert sonnet.event.total_tokens == 1200 + 3000 + 2000 + 45000 + 800
    assert sonnet.event.timestamp == datetime(2025, 10, 1, 10, tzinfo=UTC)
    assert (sonnet.event.source, sonnet.event.provider, sonnet.event.project) == (
        "anthropic_api",
        "anthropic",
        "wrkspc_01W",
    )
    assert sonnet.bucket_seconds == 3600 and sonnet.counts == TOKENS and sonnet.event.logged_cost_usd is None
    console = next(r for r in records.values() if r.event.model == "claude-opus-4-1-20250805")
    assert console.dims["api_key_id"] == "" and console.event.project == "default"
    assert tokens(console) == (10, 0, 0, 0, 90)


@respx.mock
def test_same_buckets_read_twice_give_the_same_keys(http):
    respx.get(f"{BASE}/usage_report/messages").mock(side_effect=_messages)
    ctx = context("anthropic_api", http, reports=("messages",))
    first = [r.event.key for r in anthropic.fetch(ctx, SINCE, UNTIL)]
    again = [r.event.key for r in anthropic.fetch(ctx, SINCE, UNTIL)]
    assert first == again and len(set(first)) == len(first)


@respx.mock
def test_cost_report_cents_as_exact_dollars(http):
    route = respx.get(f"{BASE}/cost_report").mock(
        return_value=httpx.Response(200, json=load("anthropic_api", "cost_report.json"))
    )
    ctx = context("anthropic_api", http, reports=("cost_report",))
    records = list(anthropic.fetch(ctx, SINCE, UNTIL))
    params = route.calls[0].request.url.params
    assert params["starting_at"] == "2025-10-01T00:00:00Z" and params["bucket_width"] == "1d"
    assert params.get_list("group_by[]") == ["workspace_id", "description"]
    costs = {(r.event.model, r.dims["token_type"]): r.event.logged_cost_usd for r in records}
    assert costs == {
        ("claude-sonnet-4-5-20250929", "cache_read_input_tokens"): Decimal("1.2345"),
        ("claude-sonnet-4-5-20250929", "output_tokens"): Decimal("0.000375"),
        ("web_search", ""): Decimal("0.02"),
    }
    assert all(r.counts == COST and r.event.total_tokens == 0 and r.bucket_seconds == 86400 for r in records)


@respx.mock
def test_claude_code_one_call_per_utc_day(http):
    route = respx.get(f"{BASE}/usage_report/claude_code").mock(
        return_value=httpx.Response(200, json=load("anthropic_api", "claude_code.json"))
    )
    ctx = context("anthropic_api", http, reports=("claude_code",))
    records = list(
        anthropic.fetch(ctx, datetime(2025, 10, 1, 5, tzinfo=UTC), datetime(2025, 10, 1, 23, tzinfo=UTC))
    )
    assert [c.request.url.params["starting_at"] for c in route.calls] == ["2025-10-01"]
    user = next(r for r in records if r.dims["actor"] == "dev@example.com")
    assert (
        user.event.input_tokens,
        user.event.output_tokens,
        user.event.cache_read_tokens,
        user.event.cache_write_tokens,
    ) == (1000, 500, 20000, 4000)
    assert user.event.logged_cost_usd == Decimal("1.865")
    assert user.dims["customer_type"] == "subscription" and user.counts == CONTEXT
    bot = next(r for r in records if r.dims["actor"] == "ci-bot")
    assert bot.event.logged_cost_usd == Decimal("0.00015") and bot.dims["actor_type"] == "api_actor"


@respx.mock
def test_401_names_the_key_and_never_its_value(http):
    respx.get(f"{BASE}/usage_report/messages").mock(
        return_value=httpx.Response(
            401,
            json={
                "type": "error",
                "error": {
                    "type": "authentication_error",
                    "message": "invalid x-api-key sk-test-secret-value-123",
                },
            },
        )
    )
    ctx = context("anthropic_api", http, reports=("messages",))
    with pytest.raises(CredentialError) as err:
        list(anthropic.fetch(ctx, SINCE, UNTIL))
    message = str(err.value)
    assert "ANTHROPIC_ADMIN_KEY" in message and "401" in message and "anthropic_api" in message
    assert "sk-test" not in message and "\n" not in message


@respx.mock
def test_400_is_not_retried_and_reported_once(http, sleeps):
    route = respx.get(f"{BASE}/cost_report").mock(
        return_value=httpx.Response(
            400,
            json={
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "bucket_width must be 1d"},
            },
        )
    )
    ctx = context("anthropic_api", http, reports=("cost_report",))
    with pytest.raises(ProviderError) as err:
        list(anthropic.fetch(ctx, SINCE, UNTIL))
    assert route.call_count == 1 and sleeps.calls == []
    assert str(err.value) == (
        "anthropic_api: GET /v1/organizations/cost_report was rejected with 400: "
        "invalid_request_error: bucket_width must be 1d"
    )


@respx.mock
def test_check_makes_one_small_call(http):
    route = respx.get(f"{BASE}/usage_report/messages").mock(
        return_value=httpx.Response(200, json={"data": [], "has_more": False})
    )
    assert "accepted" in anthropic.check(context("anthropic_api", http))
    assert route.calls[0].request.url.params["limit"] == "1"
