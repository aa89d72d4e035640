"""Measure tokledger (and ccusage, when found) on a generated corpus and print a Markdown report.

Each repetition uses a fresh empty ledger and runs, for each tool in turn (the order alternates between
repetitions, so neither tool always runs second on a warmer cache):

1. ``first``  -- the first ``daily --json`` on an empty ledger,
2. ``repeat`` -- the same command again with nothing changed,
3. ``append`` -- the same command after one streamed response was appended to the largest session file.

The appended lines are cut off again after every repetition, so the corpus stays as generated.  Wall time
is measured around the child; CPU time and peak RSS come from ``os.wait4`` (the child and the descendants it
waited for), so no extra package is needed.  Every run's totals are checked against the generator's
``expected.json``; afterwards one untimed sync of a fresh ledger checks each source on its own.

The tools see only the corpus: ``CLAUDE_CONFIG_DIR=<corpus>`` and an empty ``HOME``, or with ``--mixed``
``HOME=<corpus>/home`` (``.gemini``, ``.local/share/opencode``) and ``CODEX_HOME=<corpus>/codex``; ``TZ=UTC``,
no ``XDG_*`` variables.  When ccusage's npm shim is given, its native binary is run directly, so node's
start-up is not counted against it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus

CHECKED = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "total_tokens",
    "requests",
)
CCUSAGE_KEYS = {
    "input_tokens": "inputTokens",
    "output_tokens": "outputTokens",
    "cache_write_tokens": "cacheCreationTokens",
    "cache_read_tokens": "cacheReadTokens",
    "total_tokens": "totalTokens",
}
STEPS = {
    "first": "first run, empty ledger",
    "repeat": "repeat, nothing changed",
    "append": "after appending to one file",
    "version": "start-up only (`--version`)",
}


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    data: dict


def measure(cmd: list[str], env: dict, scratch: Path, parse: bool = True) -> Run:
    out, err = scratch / "stdout.json", scratch / "stderr.txt"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{shlex.join(cmd)} exited with {code}:\n{err.read_text(errors='replace')[-2000:]}")
    rss = ru.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    return Run(wall, ru.ru_utime + ru.ru_stime, rss, json.loads(out.read_bytes()) if parse else {})


def find_ccusage(path: str | None, directory: str | None) -> list[str] | None:
    if path:
        found = Path(path)
    elif directory:
        found = Path(directory) / "node_modules" / ".bin" / "ccusage"
    else:
        found = Path(shutil.which("ccusage") or "")
    if not found.name or not found.exists():
        return None
    real = found.resolve()
    if real.suffix in (".js", ".mjs", ".cjs"):
        machine = platform.machine().lower()
        arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(machine, machine)
        for base in real.parents:
            native = base / "node_modules" / "@ccusage" / f"ccusage-{sys.platform}-{arch}" / "bin" / "ccusage"
            if native.exists():
                return [str(native)]
    return [str(found)]


def describe_machine() -> str:
    cpu, ram = platform.processor() or platform.machine(), "RAM unknown"
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((x.split(":", 1)[1].strip() for x in info if x.startswith("model name")), cpu)
        mem = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        ram = f"{int(mem.split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {ram}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def corpus_dir(a: argparse.Namespace) -> Path:
    """The corpus to measure: ``--corpus`` or a cached one in the temp dir, generated when missing."""
    name = f"corpus-{a.size_mb:g}mb-{a.files}f-seed{a.seed}{'-mixed' if a.mixed else ''}"
    root = Path(a.corpus) if a.corpus else Path(tempfile.gettempdir()) / "tokledger-bench" / name
    if not (root / "expected.json").exists():
        gen_corpus.main(
            ["--out", str(root), "--size-mb", str(a.size_mb), "--files", str(a.files), "--seed", str(a.seed)]
            + ["--mixed"] * a.mixed
        )
    return root.resolve()


def tool_env(root: Path, mixed: bool, empty_home: Path) -> dict:
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "NO_COLOR": "1",
        "CLAUDE_CONFIG_DIR": str(root),
        "HOME": str(root / "home" if mixed else empty_home),
    }
    if mixed:
        env["CODEX_HOME"] = str(root / "codex")
    return env


def append_target(root: Path) -> Path:
    """The largest top-level session file that ends with a complete line."""
    for p in sorted((root / "projects").glob("*/*.jsonl"), key=lambda p: -p.stat().st_size):
        if not p.name.startswith("agent-") and p.read_bytes()[-1:] == b"\n":
            return p
    sys.exit("no session file to append to")


def append_response(path: Path) -> dict:
    """Append a prompt and one response streamed as 3 lines; return the totals it adds."""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 200_000))
        tail = f.read().splitlines()
    ctx = {}
    for line in reversed(tail):
        try:
            ctx = json.loads(line)
            break
        except ValueError:
            continue
    s = {
        "t": time.time(),
        "parent": ctx.get("uuid"),
        "side": False,
        "cwd": ctx.get("cwd", "/home/dev/bench"),
        "sid": ctx.get("sessionId", path.stem),
        "version": ctx.get("version", "2.1.0"),
        "branch": ctx.get("gitBranch", "main"),
        "agent": None,
    }
    writer = gen_corpus.Claude(gen_corpus.Gen(uuid.uuid4().int, s["t"], path.parent))
    lines = [writer.line(s, "user", {"message": {"role": "user", "content": "bench: one more question"}})]
    usage = {
        "input_tokens": 7,
        "cache_creation_input_tokens": 1234,
        "cache_read_input_tokens": 45_678,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 234},
    }
    mid, req = f"msg_01bench{uuid.uuid4().hex[:16]}", f"req_011Cbench{uuid.uuid4().hex[:12]}"
    for out in (3, 12, 789):
        usage_line = dict(usage, output_tokens=out, service_tier="standard")
        lines.append(
            writer.assistant(
                s, mid, req, "claude-sonnet-4-5-20250929", {"type": "text", "text": "ok"}, usage_line, None
            )
        )
    with open(path, "ab") as f:
        f.write(b"".join(lines))
    return {
        "input_tokens": 7,
        "output_tokens": 789,
        "cache_write_tokens": 1234,
        "cache_write_1h_tokens": 234,
        "cache_read_tokens": 45_678,
        "total_tokens": 7 + 789 + 1234 + 45_678,
        "requests": 1,
    }


def diff(got: dict, want: dict, keys) -> str:
    return "; ".join(f"{k} {got.get(k)} != {want[k]}" for k in keys if got.get(k) != want[k])


def per_source(tok_cmd: list[str], env: dict, db: Path, expected: dict) -> list[str]:
    """Untimed: sync a fresh ledger once, then compare each source's totals and ingest counters."""

    def tok(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            tok_cmd + ["--db", str(db), *args], env=env, capture_output=True, text=True, check=False
        )

    tok("daily", "--json")
    p = tok("sources", "--json", "--no-sync")
    info = {s["source"]: s for s in json.loads(p.stdout)} if p.returncode == 0 else {}
    rows = []
    for name, src in expected["sources"].items():
        p = tok("daily", "--json", "--no-sync", "--source", name)
        if p.returncode:
            result = "ERROR: " + (p.stderr.strip().splitlines() or ["?"])[-1]
        else:
            bad = diff(json.loads(p.stdout)["totals"], src["totals"], CHECKED)
            result = f"FAIL ({bad})" if bad else "PASS"
        s = info.get(name, {})
        if result != "PASS" and s.get("notices"):
            result += f"; first notice: {str(s['notices'][0])[:160]}"
        seen = " / ".join(str(s.get(k, "-")) for k in ("files", "events", "skipped_lines"))
        injected = sum(v for k, v in src["stats"].items() if k.startswith(("malformed", "unterminated")))
        made = f"{src['files']} / {src['totals']['requests']} / {injected}"
        rows.append(f"| {name} | {result} | {seen} | {made} |")
    return rows


