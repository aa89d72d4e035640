"""Peak memory of importing one very large transcript: a 200 MB Claude Code file of ~625k small usage lines.

Memory must not grow with the events of a file. This writes the file (deterministic, each line a
distinct response of 200–400 bytes), runs ``tokledger sync`` on an empty ledger in a child process, and
prints its wall time, peak RSS (``os.wait4``) and whether the ledger holds exactly the generated totals.
``--src`` runs another checkout's ``src/`` with this interpreter (to compare two versions):

    .venv/bin/python bench/big_file.py --size-mb 200
    .venv/bin/python bench/big_file.py --size-mb 200 --src /path/to/other/checkout/src
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805")


def generate(path: Path, size_mb: int, seed: int = 7) -> tuple[int, int, int]:
    """Write the transcript; returns (lines, input tokens, output tokens)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    limit, lines, inp, out, written = size_mb << 20, 0, 0, 0, 0
    start = 1_759_300_000_000
    with path.open("w") as f:
        while written < limit:
            i, o = rng.randint(1, 50), rng.randint(1, 900)
            when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((start + lines * 1000) / 1000))
            line = json.dumps({
                "type": "assistant", "sessionId": f"s{lines // 5000}", "timestamp": f"{when}.000Z",
                "requestId": f"req_{lines:07d}", "cwd": "/home/dev/big",
                "message": {"id": f"msg_{lines:07d}", "model": MODELS[lines % 3], "role": "assistant",
                            "usage": {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": 0}},
                "pad": "x" * rng.randint(0, 76),
            }, separators=(",", ":")) + "\n"  # fmt: skip
            f.write(line)
            written += len(line)
            lines, inp, out = lines + 1, inp + i, out + o
    return lines, inp, out


def run(home: Path, db: Path, src: str | None) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit status) of one ``tokledger sync --jobs 1``."""
    env = {**os.environ, "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "TZ": "UTC",
           "TOKLEDGER_DB": str(db), "TOKLEDGER_CONFIG": str(db.with_suffix(".toml"))}  # fmt: skip
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "CODEX_HOME"):
        env.pop(name, None)
    if src:
        env["PYTHONPATH"] = src
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tokledger", "sync", "--jobs", "1"], env=env,
                            stdout=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--src", help="a checkout's src/ directory to run instead of this one")
    parser.add_argument("--dir", type=Path, help="where to write the file (default: a temporary directory)")
    args = parser.parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="tokledger-big-"))
    home = root / "home"
    lines, inp, out = generate(home / ".claude/projects/-home-dev-big/big.jsonl", args.size_mb)
    db = root / "ledger.db"
    for p in root.glob("ledger.db*"):
        p.unlink()
    seconds, rss_kib, code = run(home, db, args.src)
    conn = sqlite3.connect(db)
    got = conn.execute("SELECT COUNT(*), SUM(input_tokens), SUM(output_tokens) FROM events").fetchone()
    conn.close()
    exact = got == (lines, inp, out)
    print(f"{args.size_mb} MiB, {lines:,} lines: sync exit {code}, {seconds:.1f} s, peak RSS {rss_kib / 1024:.0f} MiB, "
          f"totals {'exact' if exact else f'WRONG {got} != {(lines, inp, out)}'}")  # fmt: skip


if __name__ == "__main__":
    main()
