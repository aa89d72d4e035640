"""Measure how fast the web dashboard becomes usable on a large history, and take its screenshot.

A year of synthetic usage (four sources, 34 models of which four have no price, about 100,000 requests with
a realistic weekly rhythm, holidays and a changing model mix) is written straight into a fresh ledger with
``Ledger.add_events``/``EventRow``, priced by the real ``Pricer``. The dashboard is then served by
``tokledger serve`` in its own process, and headless Chromium (Playwright) loads the page repeatedly. For each
load the page's own performance marks give the time from navigation start to

* ``calendar``  -- the contribution calendar drawn (the page is interactive: hover and click work), and
* ``dashboard`` -- the stats and all three charts drawn as well.

Each repetition starts ``tokledger serve --no-sync`` in a new process and loads the page as soon as the
server prints its address (``first``): the server's background warm-up is then still computing the first
views, so most answers come straight from the ledger. The loads after it (``later``) are what a user sees
while the server runs. A fresh browser context is used for every load, so the browser cache never helps.

Usage::

    python bench/web_load.py [--runs 5] [--scale 1.0] [--chromium /usr/bin/chromium] [--screenshot docs/web.png]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

from tokledger.events import UsageEvent
from tokledger.ledger import EventRow, Ledger
from tokledger.pricing import Pricer

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# source: [(model, popularity, first and last day of use as fractions of the year)]
MODELS = {
    "claude_code": [("claude-sonnet-4", 5, 0, .45), ("claude-sonnet-4-5", 9, .4, 1), ("claude-opus-4", 2, 0, .25),
                    ("claude-opus-4-1", 3, .2, .85), ("claude-opus-4-5", 4, .85, 1), ("claude-haiku-4-5", 3, .45, 1),
                    ("claude-3-7-sonnet-20250219", 2, 0, .2), ("claude-3-5-haiku-20241022", 2, 0, .5)],
    "codex": [("gpt-5-codex", 6, .3, .9), ("gpt-5.1-codex", 5, .85, 1), ("gpt-5", 4, .25, 1), ("gpt-5.1", 2, .85, 1),
              ("gpt-5-mini", 2, .25, 1), ("gpt-5-nano", 1, .3, 1), ("o3", 2, 0, .4), ("o4-mini", 2, 0, .35),
              ("gpt-4.1", 2, 0, .3), ("gpt-4.1-mini", 1, 0, .3)],
    "gemini": [("gemini-2.5-pro", 5, 0, 1), ("gemini-2.5-flash", 4, 0, 1), ("gemini-2.5-flash-lite", 2, .3, 1),
               ("gemini-2.0-flash", 1, 0, .3), ("gemini-3-pro-preview", 4, .88, 1)],
    "opencode": [("grok-code-fast-1", 4, .4, 1), ("grok-4", 1, .3, 1), ("kimi-k2", 3, .2, 1), ("qwen3-coder", 3, .1, 1),
                 ("glm-4.6", 2, .6, 1), ("deepseek-chat", 2, 0, 1), ("deepseek-reasoner", 1, 0, 1),
                 ("devstral-medium", 1, .4, 1), ("qwen3-coder-30b-local", 2, .2, 1), ("mistral-large-latest", 1, 0, .6),
                 ("codestral-latest", 1, 0, .7)],
}  # fmt: skip
SOURCE_WEIGHTS = {"claude_code": 0.55, "codex": 0.25, "gemini": 0.1, "opencode": 0.1}


def _tokens(rng: random.Random, source: str) -> dict:
    if source == "claude_code":
        write = int(rng.lognormvariate(7.5, 1.0)) if rng.random() < 0.6 else 0
        return {"input_tokens": rng.randint(3, 400), "cache_read_tokens": int(rng.lognormvariate(10.8, 0.6)),
                "cache_write_tokens": write, "cache_write_1h_tokens": write if rng.random() < 0.05 else 0,
                "output_tokens": int(rng.lognormvariate(6.2, 1.0)) + 1}  # fmt: skip
    output = int(rng.lognormvariate(6.0, 1.0)) + 1
    return {"input_tokens": int(rng.lognormvariate(8.2, 0.9)), "cache_read_tokens": int(rng.lognormvariate(9.8, 0.8)),
            "output_tokens": output, "reasoning_tokens": int(output * rng.random() * 0.6)}  # fmt: skip


def demo_ledger(path: Path, *, end: date, days: int = 365, scale: float = 1.0, seed: int = 7) -> int:
    """Write ``days`` days of synthetic usage ending on ``end`` into a new ledger; returns the event count."""
    rng = random.Random(seed)
    pricer = Pricer()
    ledger = Ledger.open(path)
    start = end - timedelta(days=days - 1)
    holidays = {
        start + timedelta(days=d)
        for h in (rng.randint(60, 140), rng.randint(200, 300))
        for d in range(h, h + 9)
    }
    rows, count = [], 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        frac = offset / max(1, days - 1)
        busy = 0.93 if day.weekday() < 5 else 0.3
        if day in holidays or rng.random() > busy:
            continue
        growth = 0.6 + 0.9 * frac + 0.25 * math.sin(offset / 17)
        for session in range(max(1, int(rng.lognormvariate(2.0, 0.5) * growth))):
            source = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
            models = [(m, w) for m, w, lo, hi in MODELS[source] if lo <= frac <= hi]
            model = rng.choices([m for m, _ in models], weights=[w for _, w in models])[0]
            when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=rng.uniform(7.5, 21))
            for _ in range(int(rng.lognormvariate(3.6, 0.7) * scale) + 1):
                when += timedelta(seconds=rng.uniform(4, 90))
                count += 1
                event = UsageEvent(source=source, key=f"demo-{count}", timestamp=when, model=model,
                                   session_id=f"{source}-{offset}-{session}", project=f"/home/dev/app{session % 4}",
                                   **_tokens(rng, source))  # fmt: skip
                priced = pricer.price(event)
                rows.append(EventRow.of(event, priced.cost_pusd, priced.basis))
        if len(rows) > 20_000:
            with ledger.transaction():
                ledger.add_events(rows, None)
            rows = []
    with ledger.transaction():
        ledger.add_events(rows, None)
    ledger.close()
    return count


class Server:
    """``tokledger serve --no-sync`` on a free loopback port, in its own process, over the given ledger."""

    def __init__(self, db_path: Path, home: Path, timezone: str = "UTC"):
        env = {**os.environ, "TOKLEDGER_DB": str(db_path), "TOKLEDGER_CONFIG": str(home / "config.toml"),
               "HOME": str(home), "NO_COLOR": "1"}  # fmt: skip
        command = [
            sys.executable,
            "-m",
            "tokledger",
            "serve",
            "--no-sync",
            "--port",
            "0",
            "--timezone",
            timezone,
        ]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)

    def __enter__(self) -> Self:
        line = self.process.stdout.readline()  # "tokledger dashboard on http://127.0.0.1:PORT/ (...)"
        if " on http" not in line:
            raise RuntimeError(f"tokledger serve did not start: {line!r}")
        self.url = line.split(" on ", 1)[1].split()[0]
        return self

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def load_once(browser, url: str, viewport=(1280, 900)) -> dict:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("html[data-calendar=ready]", timeout=30_000)
    page.wait_for_selector("html[data-dashboard=ready]", timeout=30_000)
    marks = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
        .map(m => [m.name, m.startTime]))""")
    context.close()
    if errors:
        raise RuntimeError(f"console errors: {errors}")
    return {"calendar": marks["calendar-rendered"], "dashboard": marks["dashboard-rendered"]}


