"""``tokledger daemon run`` as a library call: configuration, logging, exporters and ``/metrics`` around :func:`run`.

The core provides a :class:`Host` (the workspace): the ledger's path (for the lock), the state store, and
the callables a cycle needs. A cycle runs, in order, ``sync``, ``budgets`` (when the host evaluates
budgets) and each configured exporter (``prometheus``, ``otlp``); each step's failure is recorded and the
others still run. SIGHUP re-reads the configuration file: the host's own settings (``reload_config``),
exporters, Loki and the interval change without a restart (``/metrics`` keeps its port).
"""

from __future__ import annotations

import logging
import socket
import threading
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from tokledger.daemon import logs, run
from tokledger.daemon.steps import SyncStep, as_outcome
from tokledger.errors import ConfigError
from tokledger.exporters import MetricTotal, Outcome
from tokledger.exporters import config as exporters_config

log = logging.getLogger("tokledger.daemon")
Step = Callable[[], Outcome | None]


class Host(Protocol):
    """What the daemon needs from the core (a workspace): the ledger, its state and the cycle's work.

    Optional, used when present: ``evaluate_budgets()`` (the ``budgets`` step; an :class:`Outcome`, or
    anything else for a success) and ``reload_config()`` (called on SIGHUP).
    """

    db_path: Path

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...

    def sync(self, *, jobs: int | None = None) -> object:
        """Read new usage into the ledger (``jobs``: parser processes): a sync report (per source
        ``read``, ``events``, ``skipped``, ``notices``), or an :class:`Outcome`, or ``None`` for a success."""

    def metric_totals(self) -> Sequence[MetricTotal]:
        """Cumulative totals per (source, model, host[, project][, user]); callable from any thread."""

    def today_totals(self, zone: ZoneInfo) -> Sequence[MetricTotal]:
        """Totals since midnight in ``zone`` (only for ``compat = "tosage"``)."""


def make_cycle(steps: Mapping[str, Step]) -> Callable[[], dict[str, Outcome]]:
    """A cycle running ``steps`` in order; an exception in one is that step's failure, not the cycle's."""

    def cycle() -> dict[str, Outcome]:
        outcomes = {}
        for name, step in steps.items():
            try:
                outcome = step()
            except Exception as exc:  # one broken step must not stop the others
                log.debug("%s raised", name, exc_info=True)
                outcome = Outcome.failure(f"{type(exc).__name__}: {exc}")
            outcomes[name] = outcome if outcome is not None else Outcome.success()
        return outcomes

    return cycle