def bench(a, root, expected, tok_cmd, cc_cmd, work) -> tuple[dict, dict]:
    mixed = expected["generator"]["mixed"]
    want = {k: expected["totals"][k] for k in CHECKED}
    # ccusage shows Gemini thoughts and OpenCode reasoning only in its total, not in outputTokens.
    hidden = sum(
        expected["sources"].get(s, {}).get("totals", {}).get("reasoning_tokens", 0)
        for s in ("gemini", "opencode")
    )
    target = append_target(root)
    size0 = target.stat().st_size
    runs: dict[tuple[str, str], list[Run]] = {}
    checks: dict[str, str] = {}
    for rep in range(a.runs):
        scratch = work / f"rep{rep}"
        (scratch / "home").mkdir(parents=True)
        env = tool_env(root, mixed, scratch / "home")
        tools = {"tokledger": tok_cmd + ["--db", str(scratch / "ledger.db"), "daily", "--json"]}
        if cc_cmd:
            tools["ccusage"] = cc_cmd + ["daily", "--json", "--offline"]
        order = list(tools) if rep % 2 == 0 else list(reversed(tools))
        step_want = want
        for tool in order:
            cmd = tok_cmd if tool == "tokledger" else cc_cmd
            runs.setdefault(("version", tool), []).append(
                measure([*cmd, "--version"], env, scratch, parse=False)
            )
        try:
            for step, label in STEPS.items():
                if step == "version":
                    continue
                if step == "append":
                    delta = append_response(target)
                    step_want = {k: want[k] + delta[k] for k in CHECKED}
                for tool in order:
                    r = measure(tools[tool], env, scratch)
                    runs.setdefault((step, tool), []).append(r)
                    if tool == "tokledger":
                        bad = diff(r.data.get("totals", {}), step_want, CHECKED)
                    else:
                        got = {k: r.data["totals"].get(v) for k, v in CCUSAGE_KEYS.items()}
                        bad = diff(
                            got,
                            dict(step_want, output_tokens=step_want["output_tokens"] - hidden),
                            CCUSAGE_KEYS,
                        )
                    name = f"{tool} {label} = expected.json"
                    if checks.get(name, "PASS") == "PASS":
                        checks[name] = f"FAIL (run {rep + 1}: {bad})" if bad else "PASS"
        finally:
            with open(target, "r+b") as f:
                f.truncate(size0)
    return runs, checks


