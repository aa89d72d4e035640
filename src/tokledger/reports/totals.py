"""The ledger's sums as :class:`~tokledger.exporters.MetricTotal` rows: what the exporters send.

- :func:`lifetime`: cumulative totals since the ledger began, per source and model (and project when
  asked), read from ``rollup_total``;
- :func:`day`: the totals of one local day of a zone, read from ``rollup_day`` when the ledger keeps that
  zone's days, else from the quarter-hours (``rollup_qh_model``, or ``rollup_qh`` per project).

Costs are the priced part in the configured cost mode (unpriced requests add tokens and requests but no
cost), in exact picodollars. ``host`` and ``user`` are given by the caller: a personal ledger is one
machine's. A team ledger (PostgreSQL) holds many machines, so there each total is per host as well, labelled
with the host its events came from.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tokledger.exporters import MetricTotal
from tokledger.ledger import Ledger, queries
from tokledger.ledger.queries import EventFilter
from tokledger.reports.periods import day_number, local_midnight_ms


def _totals(groups: list[queries.Group], host: str, user: str | None, by_project: bool) -> list[MetricTotal]:
    out = []
    for g in groups:
        inp, outp, cache_write, _cache_write_1h, cache_read, reasoning = g.tokens
        project = g.value if by_project else None
        out.append(MetricTotal(g.source, g.model, g.part or host, project, inp, outp, cache_write, cache_read,
                               reasoning, g.requests, g.cost_pusd, user))  # fmt: skip
    out.sort(key=lambda t: (t.source, t.model, t.project or "", t.host))
    return out


def lifetime(ledger: Ledger, mode: str, *, host: str, user: str | None = None,
             by_project: bool = False) -> list[MetricTotal]:  # fmt: skip
    """Every (source, model[, project]) since the ledger began."""
    groups = queries.usage(ledger, EventFilter(), "project" if by_project else None, mode, by=_by(ledger))
    return _totals(groups, host, user, by_project)


def _by(ledger: Ledger) -> str | None:
    return "host" if ledger.dialect.postgres else None


def day(ledger: Ledger, zone: ZoneInfo, when: date, mode: str, *, host: str, user: str | None = None,
        by_project: bool = False) -> list[MetricTotal]:  # fmt: skip
    """Every (source, model[, project]) of the local day ``when`` in ``zone``."""
    number = day_number(when)
    f = EventFilter(
        start_ms=local_midnight_ms(when, zone),
        end_ms=local_midnight_ms(when + timedelta(days=1), zone),
        zone=zone.key,
        first_day=number,
        last_day=number,
    )
    groups = queries.usage(ledger, f, "project" if by_project else None, mode, by=_by(ledger))
    return _totals(groups, host, user, by_project)
