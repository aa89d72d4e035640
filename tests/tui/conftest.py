"""Helpers for the dashboard tests: Claude Code transcripts written into the fake home, a fixed clock,
and a way to drive the app with Textual's pilot until its workers have posted what they found."""

from __future__ import annotations

import asyncio
import functools
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from tokledger.config import Config
from tokledger.env import Env
from tokledger.ledger import Ledger
from tokledger.reports import Query
from tokledger.tui.app import LiveApp
from tokledger.tui.refresh import Refresher
from tokledger.workspace import Workspace

NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-1-20250805"
HAIKU = "claude-haiku-4-5-20251001"
UNPRICED = "acme-coder-1"


def async_test(fn):
    """Run an ``async def`` test in its own event loop (no pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


class Transcripts:
    """Claude Code session files under ``<home>/.claude/projects/-home-dev-app/``."""

    def __init__(self, home: Path):
        self.dir = home / ".claude" / "projects" / "-home-dev-app"
        self.count = 0

    def add(self, when: datetime, model: str = SONNET, *, session: str = "s1", inp: int = 100, out: int = 1000,
            cache_write: int = 0, cache_read: int = 0) -> Path:  # fmt: skip
        self.count += 1
        line = {
            "type": "assistant", "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "sessionId": session,
            "requestId": f"req_{self.count}", "uuid": f"u{self.count}", "cwd": "/home/dev/app",
            "message": {"id": f"msg_{self.count}", "model": model, "usage": {
                "input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read}},
        }  # fmt: skip
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{session}.jsonl"
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
        return path


def demo_history(t: Transcripts, now: datetime = NOW) -> None:
    """Forty days of work with three priced models, one unpriced, and a block in progress."""
    for back in range(40, 0, -1):
        day = now - timedelta(days=back)
        if day.weekday() == 6:
            continue
        work = 1 + back % 4
        for i in range(work):
            at = day.replace(hour=9 + 2 * i, minute=15)
            t.add(at, SONNET, session=f"d{back}", inp=300 * work, out=4000 + 500 * i, cache_write=20_000,
                  cache_read=150_000 + 10_000 * back)  # fmt: skip
            if back % 3 == 0:
                t.add(at + timedelta(minutes=20), OPUS, session=f"d{back}", inp=200, out=6000, cache_write=30_000,
                      cache_read=90_000)  # fmt: skip
            if back % 5 == 1:
                t.add(
                    at + timedelta(minutes=40), HAIKU, session=f"d{back}", inp=1000, out=800, cache_read=9000
                )
    t.add(now - timedelta(days=2), UNPRICED, session="x", inp=500, out=700)
    for minutes in (140, 95, 50, 10):  # today, inside the block that started at 13:00
        t.add(now - timedelta(minutes=minutes), SONNET, session="live", inp=400, out=3000, cache_write=15_000,
              cache_read=200_000)  # fmt: skip
    t.add(
        now - timedelta(minutes=30),
        OPUS,
        session="live",
        inp=300,
        out=5000,
        cache_write=10_000,
        cache_read=80_000,
    )


@pytest.fixture
def transcripts(home: Path) -> Transcripts:
    return Transcripts(home)


def make_app(ledger: Ledger, env: Env, *, now: datetime = NOW, sources: tuple[str, ...] = ("claude_code",),
             refresh: float = 3600, tz: str = "UTC", **options) -> LiveApp:  # fmt: skip
    """The app on a fixed clock; the long default refresh keeps the timer out of the way unless a test wants it.
    ``options`` go to the :class:`Refresher` (``token_limit``, ``limit_from``)."""
    workspace = Workspace(env, db_path=ledger.path, config=Config())
    refresher = Refresher(workspace, Query(ZoneInfo(tz), sources=sources), clock=lambda: now, **options)
    return LiveApp(refresher, refresh=refresh)


async def settle(app: LiveApp, pilot) -> None:
    """Wait until no refresh worker is running and every message it posted has been handled."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()


async def press(app: LiveApp, pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


def screen_text(app: LiveApp) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False, safe_box=False)  # fmt: skip
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
