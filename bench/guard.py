"""Time the status line and the hook as Claude Code runs them, on a large ledger and a 10 MB transcript.

The ledger is a copy of ``synth_ledger.py``'s (2,000,000 events by default) with a 10 MB Claude Code
transcript of the session in progress, read once before timing ("seen before"); the configuration has
global, project, source and session budgets. Each figure is the median (min–max) of ``--runs``:

- *in process*: what ``tokledger statusline`` / ``tokledger hook`` do once started — open the workspace
  and the ledger, read the configuration, check the transcript (unchanged: one ``stat`` and one look-up),
  evaluate the budgets that apply and answer;
- *whole process*: the command itself, as Claude Code starts it (interpreter start-up included).

The status line is timed with the configured zone's days kept in the ledger (as after any report in
that zone) and without; the hook also after its transcript grew by one turn, and the first read of the
whole transcript.

    python bench/guard.py [--events 2000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_ledger
from reports import machine
from timing import samples

from tokledger.env import Env
from tokledger.guard import run
from tokledger.workspace import Workspace

CONFIG = """timezone = "Europe/Berlin"
[budgets]
daily_usd = 500
weekly_usd = 2000
monthly_usd = 8000
[budgets.projects."/home/dev/work/project-0*"]
monthly_usd = 5000
[budgets.sources.claude_code]
daily_tokens = 900_000_000
[budgets.sessions]
lifetime_usd = 400
[alerts]
desktop = false
stderr = false
"""
SESSION = "bench-session"
CWD = "/home/dev/work/project-00"


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _request(rng: random.Random, when: datetime, n: int) -> str:
    usage = {"input_tokens": rng.randint(1, 50), "cache_creation_input_tokens": rng.randint(0, 4000),
             "cache_read_input_tokens": rng.randint(20_000, 150_000), "output_tokens": rng.randint(20, 3000)}  # fmt: skip
    return json.dumps({
        "parentUuid": f"u{n}", "isSidechain": False, "cwd": CWD, "sessionId": SESSION, "version": "2.1.3",
        "gitBranch": "main", "type": "assistant", "uuid": f"a{n}", "timestamp": _stamp(when),
        "requestId": f"req_bench{n:07d}", "message": {"id": f"msg_bench{n:07d}", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "x" * rng.randint(50, 2000)}],
        "usage": usage},
    }) + "\n"  # fmt: skip


def _tool_result(rng: random.Random, when: datetime, n: int) -> str:
    return json.dumps({"type": "user", "uuid": f"u{n}", "sessionId": SESSION, "cwd": CWD, "timestamp": _stamp(when),
                       "message": {"role": "user", "content": [{"type": "tool_result",
                                                                "content": "y" * rng.randint(1_000, 40_000)}]}}) + "\n"  # fmt: skip


def write_transcript(path: Path, grow: int, start: datetime, end: datetime, first: int = 0) -> int:
    """Append requests, each after a 1–40 KB tool result, spread from ``start`` to ``end``, until the file
    has grown by ``grow`` bytes; returns the number of requests."""
    rng = random.Random(first)
    path.parent.mkdir(parents=True, exist_ok=True)
    per_request = 22_000  # the mean size of a tool result and a response
    count = max(1, grow // per_request)
    step = (end - start) / count
    with path.open("a") as out:
        for i in range(count):
            when = start + step * i
            out.write(_tool_result(rng, when, first + i) + _request(rng, when + step / 2, first + i))
    return count


def timed(fn, runs: int) -> tuple[float, float, float]:
    """(median, min, max) milliseconds of ``runs`` calls after an untimed one."""
    ms = samples(fn, runs)
    return statistics.median(ms), min(ms), max(ms)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--transcript-mb", type=float, default=10)
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tokledger-bench-guard-"))
    db = work / "ledger.db"
    shutil.copyfile(synth_ledger.build(synth_ledger.default_path(a.events, 1), a.events), db)
    home = work / "home"
    transcript = home / ".claude/projects/-home-dev-work-project-00" / f"{SESSION}.jsonl"
    now = datetime.now(UTC)
    requests = write_transcript(transcript, int(a.transcript_mb * 2**20), now - timedelta(hours=1.5), now)
    config, elsewhere = work / "config.toml", work / "new-york.toml"
    config.write_text(CONFIG)
    elsewhere.write_text(
        CONFIG.replace("Europe/Berlin", "America/New_York")
    )  # a zone whose days are not kept
    environ = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "TOKLEDGER_DB": str(db),
               "TOKLEDGER_CONFIG": str(config), "NO_COLOR": "1"}  # fmt: skip
    env = Env(home=home, environ=environ)
    status = json.dumps({"session_id": SESSION, "transcript_path": str(transcript), "cwd": CWD,
                         "model": {"id": "claude-sonnet-4-5-20250929", "display_name": "Sonnet 4.5"},
                         "rate_limits": {"five_hour": {"used_percentage": 41, "resets_at": int(time.time()) + 5400}}})  # fmt: skip
    hook = json.dumps({"session_id": SESSION, "transcript_path": str(transcript), "cwd": CWD,
                       "hook_event_name": "Stop", "stop_hook_active": False})  # fmt: skip
    rows: list[tuple[str, float, float, float, str]] = []
    size_mib = transcript.stat().st_size / 2**20

    def fresh(path: Path = config) -> Workspace:
        return Workspace(env, db_path=db, config_path=path)

    def statusline(path: Path = config) -> str:
        with fresh(path) as ws:
            return run.statusline(lambda: ws.guard, status, colour=False)

    def hook_run() -> str:
        out = io.StringIO()
        with fresh() as ws:
            run.hook(lambda: ws.guard, "Stop", io.StringIO(hook), out, io.StringIO())
        return out.getvalue()

    program = Path(sys.executable).with_name("tokledger")
    command = [str(program)] if program.exists() else [sys.executable, "-m", "tokledger"]

    def process(*args: str, stdin: str):
        def call():
            subprocess.run(
                [*command, *args], input=stdin, text=True, env=environ, capture_output=True, check=True
            )

        return call

    started = time.perf_counter()
    first = fresh()
    first.ingest_file("claude_code", transcript)
    first.close()
    first_read = (time.perf_counter() - started) * 1000
    rows.append(("hook: first read of the whole transcript", first_read, first_read, first_read,
                 f"{requests:,} requests"))  # fmt: skip

    with fresh() as ws:
        ws.keep_days(ws.config.zone())  # as any report in the configured zone does
    rows.append(("status line, in process", *timed(statusline, a.runs), f"`{statusline()}`"))
    rows.append(("status line, in process, a zone without day rollups",
                 *timed(lambda: statusline(elsewhere), a.runs), "America/New_York: quarter-hours"))  # fmt: skip
    rows.append(("Python start-up alone (`python -c pass`)",
                 *timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), a.runs), "for scale"))  # fmt: skip
    rows.append(("status line, whole process", *timed(process("statusline", stdin=status), a.runs), ""))
    rows.append(("hook Stop, in process, transcript seen before", *timed(hook_run, a.runs), ""))
    rows.append(("hook Stop, whole process, transcript seen before",
                 *timed(process("hook", "Stop", stdin=hook), a.runs), ""))  # fmt: skip
    turns = [10**6]

    def grow_then_hook():
        at = datetime.now(UTC)
        turns[0] += write_transcript(transcript, 60_000, at - timedelta(seconds=30), at, first=turns[0])
        hook_run()

    rows.append(("hook Stop, in process, after one more turn", *timed(grow_then_hook, a.runs),
                 "a turn of ~60 KB appended (written between runs, inside the timing)"))  # fmt: skip

    size = db.stat().st_size
    print(f"**Ledger:** {a.events:,} events, {size / 2**20:.0f} MiB; transcript {size_mib:.1f} MiB  ")
    print(f"**Machine:** {machine()}; median (min–max) of {a.runs} runs after one untimed run\n")
    print("| step | median ms | min–max ms | note |\n|---|---|---|---|")
    for label, med, low, top, note in rows:
        print(f"| {label} | {med:.1f} | {low:.1f}–{top:.1f} | {note} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
