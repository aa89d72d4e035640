"""Time the refresh cycle of ``tokledger live`` (sync check + dashboard queries, no UI) on a generated history.

Builds a Claude Code corpus with ``gen_corpus.py`` (default: its standard 350 MB / 2,600 files, about
23,000 requests over 90 days), imports it into a fresh ledger, then times:

* ``idle``   -- N cycles with nothing new (what the dashboard does every ``--refresh`` seconds),
* ``append`` -- cycles right after one response was appended to a session file,
* ``full``   -- cycles that rebuild everything (``r``, a new range or source, every 5 minutes).

and prints median / min / max in milliseconds.  ``--screenshot FILE`` instead adds a session in progress
to a smaller corpus and saves the dashboard at 100×30 as SVG (the README's picture).

    python bench/live_cycle.py [--size-mb 350 --files 2600] [--cycles 30]
    python bench/live_cycle.py --size-mb 40 --files 300 --screenshot docs/live.svg
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus

from tokledger.config import Config
from tokledger.env import Env
from tokledger.reports import Query
from tokledger.reports.periods import zone
from tokledger.tui.refresh import Refresher, View
from tokledger.workspace import Workspace

LIVE_MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")


def response_line(when: datetime, n: int, model: str, out: int) -> str:
    return json.dumps({
        "type": "assistant", "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "sessionId": "live-bench",
        "requestId": f"req_live_{n}", "uuid": f"live-{n}", "cwd": "/home/dev/app",
        "message": {"id": f"msg_live_{n}", "model": model, "usage": {
            "input_tokens": 400, "output_tokens": out, "cache_creation_input_tokens": 12_000,
            "cache_read_input_tokens": 150_000 + 1000 * n}},
    }) + "\n"  # fmt: skip


def live_session(corpus: Path, now: datetime, count: int = 12) -> Path:
    """A session in progress: a response every ~12 minutes over the last two and a half hours."""
    path = corpus / "projects" / "-home-dev-app" / "live-bench.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for n in range(count):
            when = now - timedelta(minutes=150 - n * 12)
            f.write(response_line(when, n, LIVE_MODELS[n % 3 if n % 4 == 3 else 0], 2000 + 300 * n))
    return path


def build(work: Path, size_mb: float, files: int, seed: int) -> tuple[Workspace, Path]:
    corpus = work / "corpus"
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    gen_corpus.main(["--out", str(corpus), "--size-mb", str(size_mb), "--files", str(files), "--seed", str(seed),
                     "--end", end.isoformat()])  # fmt: skip
    (work / "home").mkdir(exist_ok=True)
    env = Env(home=work / "home", environ={"CLAUDE_CONFIG_DIR": str(corpus), "TZ": "UTC"})
    workspace = Workspace(env, db_path=work / "ledger.db", config=Config(timezone="UTC"))
    started = time.perf_counter()
    workspace.sync()
    events = workspace.report("model", Query(zone("UTC"))).totals.requests
    print(f"imported {events:,} events from {files:,} files "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    return workspace, corpus


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.1f} ms   min {min(values) * 1000:6.1f}   " \
           f"max {max(values) * 1000:6.1f}   (n={len(values)})"  # fmt: skip


def bench(workspace: Workspace, corpus: Path, cycles: int) -> None:
    refresher = Refresher(workspace, Query(zone("UTC")))
    view = View(days=30)
    refresher.cycle(view)
    idle = [refresher.cycle(view).seconds for _ in range(cycles)]
    session = live_session(corpus, datetime.now(UTC), count=1)
    append = []
    for n in range(max(3, cycles // 5)):
        with session.open("a", encoding="utf-8") as f:
            f.write(response_line(datetime.now(UTC), 100 + n, LIVE_MODELS[0], 500))
        append.append(refresher.cycle(view).seconds)
    full = [refresher.cycle(view, force=True).seconds for _ in range(max(3, cycles // 5))]
    print(f"machine: {cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"idle   {ms(idle)}")
    print(f"append {ms(append)}")
    print(f"full   {ms(full)}")


async def screenshot(workspace: Workspace, corpus: Path, target: Path) -> None:
    from tokledger.tui.app import LiveApp

    live_session(corpus, datetime.now(UTC))
    app = LiveApp(Refresher(workspace, Query(zone("UTC"), sources=("claude_code",))))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(target.name, path=str(target.parent.resolve()))
    print(f"wrote {target}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=350)
    ap.add_argument("--files", type=int, default=2600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cycles", type=int, default=30, help="idle cycles to time (default 30)")
    ap.add_argument("--screenshot", type=Path, metavar="FILE", help="save the dashboard at 100x30 instead")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tokledger-live-") as tmp:
        workspace, corpus = build(Path(tmp), a.size_mb, a.files, a.seed)
        with workspace:
            if a.screenshot:
                asyncio.run(screenshot(workspace, corpus, a.screenshot))
            else:
                bench(workspace, corpus, a.cycles)


if __name__ == "__main__":
    main()
