"""Test doubles for the seams the core implements: usage sums, the status-line data and a recorder."""

from __future__ import annotations

from dataclasses import dataclass, field

from tokledger.budgets import Sums, project_matches
from tokledger.budgets.periods import to_ms

PUSD = 10**12


@dataclass
class Row:
    ts_ms: int
    tokens: int
    cost_pusd: int | None
    source: str = "claude_code"
    project: str | None = None
    session: str | None = None


@dataclass
class EventSums:
    """:class:`~tokledger.budgets.UsageSums` over a list of rows, scanning them (fine for tests only)."""

    rows: list[Row] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)

    def add(self, when, *, usd: float | None = 0.0, tokens: int = 0, **kw) -> None:
        cost = None if usd is None else round(usd * PUSD)
        self.rows.append(Row(to_ms(when) if not isinstance(when, int) else when, tokens, cost, **kw))

    def _select(self, start_ms, end_ms, sources=(), project_globs=(), session=None):
        for r in self.rows:
            if start_ms is not None and r.ts_ms < start_ms or end_ms is not None and r.ts_ms >= end_ms:
                continue
            if sources and r.source not in sources:
                continue
            if project_globs and not project_matches(r.project, project_globs):
                continue
            if session is not None and r.session != session:
                continue
            yield r

    def sums(self, *, start_ms, end_ms, sources=(), project_globs=(), session=None) -> Sums:
        call = {"start_ms": start_ms, "end_ms": end_ms, "sources": sources, "project_globs": project_globs}
        self.calls.append({**call, "session": session})
        rows = list(self._select(start_ms, end_ms, sources, project_globs, session))
        return Sums(
            cost_pusd=sum(r.cost_pusd or 0 for r in rows),
            tokens=sum(r.tokens for r in rows),
            requests=len(rows),
            unpriced=sum(r.cost_pusd is None for r in rows),
        )

    def sessions(self, *, start_ms, end_ms) -> list[str]:
        return sorted({r.session for r in self._select(start_ms, end_ms) if r.session})
