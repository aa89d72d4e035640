"""The ``[budgets]`` table of the configuration file, validated into frozen :class:`BudgetConfig` data.

Shape (keys may be added, never renamed)::

    [budgets]
    daily_usd = 10                 # global limits: {daily,weekly,monthly}_{usd,tokens}
    weekly_usd = 50
    monthly_usd = 200
    warn_at = 0.8                  # warn from 80 % of a limit ...
    stop_at = 1.0                  # ... stop from 100 %
    week_start = "monday"          # weeks open on this day at local midnight
    timezone = "Europe/Berlin"     # period boundaries (default: the top-level timezone, else the system's)
    enforce = true                 # false: hooks only warn, never block a prompt

    [budgets.projects."~/work/client-a/*"]   # a project path or glob; ~ is the user's home
    monthly_usd = 100
    warn_at = 0.9                  # warn_at / stop_at may be set per table

    [budgets.sources.codex]        # one source slug
    daily_tokens = 5_000_000

    [budgets.sessions]             # every session on its own ...
    lifetime_usd = 5
    [budgets.sessions."7f3e9a10-..."]   # ... or one session by id
    lifetime_tokens = 20_000_000

A project key is an ``fnmatch`` pattern over the project path (``*`` also crosses ``/``); a plain path
(no ``*?[``) covers that directory and everything below it. All matching projects share one limit.
``lifetime_*`` limits exist only for sessions. Money is kept as integer picodollars (1e-12 USD), so a
limit written as ``10`` or ``10.0`` is exact. Every error names the file and the dotted key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tokledger.env import Env
from tokledger.errors import ConfigError

PUSD_PER_USD = 10**12
PERIODS = ("daily", "weekly", "monthly")
UNITS = ("usd", "tokens")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LIMIT_KEYS = tuple(f"{p}_{u}" for p in PERIODS for u in UNITS)
_SESSION_KEYS = _LIMIT_KEYS + ("lifetime_usd", "lifetime_tokens")
_LEVEL_KEYS = ("warn_at", "stop_at")
_GLOBAL_KEYS = ("week_start", "timezone", "enforce", "projects", "sources", "sessions")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Limit:
    """One limit: ``amount`` picodollars (unit "usd") or tokens, over a period, for a scope.

    ``scope`` is "global", "project", "source" or "session"; ``target`` is the project key as written,
    the source slug or the session id (None for global limits and for limits on every session).
    """

    scope: str
    target: str | None
    period: str
    unit: str
    amount: int
    warn_at: Decimal
    stop_at: Decimal
    patterns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.period}_{self.unit}"


@dataclass(frozen=True)
class BudgetConfig:
    limits: tuple[Limit, ...] = ()
    week_start: int = 0
    timezone: str | None = None
    enforce: bool = True


def dotted(*parts: str) -> str:
    """A TOML dotted key, quoting the parts that are not bare keys."""
    return ".".join(
        p if _BARE.match(p) else '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts
    )


def _fail(path: Path | None, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path or 'configuration'}: {key} {message}")


def _number(path, key, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, key, f"must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _fail(path, key, f"is not a number: {value!r}") from None
    if not number.is_finite():
        raise _fail(path, key, f"must be a finite number, got {value!r}")
    return number


def _amount(path, key, unit, value) -> int:
    number = _number(path, key, value)
    if number <= 0:
        raise _fail(path, key, f"must be positive, got {value!r}")
    if unit == "usd":
        return int((number * PUSD_PER_USD).to_integral_value())
    if number != number.to_integral_value():
        raise _fail(path, key, f"must be a whole number of tokens, got {value!r}")
    return int(number)


def _levels(path, parts, table, inherited: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    warn, stop = inherited
    if "warn_at" in table:
        warn = _number(path, dotted(*parts, "warn_at"), table["warn_at"])
    if "stop_at" in table:
        stop = _number(path, dotted(*parts, "stop_at"), table["stop_at"])
    if not 0 < stop <= 10:
        raise _fail(path, dotted(*parts, "stop_at"), f"must be above 0 (1.0 = 100 %), got {stop}")
    if not 0 < warn <= stop:
        raise _fail(
            path, dotted(*parts, "warn_at"), f"must be above 0 and at most stop_at ({stop}), got {warn}"
        )
    return warn, stop


def _table(path, parts, value) -> Mapping:
    if not isinstance(value, dict):
        raise _fail(path, dotted(*parts), "must be a table")
    return value


def _limits(path, parts, table, allowed, extra, scope, target, levels, patterns=()) -> list[Limit]:
    unknown = sorted(set(table) - set(allowed) - set(_LEVEL_KEYS) - set(extra))
    if unknown:
        raise _fail(
            path,
            dotted(*parts, unknown[0]),
            f"is not a known key (known: {', '.join(allowed + _LEVEL_KEYS)})",
        )
    warn, stop = _levels(path, parts, table, levels)
    found = []
    for key in allowed:
        if key in table:
            period, unit = key.rsplit("_", 1)
            amount = _amount(path, dotted(*parts, key), unit, table[key])
            found.append(Limit(scope, target, period, unit, amount, warn, stop, patterns))
    return found


def project_patterns(key: str, env: Env) -> tuple[str, ...]:
    """The fnmatch patterns of a project key: ``~`` expanded; a plain path also covers what is below it."""
    expanded = str(env.expand(key))
    if any(c in expanded for c in "*?["):
        return (expanded,)
    base = expanded.rstrip("/") or "/"
    return (base, base.rstrip("/") + "/*")


def parse_budgets(
    table: Mapping | None, *, path: Path | None, env: Env, timezone: str | None = None,
    known_sources: Iterable[str] = (),
) -> BudgetConfig:  # fmt: skip
    """Validate the raw ``[budgets]`` table (as ``tomllib`` returns it); None means no budgets."""
    if table is None:
        return BudgetConfig(timezone=timezone)
    table = _table(path, ("budgets",), table)
    levels = _levels(path, ("budgets",), table, (Decimal("0.8"), Decimal("1.0")))
    limits = _limits(path, ("budgets",), table, _LIMIT_KEYS, _GLOBAL_KEYS, "global", None, levels)

    week = table.get("week_start", "monday")
    if not isinstance(week, str) or week.lower() not in WEEKDAYS:
        raise _fail(path, "budgets.week_start", f'must be a day name such as "monday", got {week!r}')
    zone_name = table.get("timezone", timezone)
    if zone_name is not None and not isinstance(zone_name, str):
        raise _fail(path, "budgets.timezone", 'must be a string such as "Europe/Berlin"')
    enforce = table.get("enforce", True)
    if not isinstance(enforce, bool):
        raise _fail(path, "budgets.enforce", f"must be true or false, got {enforce!r}")

    for key, sub in _table(path, ("budgets", "projects"), table.get("projects", {})).items():
        parts = ("budgets", "projects", key)
        patterns = project_patterns(key, env)
        limits += _limits(
            path, parts, _table(path, parts, sub), _LIMIT_KEYS, (), "project", key, levels, patterns
        )

    per_source = _table(path, ("budgets", "sources"), table.get("sources", {}))
    known = set(known_sources) if per_source else set()  # asked only when needed: listing sources loads them
    for slug, sub in per_source.items():
        parts = ("budgets", "sources", slug)
        if not _SLUG.match(slug) or (known and slug not in known):
            hint = f" (known: {', '.join(sorted(known))})" if known else ""
            raise _fail(path, dotted(*parts), f"is not a known source{hint}")
        limits += _limits(path, parts, _table(path, parts, sub), _LIMIT_KEYS, (), "source", slug, levels)

    sessions = _table(path, ("budgets", "sessions"), table.get("sessions", {}))
    every = {k: v for k, v in sessions.items() if not isinstance(v, dict)}
    session_levels = _levels(path, ("budgets", "sessions"), every, levels)
    limits += _limits(path, ("budgets", "sessions"), every, _SESSION_KEYS, (), "session", None, levels)
    for session_id, sub in sessions.items():
        if isinstance(sub, dict):
            parts = ("budgets", "sessions", session_id)
            limits += _limits(path, parts, sub, _SESSION_KEYS, (), "session", session_id, session_levels)
    return BudgetConfig(tuple(limits), WEEKDAYS.index(week.lower()), zone_name, enforce)


def load_budgets(path: Path, env: Env, known_sources: Iterable[str] = ()) -> BudgetConfig:
    """Read the configuration file and validate its ``[budgets]`` table; a missing file has no budgets."""
    data = read_toml(path)
    timezone = data.get("timezone") if isinstance(data.get("timezone"), str) else None
    return parse_budgets(
        data.get("budgets"), path=path, env=env, timezone=timezone, known_sources=known_sources
    )


def read_toml(path: Path) -> dict:
    """The configuration file as ``tomllib`` reads it; a missing file is empty."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
