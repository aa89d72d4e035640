"""The dashboard driven through Textual's pilot at 80×24: keys, live updates, empty and failing sources."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.tui.conftest import (
    HAIKU,
    NOW,
    SONNET,
    async_test,
    demo_history,
    make_app,
    press,
    screen_text,
    settle,
)
from tokledger.sources import SOURCES, Discovery, Source
from tokledger.tui.screens import HelpScreen


@async_test
async def test_range_keys_switch_the_trend(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Daily tokens and cost · 30 days" in screen_text(app)
        for key, days in (("d", 7), ("m", 90), ("w", 30)):
            await press(app, pilot, key)
            text = screen_text(app)
            assert app.view.days == days
            assert f"Daily tokens and cost · {days} days" in text
            assert f"│ {days} days" in text  # the status line
            assert f"{days} days " in text.split("╰")[0]  # the summary's range row


@async_test
async def test_source_key_cycles_all_each_found_source_all(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env, sources=())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "│ all sources │" in screen_text(app)
        await press(app, pilot, "s")
        assert app.view.source == "claude_code"
        assert app.snapshot.dashboard.query.sources == ("claude_code",)
        assert "│ claude_code │" in screen_text(app)
        await press(app, pilot, "s")  # no other source has data here
        assert app.view.source is None
        assert "│ all sources │" in screen_text(app)


@async_test
async def test_tab_moves_the_focus_between_panels(ledger, env):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        seen = [app.focused.id]
        for _ in range(5):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert seen == ["summary", "block", "trends", "today", "sources", "summary"]


@async_test
async def test_help_opens_and_closes_without_quitting(ledger, env):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "trend of 7/30/90 days" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark", "q")
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running


@pytest.mark.parametrize("key", ["q", "escape"])
@async_test
async def test_quit_keys(ledger, env, key):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


@async_test
async def test_r_reads_a_newly_appended_line(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "claude-haiku" not in screen_text(app).split("Today by model")[1]
        assert "969K" in screen_text(app)  # today's tokens so far, in the block panel
        transcripts.add(NOW - timedelta(minutes=1), HAIKU, session="live", inp=1000, out=30_000)
        await press(app, pilot, "r")
        today = screen_text(app).split("Today by model")[1]
        assert "claude-haiku-4-5" in today
        assert "31.0K" in today
        assert "1.0M" in screen_text(app)  # 968,900 + 31,000 in the block


@async_test
async def test_the_timer_refreshes_without_a_keypress(ledger, env, transcripts):
    transcripts.add(NOW - timedelta(minutes=5), SONNET, out=1234)
    app = make_app(ledger, env, refresh=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.snapshot.dashboard.usage.today_totals.output_tokens == 1234
        transcripts.add(NOW - timedelta(minutes=1), SONNET, out=100_000)
        for _ in range(50):
            await pilot.pause(0.05)
            if app.snapshot.dashboard.usage.today_totals.output_tokens != 1234:
                break
        await settle(app, pilot)
        assert app.snapshot.dashboard.usage.today_totals.output_tokens == 101_234
        assert "101K" in screen_text(app)


@async_test
async def test_empty_history(ledger, env):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "no active block" in text
        assert "no usage in the last 30 days" in text
        assert "no usage today" in text
        assert "not found: claude_code" in text
        assert "Lifetime $0.00" in text
        assert "unpriced" not in text


def _boom(env):
    raise RuntimeError("boom")


def _flaky_parse(path: Path, start: int = 0):
    raise ValueError("bad record")


@async_test
async def test_a_failing_source_does_not_stop_the_others(ledger, env, transcripts, home, monkeypatch):
    flaky_file = home / "flaky.log"
    flaky_file.write_text("x\n")
    claude = SOURCES["claude_code"]
    monkeypatch.setitem(SOURCES, "broken", replace(claude, name="broken", title="Broken", discover=_boom))
    monkeypatch.setitem(SOURCES, "flaky", replace(claude, name="flaky", title="Flaky", parse=_flaky_parse,
                                                  discover=lambda env: Discovery([home], [flaky_file])))  # fmt: skip
    transcripts.add(NOW - timedelta(minutes=5), SONNET, out=1234)
    app = make_app(ledger, env, sources=())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "✗ broken: RuntimeError: boom" in text
        assert "⚠ flaky: …/flaky.log: ValueError: b" in text
        assert "flaky.log: ValueError: bad record" in str(app.screen.query_one("#sources").tooltip)
        assert app.snapshot.dashboard.usage.today_totals.output_tokens == 1234
        transcripts.add(NOW - timedelta(minutes=1), SONNET, out=100_000)
        await press(app, pilot, "r")
        assert app.snapshot.dashboard.usage.today_totals.output_tokens == 101_234
        assert "✗ broken: RuntimeError: boom" in screen_text(app)
        assert app.refresher.failing == {"broken": "RuntimeError: boom"}
    assert isinstance(SOURCES["claude_code"], Source)


@async_test
async def test_a_failed_refresh_is_reported_and_the_app_keeps_running(ledger, env, transcripts, monkeypatch):
    transcripts.add(NOW - timedelta(minutes=5), SONNET, out=1234)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)

        def locked(*args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr("tokledger.tui.refresh.usage_panels", locked)
        await press(app, pilot, "r")
        text = screen_text(app)
        assert "✗ refresh failed: OperationalError: database is locked" in text
        assert "updated" not in text.splitlines()[0]
        assert app.is_running
        assert app.snapshot.dashboard.usage.today_totals.output_tokens == 1234  # the last good data stays


@async_test
async def test_resizes_cleanly(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for width, height in ((120, 40), (60, 20), (80, 24)):
            await pilot.resize_terminal(width, height)
            await settle(app, pilot)
            lines = screen_text(app).splitlines()
            assert len(lines) == height
            assert all(len(line) <= width for line in lines)
        text = screen_text(app)
        assert "Block 13:00–18:00" in text
        assert "claude-sonnet-4-5" in text


@async_test
async def test_no_color(ledger, env, transcripts, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.no_color
        text = screen_text(app)
        assert "$73.01*" in text  # the unpriced marker is text, not colour
        assert "⚠ unpriced: acme-coder-1" in text


@async_test
async def test_names_from_logs_reach_the_panels_without_escape_sequences(ledger, env, transcripts):
    transcripts.add(NOW - timedelta(minutes=5), "evil\x1b[2J\x1b]0;pwned\x07model", out=1234)
    app = make_app(ledger, env)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "evil[2J]0;pwnedmodel"[:12] in text
        assert not any(c in text for c in "\x1b\x07")