def report(a, root, expected, tok_cmd, cc_cmd, runs, checks, source_rows) -> None:
    print(f"**Machine:** {describe_machine()}  ")
    src = ", ".join(
        f"{n} {s['files']} files / {s['bytes'] / 2**20:.0f} MiB / {s['totals']['requests']} requests"
        for n, s in expected["sources"].items()
    )
    sizes = ", ".join(f"{k} {v:g}" for k, v in expected["sources"]["claude_code"]["file_size_kb"].items())
    print(f"**Corpus:** {root} ({src}; seed {expected['generator']['seed']}; Claude file sizes KB {sizes})  ")
    print(f"**tokledger:** `{shlex.join(tok_cmd)}`  ")
    print(f"**ccusage:** {'`' + shlex.join(cc_cmd) + '` ' + version(cc_cmd) if cc_cmd else 'not found'}  ")
    print(
        f"**Runs:** {a.runs} per cell, page cache warm; wall = median (min-max) seconds, CPU = median "
        "user+sys seconds, RSS = highest peak\n"
    )
    print("| step | tool | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|---|")
    for step, tool in ((s, t) for s in STEPS for t in ("tokledger", "ccusage") if (s, t) in runs):
        rs = runs[(step, tool)]
        w = [r.wall for r in rs]
        print(
            f"| {STEPS[step]} | {tool} | {statistics.median(w):.3f} ({min(w):.3f}-{max(w):.3f}) "
            f"| {statistics.median(r.cpu for r in rs):.2f} | {max(r.rss_mib for r in rs):.0f} |"
        )
    if cc_cmd:
        print("\n| step | tokledger / ccusage wall (medians) | peak RSS ratio |\n|---|---|---|")
        for step, label in STEPS.items():
            t, c = runs[(step, "tokledger")], runs[(step, "ccusage")]
            wall = statistics.median(r.wall for r in t) / statistics.median(r.wall for r in c)
            rss = max(r.rss_mib for r in t) / max(r.rss_mib for r in c)
            print(f"| {label} | {wall:.2f}x | {rss:.2f}x |")
        tc, cc = runs[("first", "tokledger")][0].data["totals"], runs[("first", "ccusage")][0].data["totals"]
        print(
            f"\nCost of the first run: tokledger {tc.get('cost_usd')} USD, ccusage {cc.get('totalCost')} USD"
        )
    print("\n| exactness check | result |\n|---|---|")
    for name, result in checks.items():
        print(f"| {name} | {result} |")
    print(
        "\n| source | tokledger = expected.json | tokledger files / events / skipped lines "
        "| generator files / requests / malformed lines |\n|---|---|---|---|"
    )
    print("\n".join(source_rows))


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(
            cmd + ["--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", help="reuse this corpus (generated there if it has no expected.json)")
    ap.add_argument("--size-mb", type=float, default=350, help="Claude Code MiB of a generated corpus")
    ap.add_argument("--files", type=int, default=2600, help="Claude Code files of a generated corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mixed", action="store_true", help="generate Codex, Gemini and OpenCode too")
    ap.add_argument("--runs", type=int, default=5, help="repetitions of every measurement (default 5)")
    ap.add_argument("--tokledger", help="command that runs tokledger (default: this Python -m tokledger)")
    ap.add_argument("--ccusage", help="path to ccusage (default: ccusage on PATH)")
    ap.add_argument("--ccusage-dir", help="directory whose node_modules/.bin holds ccusage")
    a = ap.parse_args(argv)

    root = corpus_dir(a)
    expected = json.loads((root / "expected.json").read_text())
    tok_cmd = shlex.split(a.tokledger) if a.tokledger else [sys.executable, "-m", "tokledger"]
    cc_cmd = find_ccusage(a.ccusage, a.ccusage_dir)
    for p in root.rglob("*"):  # warm the page cache, so no tool pays for the one cold read
        if p.is_file():
            p.read_bytes()
    work = Path(tempfile.mkdtemp(prefix="tokledger-bench-"))
    try:
        runs, checks = bench(a, root, expected, tok_cmd, cc_cmd, work)
        (work / "sync" / "home").mkdir(parents=True)
        env = tool_env(root, expected["generator"]["mixed"], work / "sync" / "home")
        source_rows = per_source(tok_cmd, env, work / "sync" / "ledger.db", expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(a, root, expected, tok_cmd, cc_cmd, runs, checks, source_rows)
    return 0 if all(v == "PASS" for k, v in checks.items() if k.startswith("tokledger")) else 1


if __name__ == "__main__":
    sys.exit(main())
