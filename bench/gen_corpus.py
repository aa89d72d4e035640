"""Generate a deterministic synthetic log corpus for benchmarking tokledger, plus its exact expected totals.

Layout under ``--out`` (point ``CLAUDE_CONFIG_DIR`` at ``<out>``; with ``--mixed`` also ``CODEX_HOME`` at
``<out>/codex`` and ``HOME`` at ``<out>/home``; leave ``XDG_DATA_HOME`` unset)::

  projects/<encoded-cwd>/<sessionId>.jsonl                       Claude Code main and resumed sessions
  projects/<encoded-cwd>/<sessionId>/subagents/agent-<id>.jsonl  Claude Code 2.1 subagents and /btw replays
  projects/<encoded-cwd>/agent-<id>.jsonl                        Claude Code 2.0 subagents
  codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl          Codex CLI            (--mixed)
  home/.gemini/tmp/<sha256>/chats/session-<time>-<id8>.json      Gemini CLI legacy    (--mixed)
  home/.local/share/opencode/storage/{session,message,part}/     OpenCode JSON files  (--mixed)
  expected.json                                                  totals computed while writing

Claude Code quirks reproduced: responses streamed as 1-4 lines sharing message.id + requestId with partial
output on early lines, resumed sessions that copy earlier lines verbatim, /btw sidechain replays (same
message.id, new requestId, inflated cache read), inline sidechains in 1.0.x, ``<synthetic>`` lines, flat
``cache_creation_input_tokens`` on older versions and the 5m/1h split on newer ones, requests over 200k
input, 1-60 KB tool results, summary / file-history-snapshot / system lines, and malformed lines (truncated
JSON, invalid UTF-8, garbage, NUL runs, an unterminated last line).

Counting rule of expected.json: one request per message.id (a sidechain replay of a parent's message.id adds
nothing), final (largest) output, zero-usage ``<synthetic>`` lines and malformed lines add nothing.  Codex,
Gemini and OpenCode (written by gen_mixed.py) are converted to disjoint categories: cached input
subtracted, reasoning and thoughts counted inside output.

The Claude part depends only on seed, end time, size and file count, so ``--mixed`` adds sources around an
identical Claude corpus.  File sizes follow the shape of a real history (log-normal, p90/p50 = 6.5), scaled
to the requested total, so p50 lands near total/files/2.9.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import shutil
import string
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

B62 = string.ascii_letters + string.digits
DAY = 86400.0
MIXED_ENV = {"CODEX_HOME": "codex", "HOME": "home"}  # relative to the corpus root
TOKEN_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "total_tokens",
    "requests",
)
WORDS = [
    "def",
    "class",
    "return",
    "import",
    "self",
    "value",
    "result",
    "error",
    "config",
    "path",
    "file",
    "test",
    "assert",
    "None",
    "True",
    "False",
    "for",
    "in",
    "if",
    "else",
    "while",
    "with",
    "as",
    "try",
    "except",
    "raise",
    "lambda",
    "yield",
    "async",
    "await",
    "print",
    "len",
    "range",
    "list",
    "dict",
    "set",
    "int",
    "str",
    "the",
    "a",
    "to",
    "of",
    "and",
    "is",
    "that",
    "it",
    "this",
    "we",
    "should",
    "fix",
    "update",
    "add",
    "remove",
    "function",
    "module",
    "package",
    "build",
    "run",
    "src/app.py",
    "tests/test_api.py",
    "README.md",
    "{}",
    "[]",
    "()",
    "=>",
    "==",
    "!=",
    "<=",
    ">=",
    "+=",
    "->",
    "::",
    ";",
    ",",
    ".",
    "#",
    "//",
    "/*",
    "*/",
    "'x'",
    '"y"',
    "naïve",
    "café",
    "日本語",
    "→",
    "✓",
    "∑",
    "λ",
]


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def iso(t: float) -> str:
    d = datetime.fromtimestamp(t, UTC)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond // 1000:03d}Z"


class Totals:
    """Expected totals of one source, overall and by model, plus counters of the quirks written."""

    def __init__(self) -> None:
        self.all = dict.fromkeys(TOKEN_KEYS, 0)
        self.by_model: dict[str, dict[str, int]] = {}
        self.stats: dict[str, int] = {}

    def add(self, model, inp, out, cw=0, cw1h=0, cr=0, reasoning=0) -> None:
        row = {
            "input_tokens": inp,
            "output_tokens": out,
            "cache_write_tokens": cw,
            "cache_write_1h_tokens": cw1h,
            "cache_read_tokens": cr,
            "reasoning_tokens": reasoning,
            "total_tokens": inp + out + cw + cr,
            "requests": 1,
        }
        m = self.by_model.setdefault(model, dict.fromkeys(TOKEN_KEYS, 0))
        for k, v in row.items():
            self.all[k] += v
            m[k] += v

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n


class Gen:
    """Shared randomness, filler text and the list of files written."""

    def __init__(self, seed: int, end: float, out: Path) -> None:
        self.rng, self.seed = random.Random(seed), seed
        self.end, self.out = end, out
        self.files: list[tuple[str, int]] = []

    @functools.cached_property
    def filler(self) -> str:
        """Built once and only sliced afterwards, which keeps generation I/O-bound."""
        words = random.Random(self.seed * 7919 + 1).choices(WORDS, k=900_000)
        for i in range(0, len(words), 13):
            words[i] += "\n"
        return " ".join(words)

    def text(self, n: int) -> str:
        o = self.rng.randrange(len(self.filler) - n)
        return self.filler[o : o + n]

    def rid(self, n: int) -> str:
        return "".join(self.rng.choices(B62, k=n))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def write(self, path: Path, data: bytes, kind: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb", buffering=1 << 20) as f:
            f.write(data)
        self.files.append((kind, len(data)))

    def sizes(self, n: int, total: int, sigma: float = 1.46) -> list[int]:
        raw = [self.rng.lognormvariate(0.0, sigma) for _ in range(n)]
        scale = total / sum(raw)
        return [max(2048, int(x * scale)) for x in raw]


class Claude:
    """Claude Code transcripts; every unique response is added to ``self.tot`` as it is written."""

    MODELS = (
        "claude-sonnet-4-20250514",
        "claude-sonnet-4-5-20250929",
        "claude-opus-4-6",
        "claude-haiku-4-5-20251001",
    )

    def __init__(self, g: Gen) -> None:
        self.g, self.rng, self.tot = g, g.rng, Totals()
        names = ["acme-api", "web-app", "infra", "ml-pipeline", "docs", "cli-tool", "mobile", "data-etl"]
        self.projects = [f"/home/dev/{names[i % 8]}{'-' + str(i) if i >= 8 else ''}" for i in range(40)]
        self.history: dict[str, list[tuple[Path, float]]] = {}

    def era(self, t: float) -> tuple[str, str]:
        """Version and model by age: 1.0.x (inline sidechains, flat cache writes), 2.0.x, then 2.1.x."""
        age = (self.g.end - t) / DAY
        if age > 65:
            return f"1.0.{60 + int(age) % 30}", self.rng.choices(self.MODELS, (85, 0, 0, 15))[0]
        if age > 30:
            return f"2.0.{10 + int(65 - age)}", self.rng.choices(self.MODELS, (20, 70, 10, 0))[0]
        return f"2.1.{int(30 - age)}", self.rng.choices(self.MODELS, (0, 45, 50, 5))[0]

    def session(self, t, cwd, sid, version, model, sidechain=False, agent=None) -> dict:
        r = self.rng
        long_context = ("sonnet-4-5" in model and r.random() < 0.12) or ("opus" in model and r.random() < 0.2)
        return {
            "t": t,
            "t0": t,
            "cwd": cwd,
            "sid": sid,
            "version": version,
            "model": model,
            "side": sidechain,
            "agent": agent,
            "branch": r.choice(["main", "main", "feature/x", "fix-tests"]),
            "parent": None,
            "buf": [],
            "size": 0,
            "ctx": 0,
            "limit": 450_000 if long_context else 160_000,
            "responses": [],
            "ttl": None if version.startswith("1.") else r.choice(["5m", "1h", "mix"]),
        }

    def emit(self, s: dict, line: bytes) -> None:
        s["buf"].append(line)
        s["size"] += len(line)

    def tick(self, s: dict, lo: float, hi: float) -> None:
        s["t"] = min(s["t"] + self.rng.uniform(lo, hi), self.g.end)

    def line(self, s: dict, typ: str, body: dict) -> bytes:
        """One transcript line, fields in the order Claude Code writes them."""
        d = {
            "parentUuid": s["parent"],
            "isSidechain": s["side"],
            "userType": "external",
            "cwd": s["cwd"],
            "sessionId": s["sid"],
            "version": s["version"],
            "gitBranch": s["branch"],
        }
        if s["agent"]:
            d["agentId"] = s["agent"]
        d.update(body)
        s["parent"] = d["uuid"] = self.g.uuid()
        d["type"], d["timestamp"] = typ, iso(s["t"])
        return dumps(d)

    def user(self, s: dict, content, extra=None) -> None:
        self.tick(s, 2, 40)
        self.emit(s, self.line(s, "user", {"message": {"role": "user", "content": content}, **(extra or {})}))

    def assistant(self, s: dict, mid: str, req: str, model: str, block: dict, usage: dict, stop) -> bytes:
        return self.line(
            s,
            "assistant",
            {
                "message": {
                    "id": mid,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [block],
                    "stop_reason": stop,
                    "stop_sequence": None,
                    "usage": usage,
                },
                "requestId": req,
            },
        )

    def usage(self, s: dict, new: int) -> dict:
        r = self.rng
        cw = new + r.randint(0, 400)
        cr = s["ctx"] or r.choice([0, 14_000 + r.randint(0, 3000)])
        inp = r.randint(1, 60) if r.random() < 0.93 else r.randint(500, 9000)
        u = {"input_tokens": inp, "cache_creation_input_tokens": cw, "cache_read_input_tokens": cr}
        if s["ttl"]:
            h1 = cw if s["ttl"] == "1h" else (r.randint(0, cw) if s["ttl"] == "mix" else 0)
            u["cache_creation"] = {"ephemeral_5m_input_tokens": cw - h1, "ephemeral_1h_input_tokens": h1}
        s["ctx"] = cr + cw + inp
        return u

    def response(self, s: dict, new: int, tool: bool) -> None:
        """One API response written as one line per content block; only the last has the final output."""
        r, g = self.rng, self.g
        model = self.MODELS[3] if r.random() < 0.04 else s["model"]
        mid, req = "msg_01" + g.rid(22), "req_011C" + g.rid(20)
        u = self.usage(s, new)
        final = min(12_000, max(1, int(r.lognormvariate(5.6, 1.0))))
        blocks = []
        if r.random() < 0.35:
            thinking = g.text(r.randint(200, 3000))
            blocks.append({"type": "thinking", "thinking": thinking, "signature": g.rid(300)})
        if r.random() < 0.8 or not tool:
            blocks.append({"type": "text", "text": g.text(r.randint(20, 1500))})
        if tool:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": "toolu_01" + g.rid(22),
                    "name": r.choice(["Bash", "Read", "Edit"]),
                    "input": {"command": g.text(r.randint(10, 200)), "description": g.text(30)},
                }
            )
        if len(blocks) == 1 and r.random() < 0.8:
            blocks.insert(0, {"type": "text", "text": g.text(r.randint(20, 300))})
        for i, b in enumerate(blocks):
            last = i == len(blocks) - 1
            self.tick(s, 0.2, 3 if i else 20)
            out = final if last else min(final, r.randint(1, 30))
            stop = ("tool_use" if tool else "end_turn") if last else None
            usage = dict(u, output_tokens=out, service_tier="standard")
            self.emit(s, self.assistant(s, mid, req, model, b, usage, stop))
        cw, cr = u["cache_creation_input_tokens"], u["cache_read_input_tokens"]
        h1 = u.get("cache_creation", {}).get("ephemeral_1h_input_tokens", 0)
        self.tot.add(model, u["input_tokens"], final, cw, h1, cr)
        if u["input_tokens"] + cw + cr > 200_000:
            self.tot.count("requests_over_200k")
        if s["side"]:
            self.tot.count("sidechain_requests")
        s["responses"].append((mid, u, final, model))
        s["ctx"] += final

    def synthetic(self, s: dict) -> None:
        self.user(s, "No response requested." if self.rng.random() < 0.5 else "continue")
        self.tick(s, 1, 5)
        zero = {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "server_tool_use": {"web_search_requests": 0},
            "service_tier": None,
            "cache_creation": None,
        }
        self.emit(
            s,
            self.line(
                s,
                "assistant",
                {
                    "message": {
                        "id": self.g.uuid(),
                        "container": None,
                        "model": "<synthetic>",
                        "role": "assistant",
                        "stop_reason": "stop_sequence",
                        "stop_sequence": "",
                        "type": "message",
                        "usage": zero,
                        "content": [{"type": "text", "text": "API Error: 529 Overloaded"}],
                    },
                    "isApiErrorMessage": True,
                },
            ),
        )
        self.tot.count("synthetic_lines")

    def snapshot(self, s: dict, n: int, update: bool) -> None:
        mid, ts = self.g.uuid(), iso(s["t"])
        files = {
            f"src/mod_{self.rng.randrange(9000)}.py": {
                "backupFileName": self.g.rid(16) + "@v2",
                "version": 2,
                "backupTime": ts,
            }
            for _ in range(n)
        }
        self.emit(
            s,
            dumps(
                {
                    "type": "file-history-snapshot",
                    "messageId": mid,
                    "snapshot": {"messageId": mid, "trackedFileBackups": files, "timestamp": ts},
                    "isSnapshotUpdate": update,
                }
            ),
        )

    def turn(self, s: dict, heavy_snapshots: bool, target: int) -> None:
        r, g = self.rng, self.g
        if s["ctx"] > s["limit"]:
            self.tick(s, 1, 5)
            self.emit(
                s,
                self.line(
                    s,
                    "system",
                    {
                        "subtype": "compact_boundary",
                        "content": "Conversation compacted",
                        "isMeta": False,
                        "level": "info",
                        "compactMetadata": {"trigger": "auto", "preTokens": s["ctx"]},
                    },
                ),
            )
            s["ctx"] = r.randint(15_000, 30_000)
        self.user(s, g.text(r.randint(20, 2000)))
        if not s["version"].startswith("1.") and not s["side"]:
            self.snapshot(s, r.randint(300, 900) if heavy_snapshots else r.randint(0, 6), heavy_snapshots)
        new = r.randint(300, 4000) if s["ctx"] else r.randint(2000, 20_000)
        for _ in range(r.choice([0, 1, 1, 2, 3, 4, 6])):
            if s["size"] >= target:
                break
            self.response(s, new, True)
            size = max(1024, min(60_000, (target - s["size"]) // 2, int(r.lognormvariate(8.8, 1.0))))
            out = g.text(size)
            result = {
                "tool_use_id": "toolu_01" + g.rid(22),
                "type": "tool_result",
                "content": out,
                "is_error": False,
            }
            self.user(
                s,
                [result],
                {"toolUseResult": {"stdout": out, "stderr": "", "interrupted": False, "isImage": False}},
            )
            new = size // 4
        self.response(s, new, False)
        if s["version"].startswith("1.") and not s["side"] and r.random() < 0.08:
            s["side"] = True
            self.user(s, g.text(200))
            self.response(s, 3000, False)
            s["side"] = False
        if r.random() < 0.015:
            self.synthetic(s)

    def malformed(self, s: dict, i: int) -> None:
        """Insert the malformed lines scheduled for file ``i``; their usage is never totalled."""
        g, r, buf = self.g, self.rng, s["buf"]
        usage = {
            "input_tokens": 4321,
            "cache_creation_input_tokens": 1000,
            "cache_read_input_tokens": 50_000,
            "output_tokens": 999,
            "service_tier": "standard",
        }
        line = self.assistant(
            s,
            "msg_01" + g.rid(22),
            "req_011C" + g.rid(20),
            s["model"],
            {"type": "text", "text": g.text(400)},
            usage,
            "end_turn",
        )
        pos = r.randrange(1, max(2, len(buf)))
        if i % 53 == 5:
            buf.insert(pos, line[: r.randrange(40, len(line) - 2)] + b"\n")
            self.tot.count("malformed_truncated")
        if i % 59 == 7:
            cut = line.index(b'"text":"') + 12
            buf.insert(pos, line[:cut] + b"\xff\xfe\xc3(" + line[cut:])
            self.tot.count("malformed_invalid_utf8")
        if i % 61 == 11:
            junk = bytes(r.randrange(1, 256) for _ in range(300)).replace(b"\n", b" ")
            buf.insert(pos, b'{"parentUuid":"' + junk + b'"usage":{"input_tokens":777,"output_tokens":\n')
            buf.insert(pos, b"\x00" * r.randint(50, 500) + b"\n")
            self.tot.count("malformed_garbage", 2)
        if i % 67 == 13:
            buf.append(line[: len(line) // 2])
            self.tot.count("unterminated_last_line")

    def resume_from(self, s: dict, src: Path, target: int) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.emit(s, dumps({"type": "summary", "summary": self.g.text(60), "leafUuid": self.g.uuid()}))
        for line in src.read_bytes().splitlines(keepends=True):
            if not line.endswith(b"\n") or s["size"] + len(line) > 0.7 * target:
                break
            self.emit(s, line)
        s["ctx"] = self.rng.randint(20_000, 60_000)
        self.tot.count("resumed_sessions")

    def child(self, parent: dict, pdir: Path, target: int, i: int) -> None:
        """A subagent transcript of ``parent``; 2.1 layout, sometimes a /btw replay, else 2.0 layout."""
        r, g = self.rng, self.g
        agent = f"{r.getrandbits(32):08x}"
        new_layout = parent["version"].startswith("2.1")
        model = self.MODELS[3] if r.random() < 0.4 else parent["model"]
        cs = self.session(
            r.uniform(parent["t0"], parent["t"]),
            parent["cwd"],
            parent["sid"],
            parent["version"],
            model,
            sidechain=True,
            agent=agent,
        )
        if new_layout and parent["responses"] and r.random() < 0.2:
            self.user(cs, "/btw " + g.text(120))
            mid, u, final, m = r.choice(parent["responses"])
            usage = dict(
                u,
                cache_read_input_tokens=u["cache_read_input_tokens"] + r.randint(1000, 30_000),
                output_tokens=final,
                service_tier="standard",
            )
            self.tick(cs, 1, 5)
            self.emit(
                cs,
                self.assistant(
                    cs,
                    mid,
                    "req_011C" + g.rid(20),
                    m,
                    {"type": "text", "text": g.text(300)},
                    usage,
                    "end_turn",
                ),
            )
            self.tot.count("sidechain_replays")
        while cs["size"] < target:
            self.turn(cs, False, target)
        self.malformed(cs, i)
        if new_layout:
            path = pdir / parent["sid"] / "subagents" / f"agent-{agent}.jsonl"
            g.write(path.with_suffix(".meta.json"), dumps({"agentType": "general-purpose"}), "meta")
        else:
            path = pdir / f"agent-{agent}.jsonl"
        g.write(path, b"".join(cs["buf"]), "claude_code")

    def generate(self, n_files: int, total: int) -> None:
        r, g = self.rng, self.g
        sizes, span, i = g.sizes(n_files, total), 90 * DAY, 0
        weights = [1 / (k + 1) for k in range(len(self.projects))]
        while i < n_files:
            t = g.end - span + (i / n_files) * (span - 0.5 * DAY) + r.uniform(0, 3600)
            cwd = r.choices(self.projects, weights)[0]
            pdir = g.out / "projects" / re.sub(r"[^A-Za-z0-9]", "-", cwd)
            s = self.session(t, cwd, g.uuid(), *self.era(t))
            hist = self.history.setdefault(cwd, [])
            sources = [p for p, end in hist[-10:] if end < t]
            if sources and r.random() < 0.1:
                self.resume_from(s, r.choice(sources), sizes[i])
            heavy = sizes[i] > 2_000_000 and r.random() < 0.2
            while s["size"] < sizes[i]:
                self.turn(s, heavy, sizes[i])
            self.malformed(s, i)
            g.write(pdir / f"{s['sid']}.jsonl", b"".join(s["buf"]), "claude_code")
            hist.append((pdir / f"{s['sid']}.jsonl", s["t"]))
            i += 1
            if not s["version"].startswith("1.") and r.random() < 0.35:
                for _ in range(min(r.randint(1, 4), n_files - i)):
                    self.child(s, pdir, sizes[i], i)
                    i += 1


def percentiles(sizes: list[int]) -> dict[str, float]:
    s = sorted(sizes) or [0]
    return {f"p{q}": round(s[min(len(s) - 1, len(s) * q // 100)] / 1024, 1) for q in (50, 90, 99, 100)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="target directory (empty, or a previous corpus)")
    ap.add_argument("--size-mb", type=float, default=350, help="Claude Code MiB (default 350)")
    ap.add_argument("--files", type=int, default=2600, help="Claude Code .jsonl files (default 2600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--mixed",
        action="store_true",
        help="add Codex, Gemini and OpenCode (Claude stays ~70%% of the bytes)",
    )
    ap.add_argument("--end", help="ISO time of the newest record (default: now, to the minute)")
    a = ap.parse_args(argv)
    out: Path = a.out
    if out.exists() and any(out.iterdir()) and not (out / "expected.json").exists():
        ap.error(f"{out} is not empty and holds no expected.json; refusing to write into it")
    for sub in ("projects", "codex", "home", "expected.json"):
        p = out / sub
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    end = time.time() // 60 * 60
    if a.end:
        end = datetime.fromisoformat(a.end).timestamp()
    started = time.perf_counter()
    g = Gen(a.seed, end, out)
    claude = Claude(g)
    claude.generate(a.files, int(a.size_mb * 2**20))
    sources = {"claude_code": claude.tot}
    if a.mixed:
        import gen_mixed  # imported here because it imports this module

        claude_bytes = sum(n for k, n in g.files if k == "claude_code")
        g.rng = random.Random(a.seed + 1_000_003)
        for name, share in (("codex", 0.18), ("gemini", 0.07), ("opencode", 0.05)):
            sources[name] = Totals()
            getattr(gen_mixed, name)(g, int(claude_bytes * share / 0.70), sources[name], claude.projects[:12])
    report = {
        "generator": {
            "seed": a.seed,
            "end": iso(end),
            "size_mb": a.size_mb,
            "files": a.files,
            "mixed": a.mixed,
        },
        "env": {"CLAUDE_CONFIG_DIR": ".", **(MIXED_ENV if a.mixed else {})},
        "sources": {},
        "totals": dict.fromkeys(TOKEN_KEYS, 0),
    }
    for name, tot in sources.items():
        sizes = [n for k, n in g.files if k == name]
        report["sources"][name] = {
            "totals": tot.all,
            "files": len(sizes),
            "bytes": sum(sizes),
            "file_size_kb": percentiles(sizes),
            "stats": tot.stats,
            "by_model": dict(sorted(tot.by_model.items())),
        }
        for k, v in tot.all.items():
            report["totals"][k] += v
    report["files"], report["bytes"] = len(g.files), sum(n for _, n in g.files)
    report["seconds"] = round(time.perf_counter() - started, 1)
    (out / "expected.json").write_text(json.dumps(report, indent=2) + "\n")
    mib = report["bytes"] / 2**20
    print(f"wrote {report['files']} files, {mib:.1f} MiB in {report['seconds']} s to {out}")
    for name, src in report["sources"].items():
        print(
            f"  {name:12} {src['files']:6} files {src['bytes'] / 2**20:8.1f} MiB  KB {src['file_size_kb']}"
            f"  requests {src['totals']['requests']}  tokens {src['totals']['total_tokens']}"
        )
    return report


if __name__ == "__main__":
    main()
