"""The ``[providers.<name>]`` sections of the configuration file, validated into frozen settings.

Input is the raw ``tomllib`` table under ``providers`` (``data.get("providers", {})``) and the file it came
from; every error is a :class:`~tokledger.errors.ConfigError` naming the file and the dotted key::

    [providers.anthropic_api]
    enabled = true               # default: true when the section exists
    interval = "5m"              # seconds or "90s" / "5m" / "1h"; at least 60 s; default: the provider's
    backfill_days = 30           # how far back the first sync reads (1-400)
    key_env = "ANTHROPIC_ADMIN_KEY"   # the environment variable holding the key
    key_file = "~/.config/tokledger/anthropic.key"   # a file holding the key; must be mode 0600
    reports = ["messages", "cost_report", "claude_code"]   # which of the provider's reports to read
    base_url = "https://api.anthropic.com"   # a gateway or proxy in front of the API

    [providers.bedrock]
    profile = "work"             # an AWS profile; default: boto3's own chain
    regions = ["us-east-1", "eu-west-1"]   # or region = "us-east-1"

    [providers.vertex]
    project_id = "my-project"    # required
    credentials_file = "~/keys/vertex.json"   # default: GOOGLE_APPLICATION_CREDENTIALS, else ADC
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tokledger.errors import ConfigError
from tokledger.providers import Provider

_COMMON = ("enabled", "interval", "backfill_days", "reports", "base_url")
_BY_KIND = {
    "admin_key": ("key_env", "key_file"),
    "session_token": ("key_env", "key_file"),
    "aws": ("profile", "region", "regions"),
    "google_cloud": ("project_id", "credentials_file"),
}
_DURATION = re.compile(r"^\s*(\d+)\s*([smh]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
MIN_INTERVAL = 60


@dataclass(frozen=True)
class ProviderSettings:
    """One provider's settings; ``configured`` is True when the file has a section for it."""

    name: str
    enabled: bool = False
    configured: bool = False
    interval: timedelta | None = None
    backfill_days: int | None = None
    reports: tuple[str, ...] | None = None
    base_url: str | None = None
    key_env: str | None = None
    key_file: str | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    project_id: str | None = None
    credentials_file: str | None = None
    path: Path | None = field(default=None, compare=False)

    def interval_for(self, provider: Provider) -> timedelta:
        return self.interval or provider.interval

    def reports_for(self, provider: Provider) -> tuple[str, ...]:
        return self.reports if self.reports is not None else provider.reports


def _registry() -> dict[str, Provider]:
    from tokledger.providers import PROVIDERS  # the registry imports modules that import this one

    return PROVIDERS


def _fail(path: Path | None, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path or '<config>'}: {key} {message}")


def _string(path, key, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, key, "must be a non-empty string")
    return value.strip()


def _strings(path, key, value) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, key, "must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def parse_interval(path: Path | None, key: str, value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _fail(path, key, 'must be seconds or a duration such as "5m"')
    match = _DURATION.match(str(value))
    if not match:
        raise _fail(path, key, f'must be seconds or a duration such as "5m", got {value!r}')
    seconds = int(match[1]) * _UNITS[match[2]]
    if seconds < MIN_INTERVAL:
        raise _fail(
            path, key, f"must be at least {MIN_INTERVAL} seconds (vendors ask for at most one call a minute)"
        )
    return timedelta(seconds=seconds)


def _settings(path: Path | None, name: str, table: object) -> ProviderSettings:
    prefix = f"providers.{name}"
    if not isinstance(table, dict):
        raise _fail(path, prefix, "must be a table ([providers.NAME])")
    provider = _registry()[name]
    known = _COMMON + _BY_KIND[provider.credential_kind]
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise _fail(path, f"{prefix}.{unknown[0]}", f"is not a known key (known: {', '.join(known)})")
    values: dict[str, object] = {"name": name, "configured": True, "path": path}
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(path, f"{prefix}.enabled", "must be true or false")
    values["enabled"] = enabled
    if "interval" in table:
        values["interval"] = parse_interval(path, f"{prefix}.interval", table["interval"])
    if "backfill_days" in table:
        days = table["backfill_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 400:
            raise _fail(path, f"{prefix}.backfill_days", "must be a whole number of days from 1 to 400")
        values["backfill_days"] = days
    if "reports" in table:
        reports = _strings(path, f"{prefix}.reports", table["reports"])
        for report in reports:
            if report not in provider.reports:
                raise _fail(
                    path, f"{prefix}.reports", f"has {report!r}; known: {', '.join(provider.reports)}"
                )
        values["reports"] = reports
    if "base_url" in table:
        url = _string(path, f"{prefix}.base_url", table["base_url"])
        if not url.startswith(("https://", "http://")):
            raise _fail(path, f"{prefix}.base_url", "must start with https:// or http://")
        values["base_url"] = url.rstrip("/")
    for key in ("key_env", "key_file", "profile", "project_id", "credentials_file"):
        if key in table:
            values[key] = _string(path, f"{prefix}.{key}", table[key])
    if "region" in table and "regions" in table:
        raise _fail(path, f"{prefix}.region", "and regions cannot both be set")
    if "region" in table:
        values["regions"] = (_string(path, f"{prefix}.region", table["region"]),)
    if "regions" in table:
        values["regions"] = _strings(path, f"{prefix}.regions", table["regions"])
    if provider.credential_kind == "google_cloud" and "project_id" not in values and enabled:
        raise _fail(
            path, f"{prefix}.project_id", "is required (the Google Cloud project to read metrics from)"
        )
    return ProviderSettings(**values)  # type: ignore[arg-type]


def load_provider_settings(raw: object, path: Path | None = None) -> dict[str, ProviderSettings]:
    """Settings for every provider: those with a section validated, the others at their defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail(path, "providers", "must be a table of [providers.NAME] tables")
    known = _registry()
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise _fail(path, f"providers.{unknown[0]}", f"is not a known provider (known: {', '.join(known)})")
    return {
        name: _settings(path, name, raw[name]) if name in raw else ProviderSettings(name=name, path=path)
        for name in known
    }


def enabled(settings: dict[str, ProviderSettings]) -> list[str]:
    """The providers a background sync reads: those whose section exists and is not disabled."""
    return [name for name, s in settings.items() if s.configured and s.enabled]
