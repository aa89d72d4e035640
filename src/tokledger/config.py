"""The TOML configuration file, read into frozen dataclasses with clear error messages.

Location: ``--config PATH``, else ``TOKLEDGER_CONFIG``, else ``<config dir>/tokledger/config.toml``.
A missing file is an empty configuration. Example::

    timezone = "Europe/Berlin"     # default for --timezone
    mode = "auto"                  # default for --mode (auto | calculate | logged)

    [blocks]
    token_limit = 500000           # default for --token-limit in `blocks` and `live` (or "max")

    [prices."my-local-model"]      # USD per million tokens; wins over the built-in table
    input = 0.5
    output = 1.5
    cache_read = 0.05              # default: the input rate
    cache_write = 0.625            # 5-minute writes; default: the input rate
    cache_write_1h = 1.0           # default: the cache_write rate
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from tokledger.errors import ConfigError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

COST_MODES = ("auto", "calculate", "logged")
SECTIONS: tuple[str, ...] = (
    "exporters",
    "daemon",
    "team",
    "providers",
    "budgets",
    "alerts",
    "capture",
    "blocks",
    "ledger",
)
"""Top-level tables owned by other subsystems: kept in :attr:`Config.sections` for them to validate."""
_PRICE_KEYS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")


@dataclass(frozen=True)
class PriceOverride:
    """User rates for one model, USD per million tokens."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    timezone: str | None = None
    mode: str = "auto"
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    sections: dict[str, dict] = field(default_factory=dict)
    """The tables other subsystems validate themselves (``[budgets]``, ``[exporters]``, ...), as TOML gave them."""

    def zone(self) -> ZoneInfo:
        """The configured time zone (the system's when none is set); a bad name is an error naming the file."""
        from tokledger.reports.periods import zone

        try:
            return zone(self.timezone)
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: timezone: {exc}") from None


def _rate(path: Path, model: str, key: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{path}: prices.{model!r}.{key} must be a number (USD per million tokens)")
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{path}: prices.{model!r}.{key} is not a number: {value!r}") from None
    if not rate.is_finite() or rate < 0:
        raise ConfigError(f"{path}: prices.{model!r}.{key} must be a non-negative number, got {value!r}")
    return rate


def _override(path: Path, model: str, table: object) -> PriceOverride:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: prices.{model!r} must be a table of rates")
    unknown = sorted(set(table) - set(_PRICE_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: prices.{model!r}: unknown key {unknown[0]!r} (known: {', '.join(_PRICE_KEYS)})"
        )
    for required in ("input", "output"):
        if required not in table:
            raise ConfigError(f"{path}: prices.{model!r} needs {required!r}")
    rates = {key: _rate(path, model, key, value) for key, value in table.items()}
    cache_write = rates.get("cache_write", rates["input"])
    return PriceOverride(
        input=rates["input"],
        output=rates["output"],
        cache_read=rates.get("cache_read", rates["input"]),
        cache_write=cache_write,
        cache_write_1h=rates.get("cache_write_1h", cache_write),
    )


def load_config(path: Path, *, required: bool = False) -> Config:
    """Read and validate the file; a missing file gives the defaults, unless it was asked for by name."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such configuration file") from None
        return Config()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    known = {"timezone", "mode", "prices", *SECTIONS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    timezone = data.get("timezone")
    if timezone is not None and not isinstance(timezone, str):
        raise ConfigError(f'{path}: timezone must be a string such as "Europe/Berlin"')
    mode = data.get("mode", "auto")
    if mode not in COST_MODES:
        raise ConfigError(f"{path}: mode must be one of {', '.join(COST_MODES)}, got {mode!r}")
    prices = data.get("prices", {})
    if not isinstance(prices, dict):
        raise ConfigError(f'{path}: prices must be a table of [prices."model"] tables')
    return Config(
        path=path,
        timezone=timezone,
        mode=mode,
        prices={model: _override(path, model, table) for model, table in prices.items()},
        sections={name: data[name] for name in SECTIONS if name in data},
    )
