"""``tokledger live`` on the command line: options reach the dashboard, the first sync happens before it
starts, a broken source is not fatal, and a bad ledger fails in one line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import tokledger.tui
from tests.tui.conftest import NOW, Transcripts
from tokledger.sources import SOURCES
from tokledger.tui.refresh import View


def _capture(monkeypatch) -> dict:
    seen: dict = {}

    def fake_run(refresher, *, refresh):
        seen.update(refresher=refresher, query=refresher.query, refresh=refresh)
        return 0

    monkeypatch.setattr(tokledger.tui, "run", fake_run)
    return seen


def test_live_passes_the_filters_and_the_refresh(run_cli, monkeypatch):
    seen = _capture(monkeypatch)
    run_cli(
        "live",
        "--source",
        "claude_code",
        "--project",
        "app",
        "--timezone",
        "Europe/Berlin",
        "--refresh",
        "2.5",
    )
    q = seen["query"]
    assert (q.sources, q.projects, q.tz.key, seen["refresh"]) == (
        ("claude_code",),
        ("app",),
        "Europe/Berlin",
        2.5,
    )
    assert q.since is None and q.until is None


def test_live_defaults_and_bad_options(run_cli, monkeypatch):
    seen = _capture(monkeypatch)
    run_cli("live")
    assert seen["refresh"] == 10
    assert "unknown source 'nope'" in run_cli("live", "--source", "nope", expect=2).output
    assert "--refresh" in run_cli("live", "--refresh", "0", expect=2).output


def test_live_syncs_first_and_a_broken_source_is_not_fatal(run_cli, home, monkeypatch):
    def boom(env):
        raise RuntimeError("boom")

    monkeypatch.setitem(SOURCES, "broken", replace(SOURCES["claude_code"], name="broken", discover=boom))
    Transcripts(home).add(NOW, out=4321)
    seen = _capture(monkeypatch)
    run_cli("live")
    refresher = seen["refresher"]
    assert refresher.failing == {"broken": "RuntimeError: boom"}
    assert refresher.cycle(View(), sync=False).dashboard.usage.lifetime.output_tokens == 4321


def test_live_exits_with_one_line_when_the_ledger_cannot_be_opened(run_cli, tmp_path, monkeypatch):
    seen = _capture(monkeypatch)
    bad = tmp_path / "not-a-ledger.db"
    bad.write_bytes(b"this is not an SQLite file" * 100)
    result = run_cli("live", env={"TOKLEDGER_DB": str(bad)}, expect=1)
    assert result.output.strip().splitlines() == [
        f"Error: cannot open the ledger {bad}: file is not a database"
    ]
    assert not seen


def test_reports_do_not_import_textual():
    code = "import sys, tokledger.cli, tokledger.tui; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
