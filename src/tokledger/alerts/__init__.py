"""Budget alerts: each level of each limit alerts once per period, on every configured channel.

When a limit reaches ``warn`` or ``stop`` (:mod:`tokledger.budgets`), :func:`raise_alerts` claims
``<status key>:<level>`` in an :class:`AlertStore` and sends only what it won: the ledger implements
``claim`` as ``INSERT ... ON CONFLICT DO NOTHING`` in a write transaction, so of two processes noticing
the same crossing at once exactly one alerts (:class:`~tokledger.alerts.store.SqliteClaimStore` is the
same design on its own file). The status key holds the limit's amount and the period's start: a new
period, or a raised limit crossed again, alerts again. A claim is made before sending, so a failed send
is reported and not retried by another process (at most once, never twice).

A crossing that skips a level (0 → past stop) claims both levels and sends the higher one. The
command that noticed also writes one line per alert to its stderr. Channels: desktop notifications
(:mod:`~tokledger.alerts.desktop`) and webhooks (:mod:`~tokledger.alerts.webhook`); a failing channel
never stops the others and is reported on stderr with its URL redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from tokledger.budgets.evaluate import LEVELS, BudgetStatus, describe, format_amount


class AlertError(Exception):
    """A channel could not deliver an alert (the message is safe to print: no secrets)."""


@dataclass(frozen=True)
class Alert:
    key: str
    level: str
    title: str
    message: str
    budget: dict | None = field(default=None, compare=False)


class AlertStore(Protocol):
    def claim(self, key: str) -> bool:
        """Record ``key`` atomically; True only for the one caller that recorded it first."""
        ...


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Deliver or raise :class:`AlertError`."""
        ...


_TITLES = {
    "warn": "tokledger: budget warning",
    "stop": "tokledger: budget reached",
    "test": "tokledger: test alert",
}


def alert_for(status: BudgetStatus, level: str) -> Alert:
    from tokledger.budgets.render import status_dict

    message = describe(status)
    if level == "warn" and status.projected_level == "stop":
        message += f"; on track for {format_amount(status.projected, status.limit.unit)} by the period's end"
    if level == "stop":
        message += "; new prompts are blocked until the period resets or the limit is raised"
    return Alert(f"{status.key}:{level}", level, _TITLES[level], message, status_dict(status))


def sample_alert() -> Alert:
    return Alert("test", "test", _TITLES["test"], "Alerts from tokledger reach this channel.")


def raise_alerts(
    statuses: Iterable[BudgetStatus], store: AlertStore, channels: Iterable[Channel],
    *, stderr: Callable[[str], None] | None = None, enforcing: bool = True,
) -> list[Alert]:  # fmt: skip
    """Claim and send the alerts due for ``statuses``; returns the alerts this call sent."""
    channels = list(channels)
    sent = []
    for status in statuses:
        if status.level == "ok":
            continue
        reached = LEVELS[1 : LEVELS.index(status.level) + 1]
        won = [level for level in reached if store.claim(f"{status.key}:{level}")]
        if not won:
            continue
        alert = alert_for(status, won[-1])
        if not enforcing and alert.level == "stop":
            alert = Alert(alert.key, alert.level, alert.title, describe(status), alert.budget)
        if stderr is not None:
            stderr(f"{alert.title}: {alert.message}")
        for channel in channels:
            try:
                channel.send(alert)
            except AlertError as exc:
                if stderr is not None:
                    stderr(f"tokledger: alert via {channel.name} failed: {exc}")
        sent.append(alert)
    return sent


def send_test(channels: Iterable[Channel]) -> list[tuple[str, str | None]]:
    """Send a test alert to each channel: ``(channel name, error or None)`` per channel."""
    results = []
    alert = sample_alert()
    for channel in channels:
        try:
            channel.send(alert)
        except AlertError as exc:
            results.append((channel.name, str(exc)))
        else:
            results.append((channel.name, None))
    return results


def build_channels(config, env, *, deadline: float | None = None) -> list:
    """The desktop and webhook channels an :class:`~tokledger.alerts.config.AlertConfig` turns on;
    ``deadline`` (a ``time.monotonic()`` value) bounds the webhooks' attempts and waits."""
    channels: list = []
    if config.desktop:
        from tokledger.alerts.desktop import DesktopChannel

        channels.append(DesktopChannel.default(env))
    if config.webhooks:
        from tokledger.alerts.webhook import WebhookChannel

        channels += [WebhookChannel(hook, deadline=deadline) for hook in config.webhooks]
    return channels