def read_config(path: Path, home: Path | None = None) -> exporters_config.ExportersConfig:
    """The exporter and daemon settings of the configuration file (a missing file: all off)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return exporters_config.ExportersConfig(path=path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
    return exporters_config.load(doc, path, home=home)


class Daemon:
    """Holds what a reload replaces: the configuration, the exporters and the Loki handler."""

    def __init__(
        self,
        host: Host,
        config_path: Path,
        environ: Mapping[str, str],
        *,
        home: Path | None = None,
        hostname: str | None = None,
        zone_name: str | None = None,
        log_level: str | None = None,
    ):
        self.host = host
        self.config_path = config_path
        self.environ = environ
        self.home = home
        self.hostname = hostname or socket.gethostname()
        self.zone_name = zone_name
        self.log_level = log_level
        self.exporters = None
        self.loki = None
        self.config = None
        self.sync = SyncStep(host.sync)
        self._prices_tried = -86_400.0

    def load(self) -> float:
        """(Re)read the configuration and rebuild exporters and logging; the interval in seconds."""
        from tokledger.exporters.steps import Exporters, loki_handler

        config = read_config(self.config_path, self.home)
        reload = getattr(self.host, "reload_config", None)
        if self.config is not None and reload is not None:
            reload()  # after the exporters' tables passed, so a refused file changes nothing
        exporters = Exporters(
            config,
            self.host.metric_totals,
            self.environ,
            today=self.host.today_totals,
            zone_name=self.zone_name,
        )
        loki = loki_handler(config, self.hostname, self.environ)
        logs.setup(self.environ, self.log_level or config.daemon.log_level, extra=loki)
        self.close_exporters()
        self.config, self.exporters, self.loki = config, exporters, loki
        return config.daemon.interval

    def steps(self) -> dict[str, Step]:
        steps: dict[str, Step] = {"sync": self.sync}
        budgets = getattr(self.host, "evaluate_budgets", None)
        if budgets is not None:
            steps["budgets"] = lambda: as_outcome(budgets())
        providers = getattr(self.host, "sync_providers", None)
        if providers is not None:
            steps["providers"] = lambda: providers_outcome(providers(only_due=True))
        prices = getattr(self.host, "update_prices_if_due", None)
        if prices is not None:
            steps["prices"] = lambda: self._prices(prices)
        push = getattr(self.host, "push_if_configured", None)
        if push is not None:
            steps["push"] = lambda: as_outcome(push())
        return {**steps, **self.exporters.steps()}

    def _prices(self, update: Callable[[], object]) -> Outcome:
        """At most one look a day from this process, even when each look fails (offline)."""
        import time

        if time.monotonic() - self._prices_tried < 86_400:
            return Outcome.success()
        self._prices_tried = time.monotonic()
        return prices_outcome(update)

    def close_exporters(self) -> None:
        if self.exporters is not None:
            self.exporters.close()
        if self.loki is not None:
            logging.getLogger("tokledger").removeHandler(self.loki)
            self.loki.close()

    def serve_metrics(self, port: int, host: str):
        from tokledger.exporters import metrics

        compat = self.config.prometheus is not None and self.config.prometheus.compat == "tosage"
        tosage_today = (lambda: self.exporters.tosage_today()) if compat else None
        server = metrics.serve(self.host.metric_totals, port, host, tosage_today=tosage_today)
        log.info("serving /metrics on http://%s:%d/metrics", host, server.server_port)
        return server


def providers_outcome(reports) -> Outcome:
    """The providers step: a failure names the providers whose sync failed (their errors are logged)."""
    failed = [r.provider for r in reports or () if getattr(r, "error", None)]
    for report in reports or ():
        if getattr(report, "error", None):
            log.warning("%s: %s", report.provider, report.error)
        elif getattr(report, "records", 0):
            log.info("%s: %d billed records", report.provider, report.records)
    return Outcome.failure(f"providers failed: {', '.join(failed)}") if failed else Outcome.success()


def prices_outcome(update: Callable[[], object]) -> Outcome:
    """The daily look for newer price data. Being offline is not a failure of the daemon: the prices in use
    stay, the reason is logged, and the next cycle looks again."""
    try:
        update()
    except Exception as exc:  # noqa: BLE001 -- a network or data problem keeps the current prices
        log.warning("price data not updated: %s", exc)
    return Outcome.success()


def serve(
    host: Host,
    config_path: Path,
    environ: Mapping[str, str],
    *,
    once: bool = False,
    interval: float | None = None,
    metrics_port: int | None = None,
    metrics_host: str | None = None,
    home: Path | None = None,
    hostname: str | None = None,
    zone_name: str | None = None,
    log_level: str | None = None,
) -> int:
    """Run the daemon until stopped (or one cycle with ``once``); the process exit status.

    ``interval``, ``metrics_port`` and ``metrics_host`` override the ``[daemon]`` table. Raises
    :class:`ConfigError` for a bad configuration and
    :class:`~tokledger.daemon.lock.AlreadyRunning` when another daemon serves the same ledger.
    """
    daemon = Daemon(
        host, config_path, environ, home=home, hostname=hostname, zone_name=zone_name, log_level=log_level
    )
    every = interval or daemon.load()
    if interval:
        daemon.load()
    server = None
    port = metrics_port if metrics_port is not None else daemon.config.daemon.metrics_port
    stop, watcher = threading.Event(), None
    try:
        if port is not None and not once:
            server = daemon.serve_metrics(port, metrics_host or daemon.config.daemon.metrics_host)
        watch = getattr(host, "watch_capture", None)
        if watch is not None and not once:  # files dropped between cycles are recorded as they land
            watcher = watch(stop)

        def cycle():
            return make_cycle(daemon.steps())()

        def reload() -> float | None:
            new = daemon.load()
            return interval or new

        return run(cycle, every, once, store=host, ledger_path=host.db_path, reload=reload)
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=10)
        if server is not None:
            server.shutdown()
            server.server_close()
        daemon.close_exporters()
