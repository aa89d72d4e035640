"""One HTTP POST with the retry rules of Prometheus remote write 1.0, shared by the pushing exporters.

- 2xx: done.
- 5xx and 429: retried with exponential backoff and full jitter (``base · 2^n``, capped), or after the
  server's ``Retry-After`` (seconds or an HTTP date) when it sends one.
- Connection errors, DNS failures and timeouts: retried the same way.
- Any other 4xx: reported once with the start of the body as the server sent it, never retried.

Retries stop after ``attempts`` tries or when the next wait would pass ``budget`` seconds in all; the
caller's next cycle sends the (cumulative) values again, so giving up loses nothing. Messages carry the
URL without its user information and have every secret value scrubbed out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tokledger.exporters import Outcome
from tokledger.exporters.config import Auth
from tokledger.exporters.secrets import Secret, redact_url, scrub
from tokledger.retry_after import retry_after

BODY_CHARS = 300


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base: float = 1.0
    cap: float = 30.0
    budget: float = 120.0

    def backoff(self, retry: int, rng: Callable[[], float]) -> float:
        return rng() * min(self.cap, self.base * 2**retry)


DEFAULT_POLICY = RetryPolicy()
LOG_POLICY = RetryPolicy(attempts=4, cap=10.0, budget=30.0)


@dataclass(frozen=True)
class ResolvedAuth:
    """Credentials read from their sources, ready for one request (``repr`` shows no value)."""

    username: str | None = None
    password: Secret | None = None
    bearer_token: Secret | None = None

    @classmethod
    def of(cls, auth: Auth, environ: Mapping[str, str]) -> ResolvedAuth:
        return cls(
            auth.username,
            auth.password.resolve(environ) if auth.password else None,
            auth.bearer_token.resolve(environ) if auth.bearer_token else None,
        )

    def headers(self) -> dict[str, str]:
        if self.bearer_token is not None:
            return {"Authorization": f"Bearer {self.bearer_token.reveal()}"}
        return {}

    def httpx_auth(self):
        import httpx

        if self.username is not None:
            return httpx.BasicAuth(self.username, self.password.reveal() if self.password else "")
        return None

    def secrets(self) -> Iterable[Secret | None]:
        return (self.password, self.bearer_token)


def post(
    client,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    auth: ResolvedAuth,
    *,
    what: str,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> Outcome:
    """POST ``body`` to ``url`` with ``client`` (an ``httpx.Client``), retrying as described above."""
    import httpx

    shown = redact_url(url)
    all_headers = {**headers, **auth.headers()}
    waited = 0.0
    last = ""
    for attempt in range(policy.attempts):
        wait = None
        try:
            response = client.post(url, content=body, headers=all_headers, auth=auth.httpx_auth())
        except httpx.HTTPError as exc:
            # The exception text may quote the request URL (with its user information): name the type only.
            last = f"{what} to {shown}: {type(exc).__name__}"
        else:
            status = response.status_code
            if 200 <= status < 300:
                tries = f" after {attempt + 1} tries" if attempt else ""
                return Outcome.success(f"{what} to {shown}: HTTP {status}{tries}")
            text = scrub(response.text[:BODY_CHARS].strip(), auth.secrets())
            last = f"{what} to {shown}: HTTP {status}" + (f": {text}" if text else "")
            if status != 429 and status < 500:
                return Outcome.failure(last + " (not retried)")
            wait = retry_after(response.headers.get("Retry-After"))
        if attempt + 1 == policy.attempts:
            break
        wait = policy.backoff(attempt, rng) if wait is None else wait
        if waited + wait > policy.budget:
            break
        sleep(wait)
        waited += wait
    return Outcome.failure(
        f"{last} (gave up after {attempt + 1} tries; the next cycle sends the totals again)"
    )