def screenshot(browser, url: str, path: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1,
                                  color_scheme="dark")  # fmt: skip
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("html[data-dashboard=ready]")
    # A busy Friday in mid-year: its tooltip opens above it, inside the calendar card.
    day = page.evaluate("""() => window.tokledger.data.graph.contributions
        .filter(c => c.weekday === 5 && c.week > 14 && c.week < 36)
        .sort((a, b) => b.cost_usd_priced - a.cost_usd_priced)[0].date""")
    point = page.evaluate(f"window.tokledger.calendar.pointFor('{day}')")
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(150)
    page.screenshot(path=str(path), full_page=True)
    context.close()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="servers started (each: 1 first + --later loads)")
    parser.add_argument("--later", type=int, default=4, help="loads after the first, per server")
    parser.add_argument("--scale", type=float, default=1.0, help="requests per session multiplier")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the page here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db, home = Path(tmp) / "ledger.db", Path(tmp) / "home"
        home.mkdir()
        started = time.perf_counter()
        events = demo_ledger(db, end=date.today(), scale=args.scale)
        print(f"generated {events:,} events in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        first, later = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                with Server(db, home) as server:
                    first.append(load_once(browser, server.url))
                    later.extend(load_once(browser, server.url) for _ in range(args.later))
            if args.screenshot:
                with Server(db, home) as server:
                    load_once(browser, server.url)
                    screenshot(browser, server.url, args.screenshot)
            version = browser.version
            browser.close()

    def row(name: str, loads: list[dict]) -> str:
        cal = [x["calendar"] for x in loads]
        dash = [x["dashboard"] for x in loads]
        return (
            f"| {name} | {len(loads)} | {statistics.median(cal):.0f} ms | {max(cal):.0f} ms"
            f" | {statistics.median(dash):.0f} ms | {max(dash):.0f} ms |"
        )

    print(f"Machine: {machine()}, Chromium {version}\n")
    print(
        f"Ledger: {events:,} requests over 365 days, {sum(len(m) for m in MODELS.values())} models, "
        f"{len(MODELS)} sources\n"
    )
    print("| load | n | calendar (median) | calendar (max) | dashboard (median) | dashboard (max) |")
    print("|---|---|---|---|---|---|")
    print(row("first load after `tokledger serve` started", first))
    print(row("later loads", later))


if __name__ == "__main__":
    main()
