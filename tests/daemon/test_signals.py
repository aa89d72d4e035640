"""Signals, in a real daemon process: SIGTERM/SIGINT finish the cycle and exit 0, SIGHUP reloads."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.exporters.conftest import wait_for
from tokledger.daemon import run
from tokledger.daemon.lock import AlreadyRunning
from tokledger.daemon.state import MemoryStore

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent("""
    import sys, time, pathlib
    from tokledger.daemon import logs, run
    from tokledger.daemon.state import MemoryStore

    logs.setup({}, "info")
    events, ledger = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    go = events.with_name("go")
    count = 0

    def note(text):
        with events.open("a") as f:
            f.write(text + "\\n")

    def cycle():
        global count
        count += 1
        note(f"start {count}")
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:  # a slow step, until the test says go
            time.sleep(0.02)
        note(f"end {count}")
        return {}

    def reload():
        note("reload")

    sys.exit(run(cycle, 3600, store=MemoryStore(), ledger_path=ledger, reload=reload))
""")


def start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    script = tmp_path / "daemon_script.py"
    script.write_text(SCRIPT)
    events = tmp_path / "events"
    with (tmp_path / "stderr").open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(events), str(tmp_path / "ledger.db")], stderr=stderr
        )
    return proc, events


def lines(events: Path) -> list[str]:
    return events.read_text().splitlines() if events.exists() else []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_finishes_the_current_cycle_then_exits_0(tmp_path, signum):
    proc, events = start(tmp_path)
    try:
        wait_for(lambda: "start 1" in lines(events), what="the first cycle to start")
        proc.send_signal(signum)
        log = tmp_path / "stderr"
        wait_for(
            lambda: "received: finishing the current cycle" in log.read_text(), what="the signal to be taken"
        )
        (tmp_path / "go").touch()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    assert lines(events) == ["start 1", "end 1"]


def test_sighup_reloads_and_the_lock_is_held_meanwhile(tmp_path):
    (tmp_path / "go").touch()
    proc, events = start(tmp_path)
    try:
        wait_for(lambda: "end 1" in lines(events), what="the first cycle to end")
        with pytest.raises(AlreadyRunning, match=f"pid {proc.pid}"):
            run(dict, 600, once=True, store=MemoryStore(), ledger_path=tmp_path / "ledger.db")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload" in lines(events), what="the reload")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    assert lines(events) == ["start 1", "end 1", "reload"]
