"""The configured exporters as named steps of a daemon cycle: ``{"prometheus": step, "otlp": step, ...}``.

Each step reads the totals through the callables it is given (the ledger is the only state) and returns an
:class:`~tokledger.exporters.Outcome`. Loki is not a step: it is a logging handler
(:func:`loki_handler`), attached once, that ships the daemon's own log lines as they happen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from tokledger.exporters import MetricTotal, Outcome
from tokledger.exporters.config import ExportersConfig
from tokledger.exporters.series import samples
from tokledger.exporters.tosage import TosageDay

TotalsFn = Callable[[], Sequence[MetricTotal]]
TodayFn = Callable[[ZoneInfo], Sequence[MetricTotal]]


class Exporters:
    """The exporters of one configuration; :meth:`steps` gives the cycle's callables, :meth:`close` ends them.

    ``totals()`` returns the cumulative totals; ``today(zone)`` returns the totals since midnight in
    ``zone`` and is only called with ``compat = "tosage"``. ``zone_name`` is the reporting time zone
    (``None``: the system's, labelled ``detection_method="system"``).
    """

    def __init__(
        self,
        config: ExportersConfig,
        totals: TotalsFn,
        environ: Mapping[str, str],
        *,
        today: TodayFn | None = None,
        zone_name: str | None = None,
        client=None,
    ):
        self.config = config
        self._totals = totals
        self._today = today
        self._zone_name = zone_name
        self._environ = environ
        self._client = client
        self._writer = None
        self._otlp = None

    def tosage_today(self) -> tuple[Sequence[MetricTotal], TosageDay]:
        """Today's totals and the labels of the reporting day, for tosage's gauges."""
        from tokledger.reports.periods import system_zone

        zone = ZoneInfo(self._zone_name) if self._zone_name else system_zone()
        now = datetime.now(zone)
        name = self._zone_name or zone.key
        return (self._today(zone) if self._today else ()), TosageDay.at(
            now, name, configured=bool(self._zone_name)
        )

    def _prometheus(self) -> Outcome:
        from tokledger.exporters import tosage
        from tokledger.exporters.remote_write import RemoteWriter

        if self._writer is None:
            self._writer = RemoteWriter(self.config.prometheus, self._environ, client=self._client)
        out = samples(self._totals())
        if self.config.prometheus.compat == "tosage":
            today, day = self.tosage_today()
            out += tosage.samples(today, day)
        return self._writer.push(out)

    def _otlp_export(self) -> Outcome:
        from tokledger.exporters.otlp import OtlpExporter

        if self._otlp is None:
            self._otlp = OtlpExporter(self.config.otlp, self._totals, self._environ)
        return self._otlp.export()

    def steps(self) -> dict[str, Callable[[], Outcome]]:
        steps: dict[str, Callable[[], Outcome]] = {}
        if self.config.prometheus is not None:
            steps["prometheus"] = self._prometheus
        if self.config.otlp is not None:
            steps["otlp"] = self._otlp_export
        return steps

    def close(self) -> None:
        for exporter in (self._writer, self._otlp):
            if exporter is not None:
                exporter.close()


def loki_handler(config: ExportersConfig, host: str, environ: Mapping[str, str]):
    """A started :class:`~tokledger.exporters.loki.LokiHandler`, or ``None`` when Loki is not configured."""
    if config.loki is None:
        return None
    from tokledger.exporters.loki import LokiHandler

    return LokiHandler(config.loki, host, environ)
