"""The ``[alerts]`` table: which channels budget alerts go to, validated into :class:`AlertConfig`.

Shape (keys may be added, never renamed)::

    [alerts]
    desktop = true                 # a desktop notification (default true)
    stderr = true                  # one line on the stderr of the command that noticed (default true)

    [[alerts.webhooks]]
    url_env = "TOKLEDGER_SLACK_WEBHOOK"   # the URL from this environment variable (keeps it out of the file)
    format = "slack"               # json (default) | slack | discord
    levels = ["stop"]              # which levels this hook receives (default both)
    timeout = 10                   # seconds per attempt
    retries = 3                    # further attempts on timeouts, 5xx and 429

    [[alerts.webhooks]]
    url = "https://example.com/tokledger/alerts"

A webhook URL usually holds a secret: error messages show it only as ``scheme://host/***``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tokledger.budgets.config import dotted
from tokledger.env import Env
from tokledger.errors import ConfigError

FORMATS = ("json", "slack", "discord")
ALERT_LEVELS = ("warn", "stop")


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    format: str = "json"
    levels: tuple[str, ...] = ALERT_LEVELS
    timeout: float = 10.0
    retries: int = 3


@dataclass(frozen=True)
class AlertConfig:
    desktop: bool = True
    stderr: bool = True
    webhooks: tuple[WebhookConfig, ...] = ()


def redact_url(url: str) -> str:
    """``https://hooks.slack.com/***``: scheme and host only; the path, query and user info may be secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    rest = "/***" if (parts.path not in ("", "/") or parts.query or parts.fragment) else "/"
    return f"{parts.scheme}://{host}{port}{rest}"


def _fail(path: Path | None, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path or 'configuration'}: {key} {message}")


def _webhook(path, index: int, table, env: Env) -> WebhookConfig:
    key = f"alerts.webhooks[{index}]"
    if not isinstance(table, dict):
        raise _fail(path, key, "must be a table")
    known = ("url", "url_env", "format", "levels", "timeout", "retries")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise _fail(path, f"{key}.{dotted(unknown[0])}", f"is not a known key (known: {', '.join(known)})")
    if ("url" in table) == ("url_env" in table):
        raise _fail(path, key, "needs exactly one of url and url_env")
    if "url_env" in table:
        name = table["url_env"]
        url = env.get(name) if isinstance(name, str) else None
        if not url:
            raise _fail(path, f"{key}.url_env", f"names an environment variable that is not set: {name!r}")
    else:
        url = table["url"]
        if not isinstance(url, str):
            raise _fail(path, f"{key}.url", "must be a string")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise _fail(path, key, f"must be an http(s) URL, got {redact_url(url)}")
    fmt = table.get("format", "json")
    if fmt not in FORMATS:
        raise _fail(path, f"{key}.format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    levels = table.get("levels", list(ALERT_LEVELS))
    if not isinstance(levels, list) or not levels or any(level not in ALERT_LEVELS for level in levels):
        raise _fail(path, f"{key}.levels", f'must be a list of "warn" and/or "stop", got {levels!r}')
    timeout = table.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise _fail(path, f"{key}.timeout", f"must be a number of seconds from 0 to 300, got {timeout!r}")
    retries = table.get("retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise _fail(path, f"{key}.retries", f"must be a whole number from 0 to 10, got {retries!r}")
    return WebhookConfig(url, fmt, tuple(levels), float(timeout), retries)


def parse_alerts(table: Mapping | None, *, path: Path | None, env: Env) -> AlertConfig:
    """Validate the raw ``[alerts]`` table; None means the defaults (desktop and stderr, no webhooks)."""
    if table is None:
        return AlertConfig()
    if not isinstance(table, dict):
        raise _fail(path, "alerts", "must be a table")
    known = ("desktop", "stderr", "webhooks")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise _fail(path, f"alerts.{dotted(unknown[0])}", f"is not a known key (known: {', '.join(known)})")
    flags = {}
    for name in ("desktop", "stderr"):
        value = table.get(name, True)
        if not isinstance(value, bool):
            raise _fail(path, f"alerts.{name}", f"must be true or false, got {value!r}")
        flags[name] = value
    hooks = table.get("webhooks", [])
    if not isinstance(hooks, list):
        raise _fail(path, "alerts.webhooks", "must be an array of tables ([[alerts.webhooks]])")
    return AlertConfig(webhooks=tuple(_webhook(path, i, t, env) for i, t in enumerate(hooks)), **flags)
