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
``cache_creation_input_tokens`` on older versions and the 5m/1h split on newer ones, requests over 200k input,
1-60 KB tool results, summary / file-history-snapshot / system lines, and malformed lines (truncated JSON,
invalid UTF-8, garbage, an unterminated last line).  Counting rule of expected.json: one request per
message.id (a sidechain replay of a parent's message.id adds nothing), final (largest) output, zero-usage
``<synthetic>`` lines and malformed lines add nothing.  Codex, Gemini and OpenCode figures are converted to
disjoint categories (cached input subtracted; reasoning/thoughts counted inside output).

The Claude part depends only on seed, end time, size and file count, so ``--mixed`` adds sources around an
identical Claude corpus.  File sizes follow the shape of a real history (log-normal, p90/p50 = 6.5), scaled
to the requested total.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import string
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

B62 = string.ascii_letters + string.digits
TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens",
              "cache_read_tokens", "reasoning_tokens", "total_tokens", "requests")
WORDS = ("def class return import self value result error config path file test assert None True False for in "
         "if else while with as try except raise lambda yield async await print len range list dict set int str "
         "the a to of and is that it this we should fix update add remove function module package build run "
         "src/app.py tests/test_api.py README.md {} [] () => == != <= >= += -> :: ; , . # // /* */ 'x' \"y\" "
         "naïve café 日本語 → ✓ ∑ λ").split(" ")
DAY = 86400.0


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def iso(t: float) -> str:
    d = datetime.fromtimestamp(t, timezone.utc)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond // 1000:03d}Z"


class Totals:
    """Per-source expected totals, overall and by model."""

    def __init__(self) -> None:
        self.all = dict.fromkeys(TOKEN_KEYS, 0)
        self.by_model: dict[str, dict[str, int]] = {}
        self.stats: dict[str, int] = {}

    def add(self, model, inp, out, cw=0, cw1h=0, cr=0, reasoning=0) -> None:
        row = dict(input_tokens=inp, output_tokens=out, cache_write_tokens=cw, cache_write_1h_tokens=cw1h,
                   cache_read_tokens=cr, reasoning_tokens=reasoning, total_tokens=inp + out + cw + cr, requests=1)
        m = self.by_model.setdefault(model, dict.fromkeys(TOKEN_KEYS, 0))
        for k, v in row.items():
            self.all[k] += v
            m[k] += v

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n


