"""OpenAI organization usage and costs against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from werkzeug import Request, Response

from tests.providers.conftest import by_key, context, load, tokens
from tokledger.providers import COST, CredentialError
from tokledger.providers import openai_api as openai

SINCE = datetime(2025, 10, 1, 10, 30, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, 13, 0, tzinfo=UTC)


def _json(doc, status=200, headers=None) -> Response:
    return Response(json.dumps(doc), status=status, headers=headers, content_type="application/json")


@pytest.fixture
def seen() -> list[Request]:
    return []


def _completions(seen):
    def handler(request: Request) -> Response:
        seen.append(request)
        page = request.args.get("page")
        return _json(load("openai_api", "completions_page2.json" if page else "completions_page1.json"))

    return handler


def test_completions_subtract_cached_and_cache_writes_from_input(httpserver, http, seen):
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(_completions(seen))
    ctx = context("openai_api", http, base_url=httpserver.url_for("").rstrip("/"), reports=("completions",))
    records = list(openai.fetch(ctx, SINCE, UNTIL))

    first = seen[0]
    assert first.headers["Authorization"] == "Bearer sk-test-secret-value-123"
    assert first.args["start_time"] == "1759312800" and first.args["end_time"] == "1759323600"
    assert first.args["bucket_width"] == "1h" and first.args["limit"] == "168"
    assert first.args.getlist("group_by[]") == ["model", "project_id", "batch", "service_tier"]
    assert seen[1].args["page"] == "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA="

    got = {(r.event.model, r.event.timestamp.hour): r for r in records}
    gpt5 = got[("gpt-5-2025-08-07", 10)]
    assert tokens(gpt5) == (2000, 0, 0, 8000, 1500)
    assert gpt5.event.total_tokens == 10000 + 1500 and gpt5.requests == 12
    assert gpt5.event.project == "proj_abc" and gpt5.dims["batch"] == "false"
    mini = got[("gpt-5-mini-2025-08-07", 10)]
    assert tokens(mini) == (1500, 1000, 0, 500, 200)  # input_tokens holds cached and cache-write tokens
    assert mini.dims["batch"] == "true" and mini.event.project is None
    clamped = got[("gpt-5-2025-08-07", 11)]
    assert tokens(clamped) == (0, 0, 0, 400, 40)  # more cached than input: cached is clamped to the input
    assert len(records) == 3


def test_costs_are_dollars_exactly(httpserver, http):
    httpserver.expect_request("/v1/organization/costs").respond_with_json(load("openai_api", "costs.json"))
    ctx = context("openai_api", http, base_url=httpserver.url_for("").rstrip("/"), reports=("costs",))
    records = by_key(list(openai.fetch(ctx, SINCE, UNTIL)))
    request = httpserver.log[0][0]
    assert request.args["start_time"] == "1759276800" and request.args["bucket_width"] == "1d"
    assert request.args.getlist("group_by[]") == ["project_id", "line_item"]
    assert {r.dims["line_item"]: r.event.logged_cost_usd for r in records.values()} == {
        "gpt-5-2025-08-07, input": Decimal("0.06"),
        "gpt-5-2025-08-07, output": Decimal("0.8958740000000000"),
    }
    assert all(r.counts == COST and r.event.model == "gpt-5-2025-08-07" for r in records.values())


def test_429_with_retry_after_then_success(httpserver, http, sleeps):
    answers = [_json({"error": {"message": "Rate limit reached", "type": "requests"}}, 429, {"Retry-After": "3"}),
               _json({"object": "page", "data": [], "has_more": False, "next_page": None})]  # fmt: skip
    httpserver.expect_request("/v1/organization/costs").respond_with_handler(lambda _: answers.pop(0))
    ctx = context("openai_api", http, base_url=httpserver.url_for("").rstrip("/"), reports=("costs",))
    assert list(openai.fetch(ctx, SINCE, UNTIL)) == []
    assert sleeps.calls == [3.0] and len(httpserver.log) == 2


def test_401_names_the_admin_key_variable(httpserver, http):
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_json(
        {
            "error": {
                "message": "Incorrect API key provided: sk-test-***-123.",
                "type": "invalid_request_error",
            }
        },
        status=401,
    )
    ctx = context("openai_api", http, base_url=httpserver.url_for("").rstrip("/"))
    with pytest.raises(CredentialError) as err:
        list(openai.fetch(ctx, SINCE, UNTIL))
    assert "OPENAI_ADMIN_KEY" in str(err.value) and "sk-test" not in str(err.value)
    assert len(httpserver.log) == 1


def test_line_item_model():
    assert openai.line_item_model("gpt-4o-2024-08-06, cached input") == "gpt-4o-2024-08-06"
    assert openai.line_item_model("Web search tool calls") == "Web search tool calls"
    assert openai.line_item_model(None) == "unknown"
