"""Helpers for the provider tests: a dict-backed store, contexts, credentials and an HTTP client that never sleeps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tokledger.providers import PROVIDERS, FetchContext, ProviderRecord
from tokledger.providers._http import Http
from tokledger.providers.config import ProviderSettings
from tokledger.providers.credentials import Credentials, Secret

FIXTURES = Path(__file__).parent.parent / "fixtures" / "providers"


def load(provider: str, name: str) -> dict:
    return json.loads((FIXTURES / provider / name).read_text())


@dataclass
class DictStore:
    """The store protocol over dicts: state, and records replaced by (source, key)."""

    state: dict[str, str] = field(default_factory=dict)
    rows: dict[tuple[str, str], ProviderRecord] = field(default_factory=dict)
    batches: int = 0

    def get_state(self, key: str) -> str | None:
        return self.state.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.state[key] = value

    def record(self, records: list[ProviderRecord]) -> None:
        self.batches += 1
        for rec in records:
            self.rows[(rec.event.source, rec.event.key)] = rec


@pytest.fixture(autouse=True)
def no_real_keyring():
    """No test reads the developer's own keyring: every lookup finds a keyring without a backend."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@dataclass
class Sleeps:
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(sleeps: Sleeps) -> Http:
    """A retrying client whose backoff is recorded instead of slept; jitter fixed at the middle."""
    return Http(httpx.Client(), sleep=sleeps, jitter=lambda: 0.5)


def key_credentials(provider: str, variable: str, value: str = "sk-test-secret-value-123") -> Credentials:
    return Credentials(provider, PROVIDERS[provider].credential_kind, variable, Secret(variable, value))


def context(provider: str, http: Http | None = None, client=None, **settings) -> FetchContext:
    kind = PROVIDERS[provider].credential_kind
    if kind == "session_token":
        credentials = key_credentials(
            provider, PROVIDERS[provider].credential_env[0], "user_1::hdr.payload.sig"
        )
    elif kind == "admin_key":
        credentials = key_credentials(provider, PROVIDERS[provider].credential_env[0])
    else:
        credentials = Credentials(provider, kind, "the test credentials")
    return FetchContext(
        provider, credentials, ProviderSettings(name=provider, **settings), http=http, client=client
    )


def by_key(records) -> dict[str, ProviderRecord]:
    out = {r.event.key: r for r in records}
    assert len(out) == len(records), "keys must be unique"
    return out


def tokens(record: ProviderRecord) -> tuple[int, int, int, int, int]:
    """(input, cache write, cache write 1h, cache read, output)."""
    e = record.event
    return e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens, e.output_tokens
