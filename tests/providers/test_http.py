"""Retries, backoff, Retry-After and the one-line errors of the HTTP layer."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from tokledger.providers import CredentialError, ProviderError
from tokledger.providers._http import Http, pages, redact, retry_after

URL = "https://api.example.test/v1/things"


def test_retry_after_forms():
    now = datetime(2025, 10, 1, 12, tzinfo=UTC)
    assert retry_after({"retry-after": "7"}) == 7.0
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after({"retry-after": "Wed, 01 Oct 2025 12:00:30 GMT"}, now=lambda: now) == 30.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_is_exponential_with_jitter_and_capped():
    http = Http(httpx.Client(), jitter=lambda: 1.0, base_delay=1.0, max_delay=10.0)
    assert [http.backoff(n, None) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    low = Http(httpx.Client(), jitter=lambda: 0.0, base_delay=1.0, max_delay=10.0)
    assert [low.backoff(n, None) for n in range(3)] == [0.5, 1.0, 2.0]
    assert http.backoff(0, 42.0) == 42.0 and http.backoff(0, 10_000.0) == 300.0


@respx.mock
def test_429_waits_as_asked_then_succeeds(http, sleeps):
    route = respx.get(URL).mock(side_effect=[
        httpx.Response(429, headers={"retry-after": "12"}, json={"error": {"type": "rate_limit_error"}}),
        httpx.Response(200, json={"ok": True}),
    ])  # fmt: skip
    assert http.request("p", "KEY", "GET", URL) == {"ok": True}
    assert route.call_count == 2 and sleeps.calls == [12.0]
    assert (http.requests, http.retries) == (2, 1)


@respx.mock
def test_5xx_and_529_are_retried_with_backoff(http, sleeps):
    respx.get(URL).mock(side_effect=[httpx.Response(503), httpx.Response(529), httpx.Response(500),
                                     httpx.Response(200, json=[1])])  # fmt: skip
    assert http.request("p", "KEY", "GET", URL) == [1]
    assert sleeps.calls == [0.75, 1.5, 3.0]  # half to all of 1, 2, 4 s; jitter fixed at the middle


@respx.mock
def test_transport_errors_are_retried(http, sleeps):
    respx.get(URL).mock(side_effect=[httpx.ConnectTimeout("slow"), httpx.Response(200, json={})])
    assert http.request("p", "KEY", "GET", URL) == {}
    assert len(sleeps.calls) == 1


@respx.mock
def test_persistent_5xx_gives_up_with_one_line(sleeps):
    http = Http(httpx.Client(), sleep=sleeps, attempts=3, jitter=lambda: 0.5)
    respx.get(URL).mock(return_value=httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(ProviderError) as err:
        http.request("openai_api", "OPENAI_ADMIN_KEY", "GET", URL)
    assert str(err.value).startswith("openai_api: GET /v1/things failed with 502 after 3 attempts")
    assert len(sleeps.calls) == 2


@respx.mock
@pytest.mark.parametrize("status", [401, 403])
def test_refused_credential_names_it_without_the_vendor_message(http, sleeps, status):
    respx.get(URL).mock(
        return_value=httpx.Response(
            status, json={"error": {"message": "Incorrect API key provided: sk-abc...wxyz"}}
        )
    )
    with pytest.raises(CredentialError) as err:
        http.request("openai_api", "OPENAI_ADMIN_KEY", "GET", URL, secrets=("sk-abcdefwxyz",))
    assert "OPENAI_ADMIN_KEY" in str(err.value) and str(status) in str(err.value)
    assert "sk-" not in str(err.value) and sleeps.calls == []


@respx.mock
def test_other_4xx_is_reported_once_with_secrets_masked(http, sleeps):
    route = respx.get(URL).mock(return_value=httpx.Response(404, json={"error": {"type": "not_found_error",
                                                                                  "message": "no org for key sk-ant-admin01-XYZ123abc"}}))  # fmt: skip
    with pytest.raises(ProviderError) as err:
        http.request(
            "anthropic_api", "ANTHROPIC_ADMIN_KEY", "GET", URL, secrets=("sk-ant-admin01-XYZ123abc",)
        )
    assert route.call_count == 1 and sleeps.calls == []
    assert (
        str(err.value)
        == "anthropic_api: GET /v1/things was rejected with 404: not_found_error: no org for key ***"
    )


def test_redact_masks_the_secret_and_keylike_strings():
    assert redact("token abc123secret and sk-proj-AAAAAAAA", ("abc123secret",)) == "token *** and ***"


def test_pages_follow_next_page_and_stop_on_a_repeated_cursor():
    answers = {None: {"data": [1], "has_more": True, "next_page": "b"}, "b": {"data": [2], "has_more": False}}
    assert [p["data"] for p in pages(answers.__getitem__, "p")] == [[1], [2]]
    loop = {
        None: {"data": [], "has_more": True, "next_page": "x"},
        "x": {"data": [], "has_more": True, "next_page": "x"},
    }
    with pytest.raises(ProviderError, match="same next_page twice"):
        list(pages(loop.__getitem__, "p"))
    with pytest.raises(ProviderError, match="no data list"):
        list(pages(lambda _: {"error": "x"}, "p"))
