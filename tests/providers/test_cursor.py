"""Cursor: dashboard usage events (paged), the CSV export, the session cookie and Cursor's own login."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx

from tests.providers.conftest import FIXTURES, context, tokens
from tokledger.env import Env
from tokledger.providers import CONTEXT, TOKENS_AND_COST, ProviderError, cursor

URL = "https://cursor.com/api/dashboard/get-filtered-usage-events"
SINCE = datetime(2025, 10, 1, 9, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, 13, tzinfo=UTC)
T0 = int(datetime(2025, 10, 1, 10, tzinfo=UTC).timestamp() * 1000)


def _event(ms: int, model="claude-4.5-sonnet", kind="USAGE_EVENT_KIND_INCLUDED_IN_PRO", **usage) -> dict:
    return {"timestamp": str(ms), "model": model, "kind": kind, "maxMode": False, "requestsCosts": 1,
            "isTokenBasedCall": True, "owningUser": "42", "tokenUsage": usage}  # fmt: skip


def _pages(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    if body["page"] == 1:  # a full page of one-token events, a second apart
        events = [
            _event(T0 + 3_600_000 + i * 1000, "gpt-5", outputTokens=1, totalCents=0.01) for i in range(100)
        ]
    else:
        events = [
            _event(
                T0 + 250,
                inputTokens=1000,
                outputTokens=300,
                cacheWriteTokens=200,
                cacheReadTokens=5000,
                totalCents=12,
            ),
            _event(T0 + 900, inputTokens="100", outputTokens="10", totalCents=1),
            _event(T0 + 7_200_000, "gpt-5", "USAGE_EVENT_KIND_ERRORED_NOT_CHARGED", inputTokens=10),
            {"timestamp": "yesterday", "model": "x"},
        ]
    return httpx.Response(200, json={"totalUsageEventsCount": 103, "usageEventsDisplay": events})


@respx.mock
def test_usage_events_are_paged_and_summed_per_second(http):
    route = respx.post(URL).mock(side_effect=_pages)
    ctx = context("cursor", http)
    records = list(cursor.fetch(ctx, SINCE, UNTIL))

    assert route.call_count == 2
    request = route.calls[0].request
    body = json.loads(request.content)
    assert body == {"teamId": 0, "startDate": str(int(SINCE.timestamp() * 1000)),
                    "endDate": str(int(UNTIL.timestamp() * 1000)), "page": 1, "pageSize": 100}  # fmt: skip
    assert (
        request.headers["origin"] == "https://cursor.com"
        and request.headers["referer"] == "https://cursor.com/"
    )
    assert request.headers["cookie"].startswith("WorkosCursorSessionToken=")
    assert ctx.skipped == 1 and len(records) == 102

    sonnet = next(r for r in records if r.event.model == "claude-4.5-sonnet")
    assert tokens(sonnet) == (1100, 200, 0, 5000, 310) and sonnet.requests == 2
    assert sonnet.event.logged_cost_usd == Decimal("0.13") and sonnet.counts == TOKENS_AND_COST
    assert sonnet.event.timestamp == datetime(2025, 10, 1, 10, tzinfo=UTC) and sonnet.bucket_seconds == 1
    errored = next(r for r in records if r.event.input_tokens == 10)
    assert errored.counts == CONTEXT


def test_csv_export_tokens_costs_and_skips():
    records, skipped = cursor.import_csv(FIXTURES / "cursor" / "usage_export.csv")
    assert skipped == 1
    got = {(r.event.model, r.event.timestamp.hour): r for r in records}
    sonnet = got[("claude-4.5-sonnet", 10)]
    assert tokens(sonnet) == (1100, 200, 0, 5000, 310)  # two rows in one second, summed
    assert sonnet.event.total_tokens == 6500 + 110 and sonnet.event.logged_cost_usd == Decimal("0.13")
    included = got[("gpt-5", 11)]
    assert tokens(included) == (2000, 0, 0, 0, 50) and included.event.logged_cost_usd is None
    assert included.dims["max_mode"] == "true"
    assert got[("gpt-5", 12)].counts == CONTEXT


@respx.mock
def test_csv_and_api_give_the_same_key_for_the_same_request(http):
    respx.post(URL).mock(side_effect=_pages)
    synced = {
        r.event.key
        for r in cursor.fetch(context("cursor", http), SINCE, UNTIL)
        if r.event.model == "claude-4.5-sonnet"
    }
    imported = {r.event.key for r in cursor.import_csv(FIXTURES / "cursor" / "usage_export.csv")[0]
                if r.event.model == "claude-4.5-sonnet"}  # fmt: skip
    assert (
        synced == imported == {"usage_events|2025-10-01T10:00:00Z|1|max_mode=false;model=claude-4.5-sonnet"}
    )


def test_csv_that_is_not_an_export(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ProviderError, match="not a Cursor usage export"):
        cursor.import_csv(path)


def _jwt(sub: str) -> str:
    payload = (
        base64.urlsafe_b64encode(json.dumps({"sub": sub, "exp": 4102444800}).encode()).rstrip(b"=").decode()
    )
    return f"eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl"


def test_session_cookie_forms():
    jwt = _jwt("auth0|user_01ABC")
    assert cursor.session_cookie(jwt) == f"user_01ABC%3A%3A{jwt}"
    assert cursor.session_cookie(f"user_01ABC::{jwt}") == f"user_01ABC%3A%3A{jwt}"
    assert cursor.session_cookie(f"user_01ABC%3A%3A{jwt}") == f"user_01ABC%3A%3A{jwt}"
    assert cursor.session_cookie("not-a-token") is None


def test_local_login_reads_cursor_state_db_read_only(tmp_path):
    env = Env(home=tmp_path, environ={})
    path = cursor.state_db(env, "linux")
    assert cursor.local_login(env) is None
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    conn.execute("INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', ?)", (_jwt("auth0|user_9"),))
    conn.commit()
    conn.close()
    secret = cursor.local_login(env)
    assert secret.reveal().startswith("user_9%3A%3AeyJ") and "state.vscdb" in secret.name
    assert "eyJ" not in repr(secret) and "eyJ" not in str(secret)
