"""Syncing one provider into a store: the window to read, the watermark, and what happened.

Pure library: the store is injected (:class:`ProviderStore`, which the ledger implements) and so is the
time (``now``). Each sync reads the window ``[watermark − provider.lateness, now]`` — vendors fill their
latest buckets late, and a bucket read again has the same keys, so it replaces what was recorded. The
first sync (no watermark) reads ``backfill_days`` back from the start of today (UTC). The watermark
moves to ``now`` only after the whole window was read and recorded; a failed sync records what it had
read (replacing by key is harmless) and leaves the watermark, so the next sync reads the window again.

State keys: ``provider.<name>.watermark`` (ISO 8601 UTC) and ``provider.<name>.last_error`` ("" after
a sync that succeeded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tokledger.env import Env
from tokledger.providers import (
    CredentialError,
    FetchContext,
    Provider,
    ProviderError,
    ProviderRecord,
    floor_time,
    iso,
    parse_time,
)
from tokledger.providers.config import ProviderSettings
from tokledger.providers.credentials import Credentials, keyring_lookup, resolve

DAY = 86400
BATCH = 5000


class ProviderStore(Protocol):
    """Where a sync keeps its state and puts its records (the ledger; a dict in tests)."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...

    def record(self, records: list[ProviderRecord]) -> None:
        """Insert or replace each record by (event.source, event.key), in one transaction."""
        ...


def watermark_key(name: str) -> str:
    return f"provider.{name}.watermark"


def error_key(name: str) -> str:
    return f"provider.{name}.last_error"


@dataclass
class ProviderSyncReport:
    provider: str
    since: datetime | None = None
    until: datetime | None = None
    first: bool = False
    records: int = 0
    requests: int = 0
    retries: int = 0
    skipped: int = 0
    notices: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "ok": self.ok,
            "first_sync": self.first,
            "since": iso(self.since) if self.since else None,
            "until": iso(self.until) if self.until else None,
            "records": self.records,
            "requests": self.requests,
            "retries": self.retries,
            "skipped": self.skipped,
            "notices": self.notices,
            "error": self.error,
        }


def window(
    provider: Provider, watermark: datetime | None, now: datetime, backfill_days: int
) -> tuple[datetime, datetime]:
    """``(since, until)`` for a sync at ``now``: the late buckets again, or the backfill on a first sync."""
    now = now.astimezone(UTC)
    if watermark is None:
        return floor_time(now, DAY) - timedelta(days=backfill_days), now
    return min(watermark.astimezone(UTC), now) - provider.lateness, now


def read_watermark(store: ProviderStore, name: str) -> datetime | None:
    value = store.get_state(watermark_key(name))
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None  # an unreadable watermark means a fresh backfill, never a failed sync


def due(provider: Provider, store: ProviderStore, now: datetime, interval: timedelta | None = None) -> bool:
    """Whether a background sync should run: never synced, or the interval has passed since the last one."""
    mark = read_watermark(store, provider.name)
    return mark is None or now.astimezone(UTC) - mark >= (interval or provider.interval)


def sync_provider(
    provider: Provider,
    credentials: Credentials,
    store: ProviderStore,
    now: datetime,
    backfill_days: int = 30,
    http_client: Any = None,
    *,
    settings: ProviderSettings | None = None,
    client: Any = None,
) -> ProviderSyncReport:
    """Read the provider's window and record it; expected failures become ``report.error`` (one line).

    ``http_client`` is an :class:`~tokledger.providers._http.Http` or an ``httpx.Client`` (wrapped);
    ``client`` a vendor client to use instead of building one (a boto3 session, a MetricServiceClient).
    """
    from tokledger.providers._http import Http

    settings = settings or ProviderSettings(name=provider.name)
    mark = read_watermark(store, provider.name)
    since, until = window(provider, mark, now, settings.backfill_days or backfill_days)
    report = ProviderSyncReport(
        provider.name, since, until, first=mark is None, notices=list(credentials.notices)
    )
    http = None
    if credentials.kind in ("admin_key", "session_token"):
        http = http_client if isinstance(http_client, Http) else Http(http_client)
    ctx = FetchContext(provider.name, credentials, settings, http=http, client=client)
    batch: list[ProviderRecord] = []
    try:
        for record in provider.fetch(ctx, since, until):
            batch.append(record)
            if len(batch) >= BATCH:
                store.record(batch)
                report.records += len(batch)
                batch = []
    except ProviderError as exc:
        report.error = str(exc)
    finally:
        if batch:
            store.record(batch)
            report.records += len(batch)
        report.skipped, report.notices = ctx.skipped, report.notices + _unique(ctx.notices)
        if http is not None:
            report.requests, report.retries = http.requests, http.retries
            if http is not http_client:
                http.close()
    store.set_state(error_key(provider.name), report.error or "")
    if report.ok:
        store.set_state(watermark_key(provider.name), iso(until))
    return report


def _unique(notices: list[str]) -> list[str]:
    return list(dict.fromkeys(notices))


def sync_configured(settings: dict[str, ProviderSettings], env: Env, store: ProviderStore, now: datetime,
                    names: list[str] | None = None, *, only_due: bool = False, http_client: Any = None,
                    clients: dict[str, Any] | None = None,
                    keyring_get: Callable[[str], tuple[str | None, str | None]] = keyring_lookup,
                    ) -> list[ProviderSyncReport]:  # fmt: skip
    """Sync the named providers (default: the enabled ones), each isolated from the others' failures.

    With ``only_due``, providers whose interval has not passed since their last sync are left out
    (what a daemon or the tray calls every minute).
    """
    from tokledger.providers import PROVIDERS
    from tokledger.providers.config import enabled

    reports = []
    for name in names if names is not None else enabled(settings):
        provider, own = PROVIDERS[name], settings.get(name) or ProviderSettings(name=name)
        if only_due and not due(provider, store, now, own.interval):
            continue
        try:
            credentials = resolve(provider, own, env, keyring_get)
        except CredentialError as exc:
            store.set_state(error_key(name), str(exc))
            reports.append(ProviderSyncReport(name, error=str(exc)))
            continue
        reports.append(sync_provider(provider, credentials, store, now, own.backfill_days or 30, http_client,
                                     settings=own, client=(clients or {}).get(name)))  # fmt: skip
    return reports