class Gen:
    """Shared randomness, filler text and output bookkeeping."""

    def __init__(self, seed: int, end: float, out: Path) -> None:
        self.rng = random.Random(seed)
        self.end, self.out = end, out
        frng = random.Random(seed * 7919 + 1)
        words = frng.choices(WORDS, k=900_000)
        for i in range(0, len(words), 13):
            words[i] += "\n"
        self.filler = " ".join(words)
        self.files: list[tuple[str, int]] = []

    def text(self, n: int) -> str:
        o = self.rng.randrange(len(self.filler) - n)
        return self.filler[o:o + n]

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

    MODELS = ("claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001")

    def __init__(self, g: Gen) -> None:
        self.g, self.rng, self.tot = g, g.rng, Totals()
        names = ["acme-api", "web-app", "infra", "ml-pipeline", "docs", "cli-tool", "mobile", "data-etl"]
        self.projects = [f"/home/dev/{names[i % len(names)]}{'' if i < len(names) else '-' + str(i)}"
                         for i in range(40)]
        self.history: dict[str, list[tuple[Path, float]]] = {}

    def era(self, t: float) -> tuple[str, str]:
        age = (self.g.end - t) / DAY
        if age > 65:
            return "1.0." + str(60 + int(age) % 30), self.rng.choices(self.MODELS, (85, 0, 0, 15))[0]
        if age > 30:
            return "2.0." + str(10 + int(65 - age)), self.rng.choices(self.MODELS, (20, 70, 10, 0))[0]
        return "2.1." + str(int(30 - age)), self.rng.choices(self.MODELS, (0, 45, 50, 5))[0]

    def session(self, t, cwd, sid, version, model, sidechain=False, agent=None) -> dict:
        split = not version.startswith("1.")
        return dict(t=t, cwd=cwd, sid=sid, version=version, model=model, side=sidechain, agent=agent,
                    branch=self.rng.choice(["main", "main", "feature/x", "fix-tests"]), parent=None, buf=[],
                    size=0, ctx=0, limit=450_000 if self.rng.random() < 0.12 and "sonnet-4-5" in model
                    or "opus" in model and self.rng.random() < 0.2 else 160_000,
                    ttl=self.rng.choice(["5m", "1h", "mix"]) if split else None, responses=[])

    def emit(self, s: dict, line: bytes) -> None:
        s["buf"].append(line)
        s["size"] += len(line)

    def base(self, s: dict, typ: str) -> dict:
        u = self.g.uuid()
        d = {"parentUuid": s["parent"], "isSidechain": s["side"], "userType": "external", "cwd": s["cwd"],
             "sessionId": s["sid"], "version": s["version"], "gitBranch": s["branch"]}
        if s["agent"]:
            d["agentId"] = s["agent"]
        d["type"] = typ
        s["parent"] = u
        d["uuid"] = u
        return d

    def tick(self, s: dict, lo: float, hi: float) -> str:
        s["t"] = min(s["t"] + self.rng.uniform(lo, hi), self.g.end)
        return iso(s["t"])

    def user(self, s: dict, content, extra=None) -> None:
        d = self.base(s, "user")
        d["message"] = {"role": "user", "content": content}
        if extra:
            d.update(extra)
        d["timestamp"] = self.tick(s, 2, 40)
        self.emit(s, dumps(d))

    def usage(self, s: dict, new: int) -> dict:
        r = self.rng
        cw = max(0, new + r.randint(0, 400))
        cr = s["ctx"] if s["ctx"] else (r.choice([0, 14_000 + r.randint(0, 3000)]))
        inp = r.randint(1, 60) if r.random() < 0.93 else r.randint(500, 9000)
        u = {"input_tokens": inp, "cache_creation_input_tokens": cw, "cache_read_input_tokens": cr}
        if s["ttl"]:
            h1 = cw if s["ttl"] == "1h" else (r.randint(0, cw) if s["ttl"] == "mix" else 0)
            u["cache_creation"] = {"ephemeral_5m_input_tokens": cw - h1, "ephemeral_1h_input_tokens": h1}
        s["ctx"] = cr + cw + inp
        return u

    def assistant(self, s: dict, mid: str, req: str, model: str, block: dict, usage: dict, stop) -> bytes:
        d = self.base(s, "assistant")
        d["message"] = {"id": mid, "type": "message", "role": "assistant", "model": model, "content": [block],
                        "stop_reason": stop, "stop_sequence": None, "usage": usage}
        d["requestId"] = req
        d["timestamp"] = iso(s["t"])
        return dumps(d)

    def response(self, s: dict, new: int, tool: bool) -> None:
        r, g = self.rng, self.g
        model = self.MODELS[3] if r.random() < 0.04 else s["model"]
        mid, req = "msg_01" + g.rid(22), "req_011C" + g.rid(20)
        u = self.usage(s, new)
        final = min(12_000, max(1, int(r.lognormvariate(5.6, 1.0))))
        blocks = ([{"type": "thinking", "thinking": g.text(r.randint(200, 3000)), "signature": g.rid(300)}]
                  if r.random() < 0.35 else [])
        if r.random() < 0.8 or not tool:
            blocks.append({"type": "text", "text": g.text(r.randint(20, 1500))})
        if tool:
            blocks.append({"type": "tool_use", "id": "toolu_01" + g.rid(22), "name": r.choice(["Bash", "Read", "Edit"]),
                           "input": {"command": g.text(r.randint(10, 200)), "description": g.text(30)}})
        if len(blocks) == 1 and r.random() < 0.8:
            blocks.insert(0, {"type": "text", "text": g.text(r.randint(20, 300))})
        for i, b in enumerate(blocks):
            last = i == len(blocks) - 1
            self.tick(s, 0.2, 3 if i else 20)
            usage = dict(u, output_tokens=final if last else min(final, r.randint(1, 30)), service_tier="standard")
            self.emit(s, self.assistant(s, mid, req, model, b, usage, ("tool_use" if tool else "end_turn") if last else None))
        cw, cr = u["cache_creation_input_tokens"], u["cache_read_input_tokens"]
        self.tot.add(model, u["input_tokens"], final, cw, u.get("cache_creation", {}).get("ephemeral_1h_input_tokens", 0), cr)
        if u["input_tokens"] + cw + cr > 200_000:
            self.tot.count("requests_over_200k")
        if s["side"]:
            self.tot.count("sidechain_requests")
        s["responses"].append((mid, u, final, model))
        s["ctx"] += final

    def synthetic(self, s: dict) -> None:
        self.user(s, "No response requested." if self.rng.random() < 0.5 else "continue")
        d = self.base(s, "assistant")
        d["message"] = {"id": self.g.uuid(), "container": None, "model": "<synthetic>", "role": "assistant",
                        "stop_reason": "stop_sequence", "stop_sequence": "", "type": "message",
                        "usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                                  "cache_read_input_tokens": 0, "server_tool_use": {"web_search_requests": 0},
                                  "service_tier": None, "cache_creation": None},
                        "content": [{"type": "text", "text": "API Error: 529 Overloaded"}]}
        d["isApiErrorMessage"] = True
        d["timestamp"] = self.tick(s, 1, 5)
        self.emit(s, dumps(d))
        self.tot.count("synthetic_lines")

    def snapshot(self, s: dict, n: int, update: bool) -> None:
        mid, ts = self.g.uuid(), iso(s["t"])
        files = {f"src/mod_{self.rng.randrange(9000)}.py": {"backupFileName": self.g.rid(16) + "@v2", "version": 2,
                                                             "backupTime": ts} for _ in range(n)}
        self.emit(s, dumps({"type": "file-history-snapshot", "messageId": mid, "snapshot": {
            "messageId": mid, "trackedFileBackups": files, "timestamp": ts}, "isSnapshotUpdate": update}))

    def turn(self, s: dict, heavy_snapshots: bool, target: int) -> None:
        r, g = self.rng, self.g
        if s["ctx"] > s["limit"]:
            d = self.base(s, "system")
            d.update(subtype="compact_boundary", content="Conversation compacted", isMeta=False,
                     timestamp=self.tick(s, 1, 5), level="info", compactMetadata={"trigger": "auto", "preTokens": s["ctx"]})
            self.emit(s, dumps(d))
            s["ctx"] = r.randint(15_000, 30_000)
        self.user(s, g.text(r.randint(20, 2000)))
        if not s["version"].startswith("1.") and not s["side"]:
            self.snapshot(s, r.randint(300, 900) if heavy_snapshots else r.randint(0, 6), heavy_snapshots)
        new = r.randint(300, 4000) if s["ctx"] else r.randint(2000, 20_000)
        for _ in range(r.choice([0, 1, 1, 2, 3, 4, 6])):
            if s["size"] >= target:
                break
            self.response(s, new, True)
            size = min(60_000, (target - s["size"]) // 2, max(1024, int(r.lognormvariate(8.8, 1.0))))
            size = max(1024, size)
            out = g.text(size)
            self.user(s, [{"tool_use_id": "toolu_01" + g.rid(22), "type": "tool_result", "content": out,
                           "is_error": False}],
                      {"toolUseResult": {"stdout": out, "stderr": "", "interrupted": False, "isImage": False}})
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
        g, r = self.g, self.rng
        usage = {"input_tokens": 4321, "cache_creation_input_tokens": 1000, "cache_read_input_tokens": 50_000,
                 "output_tokens": 999, "service_tier": "standard"}
        line = self.assistant(s, "msg_01" + g.rid(22), "req_011C" + g.rid(20), s["model"],
                              {"type": "text", "text": g.text(400)}, usage, "end_turn")
        pos = r.randrange(1, max(2, len(s["buf"])))
        if i % 53 == 5:
            s["buf"].insert(pos, line[: r.randrange(40, len(line) - 2)] + b"\n")
            self.tot.count("malformed_truncated")
        if i % 59 == 7:
            cut = line.index(b'"text":"') + 12
            s["buf"].insert(pos, line[:cut] + b"\xff\xfe\xc3(" + line[cut:])
            self.tot.count("malformed_invalid_utf8")
        if i % 61 == 11:
            junk = bytes(r.randrange(1, 256) for _ in range(300)).replace(b"\n", b" ")
            s["buf"].insert(pos, b'{"parentUuid":"' + junk + b'"usage":{"input_tokens":777,"output_tokens":\n')
            s["buf"].insert(pos, b"\x00" * r.randint(50, 500) + b"\n")
            self.tot.count("malformed_garbage", 2)
        if i % 67 == 13:
            s["buf"].append(line[: len(line) // 2])
            self.tot.count("unterminated_last_line")

    def resume_from(self, s: dict, src: Path, target: int) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.emit(s, dumps({"type": "summary", "summary": self.g.text(60), "leafUuid": self.g.uuid()}))
        for line in src.read_bytes().splitlines(keepends=True):
            if not line.endswith(b"\n") or s["size"] + len(line) > 0.7 * target and s["size"]:
                break
            self.emit(s, line)
        s["ctx"] = self.rng.randint(20_000, 60_000)
        self.tot.count("resumed_sessions")

    def child(self, parent: dict, pdir: Path, target: int, i: int) -> None:
        r, g = self.rng, self.g
        agent = f"{r.getrandbits(32):08x}"
        new_layout = parent["version"].startswith("2.1")
        model = self.MODELS[3] if r.random() < 0.4 else parent["model"]
        cs = self.session(r.uniform(parent["t0"], parent["t"]), parent["cwd"], parent["sid"], parent["version"],
                          model, sidechain=True, agent=agent)
        if new_layout and parent["responses"] and r.random() < 0.2:
            self.user(cs, "/btw " + g.text(120))
            mid, u, final, m = r.choice(parent["responses"])
            usage = dict(u, cache_read_input_tokens=u["cache_read_input_tokens"] + r.randint(1000, 30_000),
                         output_tokens=final, service_tier="standard")
            self.tick(cs, 1, 5)
            self.emit(cs, self.assistant(cs, mid, "req_011C" + g.rid(20), m, {"type": "text", "text": g.text(300)},
                                         usage, "end_turn"))
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
            s["t0"] = t
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


def start_time(g: Gen, frac: float) -> float:
    return g.end - 90 * DAY + frac * 89 * DAY + g.rng.uniform(0, 3600)


def codex(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
    """Rollouts with cumulative token_count events; re-emitted unchanged totals and null info add nothing."""
    r = g.rng
    sizes = g.sizes(max(1, budget // 300_000), budget, 1.2)
    for i, size in enumerate(sizes):
        t, sid, cwd, buf = start_time(g, i / len(sizes)), g.uuid(), r.choice(cwds), []
        d = datetime.fromtimestamp(t, timezone.utc)
        path = g.out / "codex" / "sessions" / f"{d:%Y/%m/%d}" / f"rollout-{d:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"

        def ev(typ: str, payload: dict) -> None:
            nonlocal t
            t = min(t + r.uniform(0.3, 15), g.end)
            buf.append(dumps({"timestamp": iso(t), "type": typ, "payload": payload}))

        def rate_limits() -> dict:
            return {"primary": {"used_percent": round(r.uniform(0, 90), 1), "window_minutes": 300,
                                "resets_in_seconds": r.randint(60, 18000)},
                    "secondary": {"used_percent": round(r.uniform(0, 60), 1), "window_minutes": 10080}}

        ev("session_meta", {"id": sid, "timestamp": iso(t), "cwd": cwd, "originator": "codex_cli_rs",
                            "cli_version": "0.46.0", "instructions": None, "source": "cli", "model_provider": "openai",
                            "git": {"commit_hash": f"{r.getrandbits(160):040x}", "branch": "main"}})
        ev("event_msg", {"type": "token_count", "info": None, "rate_limits": rate_limits()})
        total = dict.fromkeys(("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens",
                               "total_tokens"), 0)
        model, ctx, acc = r.choice(["gpt-5-codex", "gpt-5.1-codex", "gpt-5"]), 0, 0
        while sum(map(len, buf)) < size:
            if r.random() < 0.1:
                model = r.choice(["gpt-5-codex", "gpt-5.1-codex", "gpt-5"])
            ev("turn_context", {"cwd": cwd, "approval_policy": "on-request", "sandbox_policy": {"mode": "workspace-write"},
                                "model": model, "effort": "medium", "summary": "auto"})
            prompt = g.text(r.randint(30, 1500))
            ev("event_msg", {"type": "user_message", "message": prompt, "images": []})
            ev("response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]})
            new = r.randint(2000, 12_000)
            for _ in range(r.randint(1, 5)):
                ev("response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": g.text(200)}],
                                     "content": None, "encrypted_content": g.rid(r.randint(800, 4000))})
                call = "call_" + g.rid(24)
                ev("response_item", {"type": "function_call", "name": "shell", "call_id": call,
                                     "arguments": json.dumps({"command": ["bash", "-lc", g.text(80)]})})
                out = g.text(min(40_000, max(500, int(r.lognormvariate(8.5, 1.0)))))
                ev("response_item", {"type": "function_call_output", "call_id": call,
                                     "output": json.dumps({"output": out, "metadata": {"exit_code": 0}})})
                inp = ctx + new
                cached = min(inp, int(ctx * r.uniform(0.85, 1.0)))
                output = max(1, int(r.lognormvariate(5.5, 1.0)))
                last = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": output,
                        "reasoning_output_tokens": r.randint(0, output), "total_tokens": inp + output}
                total = {k: total[k] + v for k, v in last.items()}
                info = {"total_token_usage": total, "last_token_usage": last, "model_context_window": 272_000}
                ev("event_msg", {"type": "token_count", "info": info, "rate_limits": rate_limits()})
                tot.add(model, inp - cached, output, 0, 0, cached, last["reasoning_output_tokens"])
                if r.random() < 0.15:
                    ev("event_msg", {"type": "token_count", "info": info, "rate_limits": rate_limits()})
                    tot.count("repeated_token_count")
                if r.random() < 0.05:
                    ev("event_msg", {"type": "token_count", "info": None, "rate_limits": rate_limits()})
                ctx, new = (inp + output, len(out) // 4) if inp < 240_000 else (30_000, 0)
            ev("event_msg", {"type": "agent_message", "message": g.text(r.randint(50, 800))})
        g.write(path, b"".join(buf), "codex")


def gemini(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
    """Legacy whole-document chats; ``tokens.input`` includes ``cached``, thoughts are billed as output."""
    r, home = g.rng, g.out / "home"
    sizes = g.sizes(max(1, budget // 150_000), budget, 1.0)
    for i, size in enumerate(sizes):
        t0 = t = start_time(g, i / len(sizes))
        sid, cwd, msgs, acc, ctx = g.uuid(), r.choice(cwds), [], 0, 0
        model = r.choice(["gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview"])
        while acc < size:
            t = min(t + r.uniform(5, 60), g.end)
            prompt = g.text(r.randint(20, 800))
            msgs.append({"id": g.uuid(), "timestamp": iso(t), "type": "user", "content": prompt})
            new = r.randint(1000, 8000)
            for _ in range(r.randint(1, 4)):
                t = min(t + r.uniform(2, 30), g.end)
                out = g.text(min(40_000, max(300, int(r.lognormvariate(8.3, 1.0)))))
                inp = ctx + new
                cached = 0 if not ctx or r.random() < 0.3 else int(ctx * r.uniform(0.5, 0.95))
                output, thoughts = r.randint(20, 2500), r.choice([0, r.randint(50, 3000)])
                tool = r.randint(10, 400) if r.random() < 0.1 else 0
                call = f"read_file-{int(t * 1000)}-{r.getrandbits(48):012x}"
                msgs.append({"id": g.uuid(), "timestamp": iso(t), "type": "gemini", "content": g.text(r.randint(20, 1200)),
                             "thoughts": [{"subject": g.text(30), "description": g.text(200), "timestamp": iso(t)}],
                             "tokens": {"input": inp, "output": output, "cached": cached, "thoughts": thoughts,
                                        "tool": tool, "total": inp + output + thoughts + tool},
                             "model": model,
                             "toolCalls": [{"id": call, "name": "read_file", "args": {"absolute_path": cwd + "/src/app.py"},
                                            "result": [{"functionResponse": {"id": call, "name": "read_file",
                                                                             "response": {"output": out}}}],
                                            "status": "success", "timestamp": iso(t)}]})
                tot.add(model, inp - cached + tool, output + thoughts, 0, 0, cached, thoughts)
                acc += len(out) + 1500
                ctx, new = (inp + output, len(out) // 4) if inp < 500_000 else (40_000, 0)
        phash = hashlib.sha256(cwd.encode()).hexdigest()
        doc = {"sessionId": sid, "projectHash": phash, "startTime": iso(t0), "lastUpdated": iso(t), "messages": msgs}
        d = datetime.fromtimestamp(t0, timezone.utc)
        path = home / ".gemini" / "tmp" / phash / "chats" / f"session-{d:%Y-%m-%dT%H-%M}-{sid[:8]}.json"
        g.write(path, json.dumps(doc, indent=2, ensure_ascii=False).encode(), "gemini")


def opencode(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
    """Legacy storage: one pretty JSON file per message and per part; tokens.total includes reasoning."""
    r, acc, n = g.rng, 0, 0
    root = g.out / "home" / ".local" / "share" / "opencode" / "storage"
    models = [("anthropic", "claude-sonnet-4-5"), ("anthropic", "claude-opus-4-6"), ("openai", "gpt-5"),
              ("google", "gemini-2.5-pro")]

    def put(path: Path, obj: dict) -> None:
        nonlocal acc
        data = json.dumps(obj, indent=2, ensure_ascii=False).encode()
        acc += len(data)
        g.write(path, data, "opencode")

    def oid(prefix: str, ms: int) -> str:
        return f"{prefix}_{ms:012x}{g.rid(14)}"

    while acc < budget:
        t = start_time(g, acc / budget)
        ms, cwd = int(t * 1000), r.choice(cwds)
        ses, proj = oid("ses", ms), hashlib.sha1(cwd.encode()).hexdigest()
        put(root / "session" / proj / f"{ses}.json", {"id": ses, "version": "0.15.8", "projectID": proj,
                                                       "directory": cwd, "title": g.text(40),
                                                       "time": {"created": ms, "updated": ms}})
        provider, model = r.choice(models)
        ctx = 0
        for _ in range(r.randint(2, 25)):
            ms += r.randint(5_000, 60_000)
            uid = oid("msg", ms)
            put(root / "message" / ses / f"{uid}.json", {"id": uid, "sessionID": ses, "role": "user", "time": {"created": ms}})
            put(root / "part" / uid / f"{oid('prt', ms)}.json", {"id": oid("prt", ms), "messageID": uid, "sessionID": ses,
                                                                  "type": "text", "text": g.text(r.randint(20, 1000))})
            ms += r.randint(2_000, 90_000)
            aid, out = oid("msg", ms), g.text(min(30_000, max(200, int(r.lognormvariate(8.0, 1.0)))))
            inp, output = r.randint(5, 3000), r.randint(20, 3000)
            reasoning = r.randint(0, 2000) if provider == "openai" else 0
            read, write = ctx, r.randint(500, 8000) if provider == "anthropic" else 0
            tokens = {"input": inp, "output": output, "reasoning": reasoning, "cache": {"read": read, "write": write},
                      "total": inp + output + reasoning + read + write}
            put(root / "message" / ses / f"{aid}.json", {
                "id": aid, "sessionID": ses, "role": "assistant", "time": {"created": ms, "completed": ms + r.randint(500, 9000)},
                "parentID": uid, "modelID": model, "providerID": provider, "mode": "build", "system": [],
                "path": {"cwd": cwd, "root": cwd}, "cost": round((inp * 3 + output * 15 + read * 0.3 + write * 3.75) / 1e6, 6),
                "tokens": tokens})
            put(root / "part" / aid / f"{oid('prt', ms)}.json", {
                "id": oid("prt", ms), "messageID": aid, "sessionID": ses, "type": "tool", "tool": "bash",
                "callID": "toolu_" + g.rid(22), "state": {"status": "completed", "input": {"command": g.text(60)},
                                                          "output": out, "title": g.text(30), "metadata": {}}})
            tot.add(model, inp, output + reasoning, write, 0, read, reasoning)
            ctx = min(180_000, ctx + write + inp + output + len(out) // 4)
            n += 1


def percentiles(sizes: list[int]) -> dict[str, float]:
    s = sorted(sizes)
    pick = lambda q: round(s[min(len(s) - 1, int(q * len(s)))] / 1024, 1)  # noqa: E731
    return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(s[-1] / 1024, 1)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="target directory (empty, or a previous corpus)")
    ap.add_argument("--size-mb", type=float, default=350, help="Claude Code megabytes (default 350)")
    ap.add_argument("--files", type=int, default=2600, help="Claude Code .jsonl files (default 2600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mixed", action="store_true", help="add Codex, Gemini and OpenCode (Claude stays ~70%% of bytes)")
    ap.add_argument("--end", help="ISO time of the newest record (default: now, to the minute)")
    a = ap.parse_args(argv)
    out: Path = a.out
    if out.exists() and any(out.iterdir()) and not (out / "expected.json").exists():
        ap.error(f"{out} is not empty and holds no expected.json; refusing to write into it")
    import shutil
    for sub in ("projects", "codex", "home", "expected.json"):
        p = out / sub
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    end = datetime.fromisoformat(a.end.replace("Z", "+00:00")).timestamp() if a.end else time.time() // 60 * 60
    started = time.perf_counter()
    g = Gen(a.seed, end, out)
    claude = Claude(g)
    claude.generate(a.files, int(a.size_mb * 1024 * 1024))
    sources = {"claude_code": claude.tot}
    if a.mixed:
        claude_bytes = sum(n for k, n in g.files if k == "claude_code")
        g.rng = random.Random(a.seed + 1_000_003)
        for name, fn, share in (("codex", codex, 0.18), ("gemini", gemini, 0.07), ("opencode", opencode, 0.05)):
            sources[name] = Totals()
            fn(g, int(claude_bytes * share / 0.70), sources[name], claude.projects[:12])
    report = {"generator": {"seed": a.seed, "end": iso(end), "size_mb": a.size_mb, "files": a.files, "mixed": a.mixed},
              "env": {"CLAUDE_CONFIG_DIR": ".", **({"CODEX_HOME": "codex", "HOME": "home"} if a.mixed else {})},
              "sources": {}, "totals": dict.fromkeys(TOKEN_KEYS, 0)}
    for name, tot in sources.items():
        sizes = [n for k, n in g.files if k == name]
        report["sources"][name] = {"totals": tot.all, "files": len(sizes), "bytes": sum(sizes),
                                   "file_size_kb": percentiles(sizes), "stats": tot.stats,
                                   "by_model": dict(sorted(tot.by_model.items()))}
        for k, v in tot.all.items():
            report["totals"][k] += v
    report["files"], report["bytes"] = len(g.files), sum(n for _, n in g.files)
    report["seconds"] = round(time.perf_counter() - started, 1)
    (out / "expected.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {report['files']} files, {report['bytes'] / 2**20:.1f} MiB in {report['seconds']} s to {out}")
    for name, src in report["sources"].items():
        print(f"  {name:12} {src['files']:6} files {src['bytes'] / 2**20:8.1f} MiB  sizes KB {src['file_size_kb']}"
              f"  requests {src['totals']['requests']}  tokens {src['totals']['total_tokens']}")
    return report


if __name__ == "__main__":
    main()
