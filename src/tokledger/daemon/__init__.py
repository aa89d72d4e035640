"""The daemon: run a cycle (sync, evaluate budgets, export) every interval, one instance per ledger.

:func:`run` is the loop; what a cycle does is injected (``cycle`` returns one
:class:`~tokledger.exporters.Outcome` per step), so the loop knows nothing about the ledger beyond a
state store with ``get_state(key) -> str | None`` and ``set_state(key, value)``. Behaviour:

- one instance per ledger: an exclusive ``flock`` on ``<ledger>.daemon.lock`` (:mod:`.lock`);
- SIGTERM or SIGINT: the current cycle finishes, then the loop exits 0 (a second signal exits at once);
- SIGHUP: ``reload()`` is called before the next wait (it may return a new interval); a failed reload
  is logged and the old settings are kept;
- ``once``: one cycle, exit status 0 when every step succeeded, 1 otherwise;
- state written after each cycle (keys in :mod:`.state`), for ``tokledger daemon status``.

:mod:`.logs` sets up stderr logging (journald-friendly) and :mod:`.service` installs the user service.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tokledger.daemon.lock import lock_path_for, single_instance
from tokledger.daemon.state import StateStore, record_cycle
from tokledger.exporters import Outcome

Cycle = Callable[[], Mapping[str, Outcome]]
log = logging.getLogger("tokledger.daemon")


class _Signals:
    """Flags set by signal handlers; the loop reads them between cycles."""

    def __init__(self):
        self.stop = threading.Event()
        self.reload = threading.Event()
        self.wake = threading.Event()
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self._on_stop)
        if hasattr(signal, "SIGHUP"):
            self._previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_hup)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _on_stop(self, signum, frame) -> None:
        if self.stop.is_set():
            raise SystemExit(128 + signum)  # asked twice: do not wait for the cycle
        log.info("%s received: finishing the current cycle, then exiting", signal.Signals(signum).name)
        self.stop.set()
        self.wake.set()

    def _on_hup(self, signum, frame) -> None:
        self.reload.set()
        self.wake.set()


def run_cycle(cycle: Cycle) -> dict[str, Outcome]:
    """One cycle; an exception escaping it becomes the failure of a step named ``cycle``."""
    try:
        return dict(cycle())
    except Exception as exc:  # the daemon must outlive any one failing cycle
        log.exception("cycle failed")
        return {"cycle": Outcome.failure(f"{type(exc).__name__}: {exc}")}


def run(
    cycle: Cycle,
    interval: float,
    once: bool = False,
    *,
    store: StateStore,
    ledger_path: Path,
    reload: Callable[[], float | None] | None = None,
    clock: Callable[[], float] = time.time,
    handle_signals: bool = True,
) -> int:
    """Run cycles every ``interval`` seconds until a stop signal; the process exit status.

    Raises :class:`~tokledger.daemon.lock.AlreadyRunning` when another daemon holds the ledger's lock.
    """
    signals = _Signals()
    with single_instance(lock_path_for(ledger_path)):
        if handle_signals:
            signals.install()
        try:
            return _loop(cycle, interval, once, store, reload, clock, signals)
        finally:
            if handle_signals:
                signals.restore()


def _loop(cycle, interval, once, store, reload, clock, signals: _Signals) -> int:
    log.info("started (every %s s%s)", _seconds(interval), ", once" if once else "")
    while True:
        started = clock()
        outcomes = run_cycle(cycle)
        failed = sorted(name for name, outcome in outcomes.items() if not outcome.ok)
        next_at = None if once else started + interval
        record_cycle(store, started, clock(), next_at, outcomes)
        for name, outcome in sorted(outcomes.items()):
            if outcome.ok:
                log.debug("%s: %s", name, outcome.detail or "ok")
            else:
                log.warning("%s failed: %s", name, outcome.detail)
        log.info("cycle done: %s", f"{len(failed)} failed ({', '.join(failed)})" if failed else "all ok")
        if once:
            return 1 if failed else 0
        while not signals.stop.is_set():
            remaining = started + interval - clock()
            if remaining <= 0:
                break
            signals.wake.wait(remaining)
            signals.wake.clear()
            if signals.reload.is_set() and not signals.stop.is_set():
                signals.reload.clear()
                interval = _reload(reload, interval)
        if signals.stop.is_set():
            log.info("stopped")
            return 0


def _reload(reload: Callable[[], float | None] | None, interval: float) -> float:
    if reload is None:
        log.info("SIGHUP: nothing to reload")
        return interval
    try:
        new = reload()
    except Exception as exc:  # noqa: BLE001 - a bad edit of the configuration must not kill the daemon
        log.error("reload failed, keeping the previous settings: %s", exc)
        return interval
    log.info("configuration reloaded")
    return interval if new is None else new


def _seconds(value: float) -> str:
    return f"{value:g}"


__all__ = ["Cycle", "StateStore", "run", "run_cycle"]
