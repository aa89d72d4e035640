"""Exporters: the ledger's cumulative totals as metrics for the monitoring systems teams already run.

The input is a sequence of :class:`MetricTotal`, one per (source, model, host[, project][, user]), each a
cumulative total since the ledger began. Because values are cumulative, an exporter keeps no state of its
own: a failed push loses nothing (the next cycle recomputes the totals from the ledger and sends them
again) and a restart continues exactly where the last run left off.

Modules (each imports its third-party library only when used, so ``import tokledger`` stays light):

- :mod:`~tokledger.exporters.series`: totals → metric samples (names, labels; the pure core of every exporter)
- :mod:`~tokledger.exporters.tosage`: tosage's day-to-date series, for users of its Grafana dashboard
- :mod:`~tokledger.exporters.prompb` / :mod:`~tokledger.exporters.remote_write`: Prometheus remote write 1.0
- :mod:`~tokledger.exporters.metrics`: a ``/metrics`` endpoint (prometheus-client collector, server, ASGI app)
- :mod:`~tokledger.exporters.otlp`: OTLP/HTTP metrics with the GenAI semantic conventions
- :mod:`~tokledger.exporters.loki`: a logging handler pushing to Loki
- :mod:`~tokledger.exporters.grafana`: the Grafana dashboard
- :mod:`~tokledger.exporters.config` / :mod:`~tokledger.exporters.secrets`: the configuration tables and secrets
- :mod:`~tokledger.exporters.steps`: the configured exporters as named steps of a daemon cycle
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricTotal:
    """Cumulative usage of one (source, model, host[, project][, user]) since the ledger began.

    The four token categories are disjoint (their sum is the ledger's total tokens); ``reasoning_tokens``
    is the part of ``output_tokens`` spent on reasoning. ``cost_pusd`` is the priced cost in integer
    picodollars (1e-12 USD); unpriced requests add nothing to it. ``project`` is set only when the
    project label is enabled, ``user`` only when a person is named (a team ledger).
    """

    source: str
    model: str
    host: str
    project: str | None
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    reasoning_tokens: int
    requests: int
    cost_pusd: int
    user: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What one exporter (or other step of a daemon cycle) did: ``detail`` is one line, never a secret."""

    ok: bool
    detail: str = ""

    @classmethod
    def success(cls, detail: str = "") -> Outcome:
        return cls(True, detail)

    @classmethod
    def failure(cls, detail: str) -> Outcome:
        return cls(False, detail)


__all__ = ["MetricTotal", "Outcome"]
