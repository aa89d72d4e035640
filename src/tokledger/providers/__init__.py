"""The registry of providers: what each vendor says it counted and billed, one module per vendor.

Where ``sources/`` read what the assistants log on this machine, a provider asks the vendor's own usage
or billing API (or its cloud metrics) what it counted for the whole account: every machine, every app,
every key. Each provider turns the vendor's time buckets into :class:`ProviderRecord` s — a
:class:`~tokledger.events.UsageEvent` with its ``source`` set to the provider's slug, dated by the bucket's
start (UTC), plus the bucket's width and the grouping dimensions it was read with.

A record's ``key`` is built from (report, bucket start, bucket width, grouping dimensions) only, so
reading the same bucket again (vendors fill the latest buckets late) yields the same key and replaces
the stored record instead of adding to it.

``counts`` says which of a record's figures add up to what the vendor bills: ``"tokens"`` (a usage
report), ``"cost"`` (a cost report, tokens zero) or both. Records that count neither are context
(Claude Code analytics: who used which model under which plan) and must not be added to billed totals.

To add a vendor: write ``providers/<slug>.py`` whose docstring documents the API (endpoint, parameters,
response fields, units, delays, quirks), define ``PROVIDER = Provider(...)`` in it, add the slug to
``_MODULES`` below, and list it as a billed source in a new ledger migration (as migration 4 lists these),
so every connection knows to keep it out of the local totals from the start. Importing this package imports no HTTP or cloud library: the modules import httpx,
boto3 and google-cloud-monitoring inside their functions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tokledger.errors import TokledgerError
from tokledger.events import UsageEvent

if TYPE_CHECKING:
    from tokledger.providers._http import Http
    from tokledger.providers.config import ProviderSettings
    from tokledger.providers.credentials import Credentials

CREDENTIAL_KINDS = ("admin_key", "session_token", "aws", "google_cloud")
TOKENS = frozenset({"tokens"})
COST = frozenset({"cost"})
TOKENS_AND_COST = frozenset({"tokens", "cost"})
CONTEXT = frozenset()


class ProviderError(TokledgerError):
    """A vendor API refused or failed a request; the message is one line naming the provider."""


class CredentialError(ProviderError):
    """A credential is missing, unreadable or was refused; the message names it, never its value."""


@dataclass(frozen=True)
class ProviderRecord:
    """One vendor bucket as an event, with the bucket's width and the dimensions it was grouped by.

    ``bucket_seconds`` is the bucket's width (3600, 86400, ...; 0 for a single request). ``dims`` holds
    the grouping dimensions as strings (a vendor's null becomes ""). ``report`` names the vendor report
    the record came from; ``requests`` is the vendor's request count where it reports one.
    """

    event: UsageEvent
    bucket_seconds: int
    dims: dict[str, str]
    report: str
    counts: frozenset[str] = TOKENS
    requests: int | None = None


@dataclass
class FetchContext:
    """What a provider's ``fetch`` and ``check`` work with: credentials, settings and the clients."""

    provider: str
    credentials: Credentials
    settings: ProviderSettings
    http: Http | None = None
    client: Any = None
    """A vendor client to use instead of building one (a fake ``MetricServiceClient``, a boto3 session)."""
    notices: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    credential_kind: str
    """One of CREDENTIAL_KINDS: how :mod:`tokledger.providers.credentials` finds what this vendor needs."""
    credential_env: tuple[str, ...]
    """Environment variables read for the credential (the first is the default ``key_env``)."""
    interval: timedelta
    """How often a background sync asks (vendors fill their buckets minutes to an hour late)."""
    lateness: timedelta
    """How far before the watermark every sync reads again, for buckets the vendor completes late."""
    reports: tuple[str, ...]
    fetch: Callable[[FetchContext, datetime, datetime], Iterator[ProviderRecord]]
    check: Callable[[FetchContext], str]
    """A cheap authenticated call; returns a one-line description of what it saw."""
    module: ModuleType | None = None

    @property
    def description(self) -> str:
        return (self.module.__doc__ or "").strip() if self.module else ""


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


def floor_time(value: datetime, seconds: int) -> datetime:
    """The start of the UTC bucket of ``seconds`` width that holds ``value``."""
    epoch = int(utc(value).timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def iso(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


MAX_TOKENS = 10**15
MAX_USD = Decimal(10**9)


def count(value: Any) -> int:
    """A vendor's token or request count: null is 0; a non-integer, negative or absurd count is malformed."""
    if value is None:
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        raise ValueError(f"bad count {value!r}")
    return value


def money(value: Any, divisor: int = 1) -> Decimal:
    """An amount as exact Decimal dollars (``divisor`` 100 for cents), from a number or a decimal string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"bad amount {value!r}")
    try:
        amount = Decimal(str(value).strip()) / divisor
    except InvalidOperation:
        raise ValueError(f"bad amount {value!r}") from None
    if not amount.is_finite() or abs(amount) > MAX_USD:
        raise ValueError(f"bad amount {value!r}")
    return amount


def parse_time(value: Any) -> datetime:
    """An RFC 3339 instant (``Z`` or an offset) as UTC; a naive one is taken as UTC."""
    if not isinstance(value, str):
        raise TypeError(f"bad time {value!r}")
    parsed = datetime.fromisoformat(value.strip())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def record_key(report: str, start: datetime, bucket_seconds: int, dims: dict[str, str]) -> str:
    """The stable key of a bucket: report, start, width and the grouping dimensions, sorted."""
    parts = ";".join(f"{name}={dims[name]}" for name in sorted(dims))
    return f"{report}|{iso(start)}|{bucket_seconds}|{parts}"


def make_record(
    source: str,
    report: str,
    start: datetime,
    bucket_seconds: int,
    dims: dict[str, Any],
    model: str,
    *,
    counts: frozenset[str] = TOKENS,
    requests: int | None = None,
    provider: str | None = None,
    project: str | None = None,
    cost: Decimal | None = None,
    **tokens: int,
) -> ProviderRecord:
    """A :class:`ProviderRecord` with its key; ``tokens`` are UsageEvent token fields (disjoint)."""
    clean = {name: "" if value is None else str(value) for name, value in dims.items()}
    start = utc(start)
    event = UsageEvent(
        source=source,
        key=record_key(report, start, bucket_seconds, clean),
        timestamp=start,
        model=model,
        provider=provider,
        project=project,
        logged_cost_usd=cost,
        **tokens,
    )
    return ProviderRecord(event, bucket_seconds, clean, report, counts, requests)


_MODULES = ("anthropic_api", "openai_api", "cursor", "bedrock", "vertex")


def _load() -> dict[str, Provider]:
    registry: dict[str, Provider] = {}
    for slug in _MODULES:
        module = importlib.import_module(f"tokledger.providers.{slug}")
        provider: Provider = module.PROVIDER
        assert provider.name == slug, f"{module.__name__} declares {provider.name!r}"
        assert provider.credential_kind in CREDENTIAL_KINDS
        registry[slug] = Provider(**{**provider.__dict__, "module": module})
    return registry


PROVIDERS: dict[str, Provider] = _load()
