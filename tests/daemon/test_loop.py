"""The daemon loop: --once exit codes, recorded state, the single-instance lock, reloads, logging format."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tokledger.daemon import logs, run
from tokledger.daemon.lock import AlreadyRunning, lock_path_for, single_instance
from tokledger.daemon.main import make_cycle
from tokledger.daemon.state import MemoryStore, read_state
from tokledger.exporters import Outcome


def test_once_exits_0_when_every_step_succeeded(tmp_path):
    store = MemoryStore()
    cycle = make_cycle({"sync": lambda: None, "prometheus": lambda: Outcome.success("pushed")})
    assert (
        run(
            cycle,
            600,
            once=True,
            store=store,
            ledger_path=tmp_path / "ledger.db",
            clock=lambda: 1_750_000_000,
        )
        == 0
    )
    state = read_state(store)
    assert state["last_cycle"] == "2025-06-15T15:06:40+00:00" and state["next_cycle"] is None
    assert state["steps"] == {
        "prometheus": {"last_success": "2025-06-15T15:06:40+00:00", "last_error": None},
        "sync": {"last_success": "2025-06-15T15:06:40+00:00", "last_error": None},
    }


def test_once_exits_1_when_a_step_failed_or_raised(tmp_path):
    def broken():
        raise RuntimeError("disk full")

    store = MemoryStore()
    cycle = make_cycle(
        {"sync": broken, "prometheus": lambda: Outcome.failure("HTTP 401"), "otlp": lambda: None}
    )
    assert run(cycle, 600, once=True, store=store, ledger_path=tmp_path / "l.db") == 1
    steps = read_state(store)["steps"]
    assert steps["sync"]["last_error"]["error"] == "RuntimeError: disk full"
    assert steps["prometheus"]["last_error"]["error"] == "HTTP 401"
    assert steps["otlp"]["last_error"] is None and steps["otlp"]["last_success"]


def test_a_cycle_that_raises_is_a_failure_not_a_crash(tmp_path):
    def cycle():
        raise ValueError("bad")

    store = MemoryStore()
    assert run(cycle, 600, once=True, store=store, ledger_path=tmp_path / "l.db") == 1
    assert json.loads(store.get_state("daemon.cycle.last_error"))["error"] == "ValueError: bad"


def test_one_instance_per_ledger(tmp_path):
    ledger = tmp_path / "ledger.db"
    assert lock_path_for(ledger) == tmp_path / "ledger.db.daemon.lock"
    held = pytest.raises(AlreadyRunning, match=r"already running for this ledger \(pid \d+\)")
    with single_instance(lock_path_for(ledger)), held:
        run(dict, 600, once=True, store=MemoryStore(), ledger_path=ledger)
    assert run(dict, 600, once=True, store=MemoryStore(), ledger_path=ledger) == 0  # released


def test_interval_loop_stops_on_the_stop_flag_and_reloads(tmp_path, monkeypatch):
    from tokledger import daemon

    calls = []
    signals = daemon._Signals()

    def cycle():
        calls.append("cycle")
        if len(calls) == 1:
            signals.reload.set()
            signals.wake.set()
        else:
            signals.stop.set()
        return {}

    def reload():
        calls.append("reload")
        return 0.01

    monkeypatch.setattr(daemon, "_Signals", lambda: signals)
    assert (
        run(
            cycle,
            3600,
            store=MemoryStore(),
            ledger_path=tmp_path / "l.db",
            reload=reload,
            handle_signals=False,
        )
        == 0
    )
    assert calls == ["cycle", "reload", "cycle"]


def test_a_failed_reload_keeps_the_old_settings(caplog):
    from tokledger import daemon

    def reload():
        raise ValueError("config.toml: daemon.interval: must be between 10 and 86400")

    with caplog.at_level(logging.ERROR, logger="tokledger.daemon"):
        assert daemon._reload(reload, 600) == 600
    assert "reload failed, keeping the previous settings" in caplog.text


def test_journald_format_has_priorities_and_no_timestamps():
    stream = io.StringIO()
    logger = logs.setup({"JOURNAL_STREAM": "8:1234"}, "info", stream=stream)
    logging.getLogger("tokledger.daemon").warning("prometheus failed: HTTP 503")
    logging.getLogger("tokledger.daemon").debug("not shown")
    assert stream.getvalue() == "<4>warning: prometheus failed: HTTP 503\n"
    stream = io.StringIO()
    logs.setup({}, "debug", stream=stream)
    logging.getLogger("tokledger.daemon").info("cycle done")
    line = stream.getvalue()
    assert line.endswith(" info: cycle done\n") and line[:4].isdigit()
    assert len([h for h in logger.handlers if getattr(h, "_tokledger_daemon", False)]) == 1
