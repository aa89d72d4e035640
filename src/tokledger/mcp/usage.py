"""The MCP tools' :class:`~tokledger.mcp.service.UsageService` over a workspace: the reports' own JSON.

Each answer starts with an incremental sync (at most every :data:`SYNC_EVERY` seconds, one parser
process: tools may run off the server's event loop, and forking a threaded process is not safe), so an
assistant asking "what have I spent today?" hears about the turn that just ended. Periods are local days
in the configured time zone; weeks start on the budgets' ``week_start``. Tools run one at a time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

from tokledger.mcp.service import resolve_period
from tokledger.workspace import Workspace

SYNC_EVERY = 10.0
EXPLAIN_LIMIT = 500


class WorkspaceUsage:
    def __init__(self, workspace: Workspace, *, clock=time.monotonic) -> None:
        self.workspace = workspace
        self._clock = clock
        self._synced: float | None = None
        self._lock = threading.Lock()

    def _fresh(self) -> None:
        if self._synced is None or self._clock() - self._synced >= SYNC_EVERY:
            self.workspace.sync(jobs=1)
            self._synced = self._clock()

    def _query(self, **params):
        return self.workspace.query(params)

    def usage_summary(self, period: str) -> dict:
        from tokledger.reports import today
        from tokledger.reports.render import to_doc

        with self._lock:
            self._fresh()
            query = self._query()
            since, until = resolve_period(period, today(query.tz), self.workspace.guard.budgets().week_start)
            doc = to_doc(
                self.workspace.report("daily", replace(query, since=since, until=until), parts=False), False
            )
            return {"period": period, "since": since and since.isoformat(), "until": until and until.isoformat(),
                    **doc}  # fmt: skip

    def budget_status(self) -> dict:
        from tokledger.budgets.render import to_document

        with self._lock:
            self._fresh()
            now = datetime.now(UTC)
            statuses = self.workspace.evaluate_budgets(alert=False, now=now)
            return to_document(statuses, now, self.workspace.guard.timezone().key)

    def top_sessions(self, n: int) -> dict:
        from tokledger.reports.render import row_dict

        with self._lock:
            self._fresh()
            report = self.workspace.report("session", self._query())
            rows = sorted(
                report.rows, key=lambda r: (-r.totals.priced_pusd, -r.totals.total_tokens, r.period)
            )
            return {"timezone": report.query.tz.key, "mode": report.query.mode,
                    "sessions": [row_dict(report, row, False) for row in rows[:n]]}  # fmt: skip

    def explain_cost(self, id: str) -> dict:
        from tokledger.reports.render import row_dict

        with self._lock:
            self._fresh()
            query = replace(self._query(), sessions=(id,))
            report = self.workspace.report("session", query)
            if report.rows:
                events = self.workspace.events(query, EXPLAIN_LIMIT)
                return {"found": True, "id": id, "kind": "session", "mode": query.mode,
                        "session": row_dict(report, report.rows[0], "model"),
                        "events": events, "events_shown": len(events), "events_total": report.totals.requests}  # fmt: skip
            events = self.workspace.request_events(id, query.mode)
            if events:
                return {"found": True, "id": id, "kind": "request", "mode": query.mode, "events": events}
            return {"found": False, "id": id}
