"""Webhook alerts: one POST of JSON per alert, in a generic, Slack or Discord shape, with retries.

Payloads
    ``json``: ``{"source": "tokledger", "level", "title", "message", "key", "budget"}`` where ``budget``
    is the limit's entry of ``tokledger budget --json`` (null for a test alert).
    ``slack`` (incoming webhook): ``{"text": "*title*\\nmessage"}``.
    ``discord`` (channel webhook): ``{"username": "tokledger", "content": "**title**\\nmessage"}``,
    cut to Discord's 2,000-character limit.

Delivery
    Each attempt has a timeout. A timeout, a connection error, a 5xx or a 429 is retried up to
    ``retries`` times: after the ``Retry-After`` the server sent (seconds or an HTTP date, capped at
    60 s), else after an exponential back-off (0.5 s, 1 s, 2 s, ...). Any other 4xx fails at once (the
    request is wrong and will not get better). Redirects are not followed. With a ``deadline`` (a hook
    has a few seconds, not minutes) no attempt or wait runs past it. The URL is never printed whole:
    errors name it as ``scheme://host/***``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from tokledger.alerts import Alert, AlertError
from tokledger.alerts.config import WebhookConfig, redact_url
from tokledger.retry_after import retry_after as read_retry_after

MAX_DELAY_S = 60.0
DISCORD_LIMIT = 2000


def payload(alert: Alert, fmt: str) -> dict:
    if fmt == "slack":
        return {"text": f"*{alert.title}*\n{alert.message}"}
    if fmt == "discord":
        return {"username": "tokledger", "content": f"**{alert.title}**\n{alert.message}"[:DISCORD_LIMIT]}
    return {"source": "tokledger", "level": alert.level, "title": alert.title, "message": alert.message,
            "key": alert.key, "budget": alert.budget}  # fmt: skip


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped; None if absent."""
    seconds = read_retry_after(value, now)
    return None if seconds is None else min(seconds, MAX_DELAY_S)


class WebhookChannel:
    """POSTs alerts to one URL. ``sleep`` and ``client`` are injectable (tests, connection reuse)."""

    def __init__(self, config: WebhookConfig, *, backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 client=None, deadline: float | None = None):  # fmt: skip
        self.config = config
        self.deadline = deadline  # time.monotonic() value after which no attempt starts (a hook's budget)
        self.name = f"webhook {redact_url(config.url)}"
        self.backoff = backoff
        self.sleep = sleep
        self.client = client
        self.attempts = 0

    def send(self, alert: Alert) -> None:
        if alert.level != "test" and alert.level not in self.config.levels:
            return
        import httpx

        body = payload(alert, self.config.format)
        client = self.client or httpx.Client(follow_redirects=False)
        try:
            self._post(client, body, httpx)
        finally:
            if self.client is None:
                client.close()

    def _post(self, client, body: dict, httpx) -> None:
        where = redact_url(self.config.url)
        problem, delay, tries = "no attempt made", 0.0, 0
        for attempt in range(self.config.retries + 1):
            left = (
                None
                if self.deadline is None
                else self.deadline - time.monotonic() - (delay if attempt else 0)
            )
            if left is not None and left <= 0.05:
                problem += "; out of time"
                break
            if attempt:
                self.sleep(delay)
            self.attempts += 1
            tries += 1
            delay = self.backoff * 2**attempt
            timeout = self.config.timeout if left is None else min(self.config.timeout, left)
            try:
                response = client.post(self.config.url, json=body, timeout=timeout,
                                       headers={"User-Agent": "tokledger"})  # fmt: skip
            except httpx.TimeoutException:
                problem = f"{where} timed out after {timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                problem = f"{where} could not be reached ({type(exc).__name__})"
                continue
            status = response.status_code
            if 200 <= status < 300:
                return
            problem = f"{where} answered HTTP {status}"
            if status == 429 or status >= 500:
                waited = retry_after(response.headers.get("Retry-After"))
                delay = delay if waited is None else waited
                continue
            raise AlertError(problem)
        raise AlertError(f"{problem} ({tries} attempt{'s' if tries != 1 else ''})")
