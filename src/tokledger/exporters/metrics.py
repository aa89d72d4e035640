"""``/metrics``: the totals in Prometheus's text exposition format, for a Prometheus that scrapes.

The series are those of remote write (:mod:`tokledger.exporters.series`), computed at each scrape from a
callable returning the current ``Sequence[MetricTotal]``; with ``compat = "tosage"`` a second callable
gives today's totals for tosage's gauges. Three ways to expose them:

- :func:`registry` + :class:`TotalsCollector`: a ``prometheus_client`` registry to use anywhere;
- :func:`serve`: a small HTTP server in a background thread (the daemon's ``--metrics-port``);
- :func:`asgi_app`: an ASGI app to mount in Starlette (``Mount("/metrics", app=asgi_app(...))``);
- :func:`render`: the exposition of a registry as bytes, for a route of one's own (``tokledger serve``
  answers ``/metrics`` in its thread pool with it, so a scrape never holds up the event loop).

The callables run on the server's thread at each scrape, so they must be safe to call from there (for
example open their own ledger connection). A callable that raises makes the scrape fail (HTTP 500)
rather than answer with partial or zero values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tokledger.exporters import MetricTotal, tosage
from tokledger.exporters.series import HELP, samples

TotalsFn = Callable[[], Sequence[MetricTotal]]
TosageFn = Callable[[], tuple[Sequence[MetricTotal], tosage.TosageDay]]

_TOSAGE_HELP = "tosage-compatible gauge: tokens used today (reporting time zone)."


class TotalsCollector:
    """A ``prometheus_client`` collector over ``totals`` (and, optionally, tosage's day-to-date gauges)."""

    def __init__(self, totals: TotalsFn, tosage_today: TosageFn | None = None):
        self._totals = totals
        self._tosage_today = tosage_today

    def collect(self):
        from prometheus_client.metrics_core import Metric

        families: dict[str, Metric] = {}
        for sample in samples(self._totals()):
            base = sample.name.removesuffix("_total")
            family = families.get(base)
            if family is None:
                family = families[base] = Metric(base, HELP[sample.name], "counter")
            family.add_sample(sample.name, dict(sample.labels), sample.value)
        if self._tosage_today is not None:
            today, day = self._tosage_today()
            for sample in tosage.samples(today, day):
                family = families.get(sample.name)
                if family is None:
                    family = families[sample.name] = Metric(sample.name, _TOSAGE_HELP, "gauge")
                family.add_sample(sample.name, dict(sample.labels), sample.value)
        yield from families.values()

    def describe(self):
        # No families up front: registering must not read the ledger.
        return []


def registry(totals: TotalsFn, tosage_today: TosageFn | None = None):
    """A fresh ``CollectorRegistry`` holding only tokledger's series (no process or Python metrics)."""
    from prometheus_client import CollectorRegistry

    reg = CollectorRegistry(auto_describe=False)
    reg.register(TotalsCollector(totals, tosage_today))
    return reg


def serve(totals: TotalsFn, port: int, host: str = "127.0.0.1", tosage_today: TosageFn | None = None):
    """Serve ``/metrics`` on ``host:port`` in a daemon thread; returns the server (``server_port``,
    ``shutdown()``). Port 0 picks a free one."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=registry(totals, tosage_today))
    return server


def render(reg, accept: str = "") -> tuple[bytes, str]:
    """The exposition of ``reg`` in the format the ``Accept`` header asks for (Prometheus text, or
    OpenMetrics), and its content type."""
    from prometheus_client.exposition import choose_encoder

    encoder, content_type = choose_encoder(accept)
    return encoder(reg), content_type


def asgi_app(totals: TotalsFn, tosage_today: TosageFn | None = None):
    """An ASGI app answering with the exposition (mount it at ``/metrics``)."""
    from prometheus_client import make_asgi_app

    return make_asgi_app(registry(totals, tosage_today))
