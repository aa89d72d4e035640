"""Screenshots of the dashboard on fixed data (fixed clock, fixed history), compared with stored SVGs.

After an intended change of the look, regenerate them with ``TOKLEDGER_UPDATE_SNAPSHOTS=1 pytest tests/tui``
and review the new files; a mismatch leaves the actual SVG next to the test's temporary directory.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.tui.conftest import NOW, async_test, demo_history, make_app, press, settle

SNAPSHOTS = Path(__file__).parent / "snapshots"


def normalise(svg: str) -> str:
    # Rich names the SVG's classes and clip paths after a hash of the content: equal screens, equal ids,
    # but a one-character difference would otherwise change every line of the file.
    return re.sub(r"terminal-\d+", "terminal", svg)


def check(name: str, svg: str, tmp_path: Path) -> None:
    stored = SNAPSHOTS / f"{name}.svg"
    actual = normalise(svg)
    if os.environ.get("TOKLEDGER_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        stored.write_text(actual, encoding="utf-8")
        return
    if not stored.exists():
        pytest.fail(f"no stored snapshot {stored.name}: run with TOKLEDGER_UPDATE_SNAPSHOTS=1")
    if stored.read_text(encoding="utf-8") != actual:
        (tmp_path / f"{name}.svg").write_text(actual, encoding="utf-8")
        pytest.fail(f"{name} differs from {stored}; the actual screen is in {tmp_path / (name + '.svg')}")


@pytest.fixture(autouse=True)
def _colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@async_test
async def test_main_screen(ledger, env, transcripts, tmp_path, size):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        check(f"main_{size[0]}x{size[1]}", app.export_screenshot(), tmp_path)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@async_test
async def test_an_old_history(ledger, env, transcripts, tmp_path, size):
    demo_history(transcripts, NOW - timedelta(days=366))
    app = make_app(ledger, env)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        check(f"old_{size[0]}x{size[1]}", app.export_screenshot(), tmp_path)


@async_test
async def test_the_day_cursor_and_a_zoomed_trend(ledger, env, transcripts, tmp_path):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "left", "left", "enter")
        check("cursor_zoom_120x40", app.export_screenshot(), tmp_path)


@async_test
async def test_seven_days_with_the_block_focused(ledger, env, transcripts, tmp_path):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "d", "tab")
        check("seven_days_80x24", app.export_screenshot(), tmp_path)


@async_test
async def test_empty_history(ledger, env, tmp_path):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        check("empty_80x24", app.export_screenshot(), tmp_path)


@async_test
async def test_help(ledger, env, tmp_path):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        check("help_80x24", app.export_screenshot(), tmp_path)
