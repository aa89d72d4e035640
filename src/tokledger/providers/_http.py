"""HTTP for the vendor APIs: retries with backoff, one-line errors that never show a secret, pagination.

- 429, 500, 502, 503, 504 and 529 (Anthropic's "overloaded") and transport failures (timeouts, resets)
  are retried with exponential backoff and jitter: attempt ``n`` waits a random time between half and
  all of ``min(max_delay, base_delay * 2**n)``. A ``Retry-After`` header (seconds or an HTTP date; also
  OpenAI's ``retry-after-ms``) is respected instead, up to ``max_retry_after``.
- 401 and 403 raise :class:`~tokledger.providers.CredentialError` naming the credential that failed
  (``ANTHROPIC_ADMIN_KEY``, ``key file ~/.config/...``), never its value; the vendor's message is left
  out, as some vendors echo part of the key in it.
- Any other 4xx is not retried: one :class:`~tokledger.providers.ProviderError` with the vendor's error
  type and message, with the secret and anything shaped like an API key masked.

httpx is imported when the first :class:`Http` is built, not when this module is.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from tokledger.providers import CredentialError, ProviderError
from tokledger.retry_after import retry_after as read_retry_after

RETRY_STATUS = frozenset({429, 500, 502, 503, 504, 529})
USER_AGENT = "tokledger"
_KEYLIKE = re.compile(r"\b(sk|key|tok)[-_][A-Za-z0-9_\-*.]{6,}")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _KEYLIKE.sub("***", text)


def retry_after(headers: Any, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``; None if neither."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    return read_retry_after(headers.get("retry-after"), now())


class Http:
    """A retrying JSON client around one ``httpx.Client`` (given, or built with a 30 s timeout)."""

    def __init__(
        self,
        client: Any = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        max_retry_after: float = 300.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.owned = client is None
        if client is None:
            import httpx

            client = httpx.Client(timeout=30.0, follow_redirects=False)
        self.client = client
        self.sleep = sleep
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.jitter = jitter
        self.requests = 0
        self.retries = 0

    def close(self) -> None:
        """Close the httpx client if this object built it (a client passed in belongs to the caller)."""
        if self.owned:
            self.client.close()

    def backoff(self, attempt: int, asked: float | None) -> float:
        if asked is not None:
            return min(asked, self.max_retry_after)
        cap = min(self.max_delay, self.base_delay * 2**attempt)
        return cap / 2 + self.jitter() * cap / 2

    def request(
        self,
        provider: str,
        credential: str,
        method: str,
        url: str,
        *,
        secrets: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Any:
        """Send, retrying what can be retried, and return the decoded JSON body.

        ``credential`` is the printable name of the credential sent with the request (for 401/403).
        """
        import httpx

        headers = {"user-agent": USER_AGENT, "accept": "application/json", **kwargs.pop("headers", {})}
        path = httpx.URL(url).path
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            self.requests += 1
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if last:
                    raise ProviderError(
                        f"{provider}: {method} {path} failed after {self.attempts} attempts: "
                        f"{type(exc).__name__}"
                    ) from None
                self.retries += 1
                self.sleep(self.backoff(attempt, None))
                continue
            status = response.status_code
            if status < 400:
                try:
                    return response.json()
                except ValueError:
                    raise ProviderError(
                        f"{provider}: {method} {path} answered {status} without JSON"
                    ) from None
            if status in RETRY_STATUS and not last:
                self.retries += 1
                self.sleep(self.backoff(attempt, retry_after(response.headers)))
                continue
            raise _status_error(provider, credential, method, path, response, secrets, self.attempts)
        raise AssertionError("unreachable")


def _status_error(provider, credential, method, path, response, secrets, attempts) -> ProviderError:
    status = response.status_code
    if status in (401, 403):
        what = "refused (401: not authenticated)" if status == 401 else "not allowed to read this (403)"
        return CredentialError(f"{provider}: the credential in {credential} was {what} on {method} {path}")
    kind, message = _vendor_error(response)
    detail = redact(": ".join(x for x in (kind, message) if x), secrets)[:300]
    if status in RETRY_STATUS:
        return ProviderError(
            f"{provider}: {method} {path} failed with {status} after {attempts} attempts"
            + (f" ({detail})" if detail else "")
        )
    return ProviderError(
        f"{provider}: {method} {path} was rejected with {status}" + (f": {detail}" if detail else "")
    )


def _vendor_error(response: Any) -> tuple[str, str]:
    """The error type and message of an Anthropic/OpenAI-style ``{"error": {"type", "message"}}`` body."""
    try:
        body = response.json()
    except ValueError:
        return "", " ".join(response.text.split())[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("type") or error.get("code") or ""), " ".join(
            str(error.get("message") or "").split()
        )
    if isinstance(error, str):
        return error, ""
    return "", ""


def pages(fetch_page: Callable[[str | None], dict], provider: str, limit: int = 10_000) -> Iterator[dict]:
    """Every page of a ``has_more`` / ``next_page`` listing; ``fetch_page(cursor)`` gets one page."""
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(limit):
        page = fetch_page(cursor)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise ProviderError(f"{provider}: unexpected response (no data list)")
        yield page
        cursor = page.get("next_page")
        if not page.get("has_more") or not cursor:
            return
        if cursor in seen:
            raise ProviderError(f"{provider}: the API returned the same next_page twice")
        seen.add(cursor)
    raise ProviderError(f"{provider}: more than {limit} pages")
