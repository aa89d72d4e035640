"""The guard on a real workspace: budgets after every sync that records, captured events merged into the
ledger with exact rollups, one transcript read from its checkpoint, and the plan's rate limits kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.conftest import FIXTURES, install_fixture
from tokledger.config import Config
from tokledger.events import UsageEvent
from tokledger.ledger import guard as lg
from tokledger.statusline import RateLimits, RateWindow
from tokledger.workspace import Workspace, check_budgets

TRANSCRIPT = ".claude/projects/-home-dev-acme-api/sess-a.jsonl"
SECTIONS = {"budgets": {"sessions": {"sess-a": {"lifetime_usd": 0.01}}}, "alerts": {"desktop": False}}


@pytest.fixture
def guarded(env, tmp_path):
    """A workspace whose configuration limits session sess-a to a cent, alerts on stderr only."""
    ws = Workspace(env, db_path=tmp_path / "ledger.db", config=Config(timezone="UTC", sections=SECTIONS))
    yield ws
    ws.close()


def test_budgets_are_evaluated_after_every_sync_that_records(guarded, home, capsys):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", TRANSCRIPT)
    guarded.sync(jobs=1)
    line = "tokledger: budget reached: session sess-a lifetime budget: $0.0487 of $0.0100 (487.1 %)"
    assert capsys.readouterr().err.startswith(line)
    guarded.sync(jobs=1)  # nothing new: nothing evaluated
    path = home / TRANSCRIPT
    path.write_text(path.read_text() + (FIXTURES / "claude_code" / "cache_1h.jsonl").read_text())
    guarded.sync(jobs=1)  # recorded, evaluated, but the level has alerted in this period already
    assert capsys.readouterr().err == ""
    [status] = guarded.evaluate_budgets(alert=False)
    assert status.level == "stop" and status.session == "sess-a"
    assert sorted(k.rsplit(":", 1)[1] for k in lg.claimed(guarded.ledger)) == ["stop", "warn"]


def test_without_budgets_a_sync_evaluates_nothing(workspace, home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", TRANSCRIPT)
    assert check_budgets in workspace.after_sync
    workspace.sync(jobs=1)
    assert workspace.evaluate_budgets() == [] and lg.claimed(workspace.ledger) == []


def _tmux(key: str, when: datetime, inp: int, out: int) -> UsageEvent:
    return UsageEvent(source="tmux", key=key, timestamp=when, model="gemini-2.5-pro", input_tokens=inp,
                      output_tokens=out, session_id="g1", project="/w", provider="gemini")  # fmt: skip


def test_recorded_running_totals_keep_their_maxima_and_the_rollups_stay_exact(workspace):
    t0 = datetime(2025, 6, 2, 10, tzinfo=UTC)
    assert (
        workspace.record([_tmux("tmux:gemini:g1:m", t0, 100, 10), _tmux("tmux:gemini:g1:m", t0, 90, 20)]) == 1
    )
    assert workspace.record([_tmux("tmux:gemini:g1:m", t0 + timedelta(minutes=5), 400, 15)]) == 1
    assert workspace.record([_tmux("tmux:gemini:g1:m", t0 + timedelta(minutes=9), 400, 15)]) == 0
    [event] = workspace.events(workspace.query({"source": "tmux"}), None)
    assert (event["input_tokens"], event["output_tokens"], event["timestamp"]) == (
        400,
        20,
        "2025-06-02T10:00:00Z",
    )
    assert event["cost_usd"] is not None and workspace.ledger.rollup_differences() == []


def test_a_captured_copy_of_a_logged_request_counts_once(workspace, home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", TRANSCRIPT)
    workspace.sync(jobs=1)
    before = workspace.report("model", workspace.query({})).totals
    [logged] = [e for e in workspace.events(workspace.query({}), None) if e["key"] == "msg_01A"]
    copy = UsageEvent(source="claude_code", key="msg_01A", timestamp=datetime(2030, 1, 1, tzinfo=UTC),
                      model=logged["model"], output_tokens=1)  # fmt: skip
    assert workspace.record([copy]) == 0
    assert workspace.report("model", workspace.query({})).totals == before
    assert workspace.ledger.rollup_differences() == []


def test_one_transcript_is_read_from_its_checkpoint(workspace, home, env, tmp_path):
    path = install_fixture(home, "claude_code", "streaming_multiline.jsonl", TRANSCRIPT)
    assert workspace.ingest_file("claude_code", path) is True
    assert workspace.ingest_file("claude_code", path) is False
    path.write_text(path.read_text() + (FIXTURES / "claude_code" / "cache_1h.jsonl").read_text())
    assert workspace.ingest_file("claude_code", str(path)) is True
    assert workspace.ingest_file("claude_code", home / "missing.jsonl") is False
    [state] = workspace.ledger.file_states("claude_code").values()
    assert state.offset == path.stat().st_size and workspace.ledger.rollup_differences() == []
    full = Workspace(env, db_path=tmp_path / "full.db", config=Config())
    full.sync(jobs=1)
    mine, theirs = (w.events(w.query({}), None) for w in (workspace, full))
    assert mine == theirs and len(mine) > 1
    assert full.sync(jobs=1).changed is False  # the sync sees the file the hook read as its own
    full.close()


def _drop(folder, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


DECK = ('{"instance_id": "deck-1", "model": "claude-sonnet-4-5", "input_tokens": 100, "output_tokens": 50, '
        '"cache_read_tokens": 0, "cache_write_tokens": 0, "ts": 1748858400000000000, "cost_usd": 1.25}')  # fmt: skip


def test_every_sync_reads_the_drop_directory(run_cli, home):
    folder = home / ".local/share/tokledger/cost-events"
    assert "drop_dir: 0 files, 0 read" in run_cli("sync").stdout  # no directory yet: nothing to read
    _drop(folder, "a.json", DECK)
    _drop(folder, "b.json", "[1]")
    out = run_cli("sync", "-v").stdout
    assert "drop_dir: 2 files, 1 read, 1 events recorded" in out and f"new       {folder / 'a.json'}" in out
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == ["b.json", "b.json.reason"]
    report = run_cli("daily", "--source", "drop_dir", "--json", "--no-sync").stdout
    assert '"cost_usd": 1.25' in report
    status = run_cli("sources", "--json", "--no-sync").stdout
    assert (
        '"source": "drop_dir"' in status and "1 file rejected" in status and '"source": "tmux"' not in status
    )
    _drop(folder, "again.json", DECK)  # the same content again: the same event
    assert "drop_dir: 1 files, 1 read, 0 events recorded" in run_cli("sync").stdout


def test_the_drop_directory_is_watched(workspace, home):
    import threading
    import time

    stop = threading.Event()
    thread = workspace.watch_capture(stop)
    folder = home / ".local/share/tokledger/cost-events"
    try:
        deadline = time.monotonic() + 60
        while not folder.is_dir() and time.monotonic() < deadline:
            time.sleep(0.02)
        _drop(folder, "a.json", DECK)
        while workspace.ledger.count_events("drop_dir") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    thread.join(timeout=60)
    assert workspace.ledger.count_events("drop_dir") == 1 and not (folder / "a.json").exists()


def test_rate_limits_are_kept_and_shown_by_blocks_and_live(run_cli, home, tmp_path, env):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", TRANSCRIPT)
    run_cli("sync")
    now = datetime.now(UTC)
    resets = int(now.timestamp()) + 3600
    ws = Workspace(env, db_path=tmp_path / "cli.db", config=Config())
    ws.guard.keep_rate_limits(RateLimits("sess-a", int(now.timestamp() * 1000), RateWindow(37.0, resets),
                                         RateWindow(91.5, None)))  # fmt: skip
    doc = run_cli("blocks", "--json", "--no-sync").stdout
    assert '"rate_limits": {' in doc and '"used_percent": 37.0' in doc and '"used_percent": 91.5' in doc
    table = run_cli("blocks", "--no-sync").stdout
    assert "plan usage (Claude Code): 5-hour 37% (resets " in table and "7-day 92%" in table

    from tokledger.tui.refresh import Refresher, View

    snapshot = Refresher(ws, ws.query({})).cycle(View(), sync=False)
    assert [(w.window, w.used_percent) for w in snapshot.dashboard.plan] == [
        ("five_hour", 37.0),
        ("seven_day", 91.5),
    ]
    ws.close()


def test_a_notice_shows_in_sources(run_cli, tmp_path, env):
    ws = Workspace(env, db_path=tmp_path / "cli.db", config=Config())
    ws.guard.notice("tokledger hook Stop: OSError: disk on fire")
    ws.close()
    out = run_cli("sources", "--no-sync").stdout
    assert "claude_code: " in out and "tokledger hook Stop: OSError: disk on fire" in out


def test_logged_costs_reach_the_budget_sums(workspace):
    e = UsageEvent(
        source="drop_dir", key="x", timestamp=datetime.now(UTC), model="m", logged_cost_usd=Decimal(3)
    )
    workspace.record([e])
    sums = workspace.guard.usage_sums().sums(start_ms=None, end_ms=None)
    assert (sums.cost_pusd, sums.requests) == (3 * 10**12, 1)


@pytest.mark.slow
def test_two_processes_evaluating_one_ledger_never_both_alert(tmp_path, env):
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.budgets.test_webhooks import Server

    srv = Server([])
    config = tmp_path / "config.toml"
    config.write_text(f'timezone = "UTC"\n[budgets.sessions.racer]\nlifetime_usd = 10\n'
                      f'[alerts]\ndesktop = false\nstderr = false\n[[alerts.webhooks]]\nurl = "{srv.url}"\n')  # fmt: skip
    db = tmp_path / "ledger.db"
    with Workspace(env, db_path=db, config=Config()) as setup:
        setup.record([UsageEvent(source="drop_dir", key="spent", timestamp=datetime.now(UTC), model="m",
                                 session_id="racer", logged_cost_usd=Decimal("8.5"))])  # fmt: skip
    names = [f"p{i}" for i in range(6)]
    root = Path(__file__).parent.parent.parent
    procs = [subprocess.Popen([sys.executable, "-m", "tests.guard.alert_racer", str(db), str(config), str(tmp_path),
                               name], cwd=root) for name in names]  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"{n}.ready").exists() for n in names) and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "go").touch()
        assert [p.wait(timeout=120) for p in procs] == [0] * len(names)
    finally:
        for p in procs:
            p.kill()
        srv.close()
    assert [body["level"] for _, _, body in srv.received] == ["warn"]  # one of six processes sent it, once
    with Workspace(env, db_path=db, config=Config()) as after:
        assert [k.rsplit(":", 1)[1] for k in lg.claimed(after.ledger)] == ["warn"]
