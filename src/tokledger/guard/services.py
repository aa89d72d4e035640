"""The guard commands' services over a workspace: budget sums from the rollups, the active block, alert
claims, captured events and the plan's rate limits, all in the ledger; and budget evaluation.

:func:`evaluate_budgets` is what runs after every sync that recorded something (the workspace's
``after_sync``, whoever synced: a command, live, serve, a hook, the daemon): every limit is evaluated and
each level newly reached alerts once — the claim is a row in the ledger, so two processes never both send.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokledger.budgets.evaluate import Sums, project_matches
from tokledger.guard import ConfigServices
from tokledger.ledger import guard as ledger_guard

if TYPE_CHECKING:
    from tokledger.budgets import BudgetStatus
    from tokledger.events import UsageEvent
    from tokledger.ledger import Ledger
    from tokledger.statusline import Block, RateLimits
    from tokledger.workspace import Workspace

BLOCK_SOURCE = "claude_code"
"""The status line's 5-hour block is Claude's plan window: Claude Code's requests alone."""


class LedgerSums:
    """:class:`~tokledger.budgets.UsageSums` answered from the rollups (see :mod:`tokledger.ledger.guard`)."""

    def __init__(self, ledger: Ledger, *, tz: ZoneInfo, mode: str) -> None:
        self.ledger, self.tz, self.mode = ledger, tz, mode
        self._projects: list[tuple[int, str]] | None = None

    def _project_ids(self, globs: tuple[str, ...]) -> list[int]:
        if self._projects is None:
            self._projects = ledger_guard.project_names(self.ledger)
        return [i for i, name in self._projects if project_matches(name, globs)]

    def sums(self, *, start_ms: int | None, end_ms: int | None, sources: tuple[str, ...] = (),
             project_globs: tuple[str, ...] = (), session: str | None = None) -> Sums:  # fmt: skip
        ids = self._project_ids(project_globs) if project_globs else None
        cost, tokens, requests, unpriced = ledger_guard.usage_sums(
            self.ledger, start_ms=start_ms, end_ms=end_ms, sources=sources, project_ids=ids, session=session,
            zone=self.tz.key, mode=self.mode,
        )  # fmt: skip
        return Sums(cost, tokens, requests, unpriced)

    def sessions(self, *, start_ms: int, end_ms: int | None) -> list[str]:
        return ledger_guard.sessions_between(self.ledger, start_ms, end_ms)

    def active_block(self, *, now_ms: int) -> Block | None:
        from tokledger.reports import Query
        from tokledger.reports.blocks import recent_blocks
        from tokledger.statusline import Block

        now = datetime.fromtimestamp(now_ms / 1000, UTC)
        query = Query(tz=self.tz, sources=(BLOCK_SOURCE,), mode=self.mode)
        row = next(
            (r for r in reversed(recent_blocks(self.ledger, query, now=now).rows) if r.is_active), None
        )
        if row is None:
            return None
        t = row.totals
        return Block(row.start_ms, row.end_ms, t.priced_pusd, t.total_tokens, row.first_ms, row.last_ms)


class LedgerClaims:
    """:class:`~tokledger.alerts.AlertStore` on the ledger's ``alerts`` table."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def claim(self, key: str) -> bool:
        return ledger_guard.claim(self.ledger, key, int(time.time() * 1000))

    def claimed(self) -> list[str]:
        return ledger_guard.claimed(self.ledger)


class _SourceNames:
    """The workspace's source names, listed only when iterated (a status line never needs them)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __iter__(self):
        return iter(self.workspace.source_names)


class WorkspaceGuard(ConfigServices):
    """:class:`~tokledger.guard.GuardServices` over a workspace: its configuration, ledger and sync."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace.env, workspace.config_path, _SourceNames(workspace))
        self.workspace = workspace

    def _raw(self) -> dict:
        config = self.workspace.config  # read and checked once by the workspace
        return {"timezone": config.timezone, **config.sections}

    def sync(self) -> None:
        self.workspace.sync()

    def usage_sums(self) -> LedgerSums:
        return LedgerSums(self.workspace.ledger, tz=self.timezone(), mode=self.workspace.config.mode)

    status_data = usage_sums

    def alert_store(self) -> LedgerClaims:
        return LedgerClaims(self.workspace.ledger)

    def ingest_transcript(self, path: Path) -> None:
        self.workspace.ingest_file("claude_code", path)

    def record(self, events: list[UsageEvent]) -> None:
        self.workspace.record(events)

    def keep_rate_limits(self, limits: RateLimits) -> None:
        rows = [(name, w.used_percentage, None if w.resets_at is None else w.resets_at * 1000, limits.observed_ms,
                 limits.session_id)
                for name, w in (("five_hour", limits.five_hour), ("seven_day", limits.seven_day)) if w]  # fmt: skip
        ledger_guard.keep_rate_limits(self.workspace.ledger, rows)

    def usage_service(self):
        from tokledger.mcp.usage import WorkspaceUsage

        return WorkspaceUsage(self.workspace)

    def notice(self, text: str) -> None:
        ledger_guard.add_notice(self.workspace.ledger, text, int(time.time() * 1000))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def raise_due(svc, statuses: list[BudgetStatus], *, stderr: bool = True) -> None:
    """Claim and send the alerts ``statuses`` call for, on every configured channel (and stderr)."""
    from tokledger.alerts import build_channels, raise_alerts

    config = svc.alert_config()
    deadline = None if svc.alert_seconds is None else time.monotonic() + svc.alert_seconds
    raise_alerts(statuses, svc.alert_store(), build_channels(config, svc.env, deadline=deadline),
                 stderr=_stderr if (stderr and config.stderr) else None, enforcing=svc.budgets().enforce)  # fmt: skip


def evaluate_budgets(
    workspace: Workspace, *, alert: bool = True, now: datetime | None = None
) -> list[BudgetStatus]:
    """Every budget's status now; with ``alert`` (and the guard alerting) the alerts due are raised."""
    from tokledger.budgets import evaluate

    svc = workspace.guard
    config = svc.budgets()
    if not config.limits:
        return []
    statuses = evaluate(config, svc.usage_sums(), now or datetime.now(UTC), svc.timezone())
    if alert and svc.alerting:
        raise_due(svc, statuses)
    return statuses
