"""Guarding the spend: what the budget, alert, hook, status-line, capture and MCP commands need.

:class:`GuardServices` is the whole of what those commands ask for; :class:`ConfigServices` answers the
part that comes from the configuration file, and :class:`tokledger.guard.services.WorkspaceGuard` the
rest, over a :class:`~tokledger.workspace.Workspace` (``workspace.guard``). :mod:`~tokledger.guard.run`
holds the bodies of ``tokledger statusline`` and ``tokledger hook``, which both the command line and the
quick start (:mod:`tokledger.launch`) run. Importing this package loads only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tokledger.env import Env

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from tokledger.alerts import AlertStore
    from tokledger.alerts.config import AlertConfig
    from tokledger.budgets import BudgetConfig, UsageSums
    from tokledger.events import UsageEvent
    from tokledger.mcp.service import UsageService
    from tokledger.statusline import RateLimits, StatusData


class GuardServices(Protocol):
    """What the guard commands need from the core."""

    env: Env
    config_path: Path
    alerting: bool
    """False: budgets are evaluated but raise no alerts (the status line, ``budget --no-alerts``)."""
    alert_seconds: float | None
    """A bound on the time alerts may take to deliver (a hook has 30 s in all), or None."""

    def budgets(self) -> BudgetConfig: ...
    def alert_config(self) -> AlertConfig: ...
    def drop_dir(self) -> Path: ...
    def timezone(
        self,
    ) -> ZoneInfo: ...  # the budgets' zone: [budgets] timezone, the top-level one, the system's
    def sync(self) -> None: ...  # bring the ledger up to date with every source (incremental)
    def usage_sums(self) -> UsageSums: ...  # answered from the ledger's rollups
    def status_data(self) -> StatusData: ...  # UsageSums plus the active 5-hour block
    def alert_store(self) -> AlertStore: ...  # the ledger's atomic claim
    def ingest_transcript(self, path: Path) -> None: ...  # checkpointed read of one Claude Code transcript
    def record(self, events: list[UsageEvent]) -> None: ...  # price and upsert, merging copies of a key
    def keep_rate_limits(self, limits: RateLimits) -> None: ...  # the plan's quota figures, into the ledger
    def usage_service(self) -> UsageService: ...  # over the reports
    def notice(self, text: str) -> None: ...  # one line kept where `tokledger sources` can show it


class ConfigServices:
    """The configuration-backed half of :class:`GuardServices` (the file is read once)."""

    alerting = True
    alert_seconds: float | None = None

    def __init__(self, env: Env, config_path: Path, known_sources: Iterable[str] = ()):
        self.env, self.config_path, self.known_sources = env, config_path, known_sources
        self._data: dict | None = None
        self._budgets = None

    def _raw(self) -> dict:
        if self._data is None:
            from tokledger.budgets.config import read_toml

            self._data = read_toml(self.config_path)
        return self._data

    def budgets(self) -> BudgetConfig:
        if self._budgets is None:
            from tokledger.budgets.config import parse_budgets

            data = self._raw()
            zone = data.get("timezone") if isinstance(data.get("timezone"), str) else None
            self._budgets = parse_budgets(data.get("budgets"), path=self.config_path, env=self.env, timezone=zone,
                                          known_sources=self.known_sources)  # fmt: skip
        return self._budgets

    def alert_config(self) -> AlertConfig:
        from tokledger.alerts.config import parse_alerts

        return parse_alerts(self._raw().get("alerts"), path=self.config_path, env=self.env)

    def drop_dir(self) -> Path:
        from tokledger.capture.drop_dir import parse_capture

        return parse_capture(self._raw().get("capture"), path=self.config_path, env=self.env).drop_dir

    def timezone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from tokledger.errors import ConfigError

        name = self.budgets().timezone
        if name is None:
            from tokledger.reports.periods import system_zone

            return system_zone()
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{self.config_path}: unknown time zone {name!r}") from None
