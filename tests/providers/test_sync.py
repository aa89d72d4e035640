"""Syncing into a store: backfill, watermark, late buckets read again and replaced, failures isolated."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import respx

from tests.providers.conftest import DictStore, key_credentials
from tokledger.env import Env
from tokledger.providers import PROVIDERS, ProviderError, make_record
from tokledger.providers.config import ProviderSettings
from tokledger.providers.credentials import Credentials
from tokledger.providers.sync import due, error_key, sync_configured, sync_provider, watermark_key, window

NOW = datetime(2025, 10, 1, 13, 7, 30, tzinfo=UTC)
ANTHROPIC = PROVIDERS["anthropic_api"]
MESSAGES = "https://api.anthropic.com/v1/organizations/usage_report/messages"


def _fake_provider(buckets: dict[datetime, int], calls: list, fail: bool = False):
    """A provider whose hourly buckets hold ``buckets[start]`` output tokens."""

    def fetch(ctx, since, until):
        calls.append((since, until))
        for start, value in sorted(buckets.items()):
            if since - timedelta(hours=1) < start <= until:
                yield make_record(
                    "anthropic_api", "messages", start, 3600, {"model": "m"}, "m", output_tokens=value
                )
        if fail:
            raise ProviderError("anthropic_api: GET /x was rejected with 400")

    return replace(ANTHROPIC, fetch=fetch)


def test_first_sync_backfills_from_the_start_of_the_day():
    since, until = window(ANTHROPIC, None, NOW, 30)
    assert since == datetime(2025, 9, 1, tzinfo=UTC) and until == NOW
    assert window(ANTHROPIC, None, NOW, 7)[0] == datetime(2025, 9, 24, tzinfo=UTC)


def test_later_syncs_read_the_late_buckets_again():
    mark = datetime(2025, 10, 1, 13, 0, tzinfo=UTC)
    assert window(ANTHROPIC, mark, NOW, 30) == (mark - timedelta(days=3), NOW)
    assert window(PROVIDERS["bedrock"], mark, NOW, 30) == (mark - timedelta(hours=3), NOW)
    assert window(ANTHROPIC, NOW + timedelta(hours=5), NOW, 30)[0] == NOW - timedelta(
        days=3
    )  # a watermark ahead


def test_a_late_bucket_is_replaced_not_added():
    store, calls = DictStore(), []
    hour = datetime(2025, 10, 1, 12, tzinfo=UTC)
    buckets = {hour - timedelta(hours=1): 50, hour: 10}
    credentials = key_credentials("anthropic_api", "ANTHROPIC_ADMIN_KEY")
    first = sync_provider(_fake_provider(buckets, calls), credentials, store, NOW, backfill_days=2)
    assert first.ok and first.first and first.records == 2
    assert store.state[watermark_key("anthropic_api")] == "2025-10-01T13:07:30Z"
    assert calls[0][0] == datetime(2025, 9, 29, tzinfo=UTC)

    buckets[hour] = 25  # the vendor completed the bucket after the first read
    later = NOW + timedelta(minutes=5)
    second = sync_provider(_fake_provider(buckets, calls), credentials, store, later, backfill_days=2)
    assert second.ok and not second.first
    assert calls[1] == (NOW.replace(microsecond=0) - timedelta(days=3), later)
    assert len(store.rows) == 2
    assert sorted(r.event.output_tokens for r in store.rows.values()) == [25, 50]


def test_a_failed_sync_keeps_what_it_read_and_the_old_watermark():
    store, calls = DictStore(state={watermark_key("anthropic_api"): "2025-10-01T12:00:00Z"}), []
    report = sync_provider(_fake_provider({datetime(2025, 10, 1, 12, tzinfo=UTC): 5}, calls, fail=True),
                           key_credentials("anthropic_api", "ANTHROPIC_ADMIN_KEY"), store, NOW)  # fmt: skip
    assert not report.ok and report.error == "anthropic_api: GET /x was rejected with 400"
    assert report.records == 1 and len(store.rows) == 1
    assert store.state[watermark_key("anthropic_api")] == "2025-10-01T12:00:00Z"
    assert store.state[error_key("anthropic_api")] == report.error
    assert report.to_json()["ok"] is False


def test_an_unreadable_watermark_means_a_fresh_backfill():
    store, calls = DictStore(state={watermark_key("anthropic_api"): "garbage"}), []
    report = sync_provider(_fake_provider({}, calls), key_credentials("anthropic_api", "K"), store, NOW, 3)
    assert report.first and calls[0][0] == datetime(2025, 9, 28, tzinfo=UTC)


def test_due_follows_the_interval():
    store = DictStore()
    assert due(ANTHROPIC, store, NOW)
    store.set_state(watermark_key("anthropic_api"), "2025-10-01T13:05:00Z")
    assert not due(ANTHROPIC, store, NOW)
    assert due(ANTHROPIC, store, NOW + timedelta(minutes=3))
    assert due(ANTHROPIC, store, NOW, timedelta(minutes=1))


@respx.mock
def test_real_provider_sync_with_the_backfill_setting(http):
    route = respx.get(MESSAGES).mock(return_value=httpx.Response(200, json={"data": [], "has_more": False}))
    store = DictStore()
    settings = ProviderSettings(name="anthropic_api", configured=True, enabled=True, backfill_days=1,
                                reports=("messages",))  # fmt: skip
    report = sync_provider(ANTHROPIC, key_credentials("anthropic_api", "ANTHROPIC_ADMIN_KEY"), store, NOW,
                           http_client=http, settings=settings)  # fmt: skip
    assert report.ok and report.requests == 1 and report.records == 0
    assert route.calls[0].request.url.params["starting_at"] == "2025-09-30T00:00:00Z"


@respx.mock
def test_sync_configured_isolates_failures_and_reports_missing_credentials(http):
    respx.get(MESSAGES).mock(return_value=httpx.Response(200, json={"data": [], "has_more": False}))
    settings = {name: ProviderSettings(name=name) for name in PROVIDERS}
    settings["anthropic_api"] = ProviderSettings(name="anthropic_api", configured=True, enabled=True,
                                                 reports=("messages",))  # fmt: skip
    settings["openai_api"] = ProviderSettings(name="openai_api", configured=True, enabled=True)
    env = Env(home=Path("/nonexistent"), environ={"ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-x"})
    store = DictStore()
    reports = sync_configured(settings, env, store, NOW, http_client=http, keyring_get=lambda _: (None, None))
    assert [(r.provider, r.ok) for r in reports] == [("anthropic_api", True), ("openai_api", False)]
    assert "OPENAI_ADMIN_KEY" in reports[1].error and "no credential" in reports[1].error
    again = sync_configured(settings, env, store, NOW + timedelta(minutes=1), only_due=True, http_client=http,
                            keyring_get=lambda _: (None, None))  # fmt: skip
    assert [r.provider for r in again] == ["openai_api"]  # anthropic_api synced a minute ago


def test_credentials_notices_reach_the_report():
    store, calls = DictStore(), []
    credentials = Credentials("anthropic_api", "admin_key", "K", key_credentials("anthropic_api", "K").secret,
                              notices=("keyring not used (NoKeyringError)",))  # fmt: skip
    report = sync_provider(_fake_provider({}, calls), credentials, store, NOW)
    assert report.notices == ["keyring not used (NoKeyringError)"]
