"""A synthetic ledger of a heavy history, written straight through the ledger's API (no logs parsed).

``build(path, events=2_000_000)`` gives two years of usage ending now: sessions of 20–300 requests
spaced a few seconds to minutes apart, during working hours (fewer at weekends), across 60 projects,
four sources and ten models (one without a price), priced by the real pricer. A session is in progress
at ``now``, so "today" and the active 5-hour block have data. The same arguments give the same ledger
(the clock is rounded to the hour), and a ledger built this hour is reused from the temp directory.

    python bench/synth_ledger.py --events 2000000 [--out PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tokledger.events import UsageEvent
from tokledger.ledger import EventRow, Ledger
from tokledger.pricing import Pricer

MODELS = {
    "claude_code": ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001",
                    "claude-opus-4-5-20251101"],
    "codex": ["gpt-5", "gpt-5-codex", "gpt-5-mini"],
    "gemini": ["gemini-2.5-pro", "gemini-2.5-flash"],
    "opencode": ["my-local-model"],
}  # fmt: skip
SOURCE_WEIGHTS = {"claude_code": 6, "codex": 2, "gemini": 1, "opencode": 1}
HOUR = 3600.0


def default_path(events: int, seed: int, now: float | None = None) -> Path:
    """Where a ledger built this hour is kept (its "now" is the hour it was built in)."""
    hour = datetime.fromtimestamp(now or time.time(), UTC).strftime("%Y%m%d%H")
    return Path(tempfile.gettempdir()) / "tokledger-bench" / f"ledger-{events}-seed{seed}-{hour}.db"


def _sessions(rng: random.Random, events: int, end: float):
    """(source, model, project, session id, start time, request count) until ``events`` are planned."""
    start = end - 730 * 86400
    planned = 0
    n = 0
    projects = [f"/home/dev/work/project-{i:02d}" for i in range(60)]
    weights = [1 / (i + 1) for i in range(len(projects))]
    sources, source_w = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
    span = end - start
    while planned < events:
        count = min(rng.randint(20, 300), events - planned)
        t = start + rng.random() * span
        day = datetime.fromtimestamp(t, UTC)
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue
        t = t - (t % 86400) + rng.uniform(7, 19) * HOUR
        source = rng.choices(sources, source_w)[0]
        yield source, rng.choice(MODELS[source]), rng.choices(projects, weights)[0], f"s{n:07d}", t, count
        planned += count
        n += 1


def build(path: Path, events: int = 2_000_000, seed: int = 1, now: float | None = None) -> Path:
    end = (now or time.time()) // HOUR * HOUR
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    rng = random.Random(seed)
    ledger = Ledger.open(tmp)
    pricer = Pricer()
    batch: list[EventRow] = []
    plan = list(_sessions(rng, events - 40, end - 6 * HOUR))
    plan.append(
        ("claude_code", MODELS["claude_code"][0], "/home/dev/work/project-00", "live", end - 2 * HOUR, 40)
    )
    key = 0
    for source, model, project, session, t, count in plan:
        for _ in range(count):
            t += rng.expovariate(1 / 40)
            key += 1
            cached = rng.random() < 0.8
            e = UsageEvent(
                source=source, key=f"k{key:09d}", timestamp=datetime.fromtimestamp(t, UTC), model=model,
                input_tokens=rng.randint(5, 3000), output_tokens=rng.randint(50, 4000),
                cache_write_tokens=rng.randint(0, 20_000), cache_read_tokens=rng.randint(20_000, 180_000) if cached else 0,
                session_id=session, project=project, git_branch=rng.choice(("main", "feature/x", None)),
                request_id=f"req_{key:012d}",
            )  # fmt: skip
            priced = pricer.price(e)
            batch.append(EventRow.of(e, priced.cost_pusd, priced.basis))
        if len(batch) >= 50_000:
            with ledger.transaction():
                ledger.add_events(batch, None)
            batch = []
    with ledger.transaction():
        ledger.add_events(batch, None)
    ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ledger.close()
    tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    started = time.perf_counter()
    path = build(a.out or default_path(a.events, a.seed), a.events, a.seed)
    print(f"{path}: {path.stat().st_size / 2**20:.0f} MiB, built in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
