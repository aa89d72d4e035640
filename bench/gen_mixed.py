"""Codex, Gemini CLI and OpenCode parts of the ``--mixed`` corpus written by gen_corpus.py.

Each function writes files under ``g.out`` until about ``budget`` bytes and adds every request it writes to
``tot``, already converted to disjoint token categories:

* Codex rollouts, ``codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl``.  Usage only in
  ``event_msg``/``token_count``; ``info`` is sometimes null, and some events repeat an unchanged cumulative
  total (both add nothing).  The increment is ``last_token_usage``, whose input includes the cached input
  and whose output includes reasoning: input = input - cached, cache read = cached.
* Gemini CLI legacy chats, ``home/.gemini/tmp/<sha256(cwd)>/chats/session-<time>-<id8>.json``, one pretty
  JSON document each.  ``gemini`` messages carry ``tokens`` {input (cache included), output, cached,
  thoughts, tool, total}: input = input - cached + tool, output = output + thoughts.
* OpenCode legacy storage, ``home/.local/share/opencode/storage/{session,message,part}/...``, one pretty JSON
  file per session, message and part.  Assistant messages carry ``tokens`` {input, output, reasoning,
  cache{read, write}, total}; ``total`` includes reasoning, so output = output + reasoning.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from gen_corpus import DAY, Gen, Totals, dumps, iso

CODEX_MODELS = ("gpt-5-codex", "gpt-5.1-codex", "gpt-5")
CODEX_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def start_time(g: Gen, frac: float) -> float:
    return g.end - 90 * DAY + frac * 89 * DAY + g.rng.uniform(0, 3600)


def codex(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
    sizes = g.sizes(max(1, budget // 300_000), budget, 1.2)
    for i, size in enumerate(sizes):
        t, sid = start_time(g, i / len(sizes)), g.uuid()
        d = datetime.fromtimestamp(t, UTC)
        name = f"rollout-{d:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"
        data = rollout(g, tot, t, sid, g.rng.choice(cwds), size)
        g.write(g.out / "codex" / "sessions" / f"{d:%Y/%m/%d}" / name, data, "codex")


def rollout(g: Gen, tot: Totals, t: float, sid: str, cwd: str, size: int) -> bytes:
    r, buf = g.rng, []

    def ev(typ: str, payload: dict) -> None:
        nonlocal t
        t = min(t + r.uniform(0.3, 15), g.end)
        buf.append(dumps({"timestamp": iso(t), "type": typ, "payload": payload}))

    def limits() -> dict:
        return {
            "primary": {
                "used_percent": round(r.uniform(0, 90), 1),
                "window_minutes": 300,
                "resets_in_seconds": r.randint(60, 18000),
            },
            "secondary": {"used_percent": round(r.uniform(0, 60), 1), "window_minutes": 10080},
        }

    ev(
        "session_meta",
        {
            "id": sid,
            "timestamp": iso(t),
            "cwd": cwd,
            "originator": "codex_cli_rs",
            "cli_version": "0.46.0",
            "instructions": None,
            "source": "cli",
            "model_provider": "openai",
            "git": {"commit_hash": f"{r.getrandbits(160):040x}", "branch": "main"},
        },
    )
    ev("event_msg", {"type": "token_count", "info": None, "rate_limits": limits()})
    total, model, ctx, written = dict.fromkeys(CODEX_FIELDS, 0), r.choice(CODEX_MODELS), 0, 0
    while written < size:
        if r.random() < 0.1:
            model = r.choice(CODEX_MODELS)
        ev(
            "turn_context",
            {
                "cwd": cwd,
                "approval_policy": "on-request",
                "model": model,
                "effort": "medium",
                "sandbox_policy": {"mode": "workspace-write"},
                "summary": "auto",
            },
        )
        prompt = g.text(r.randint(30, 1500))
        ev("event_msg", {"type": "user_message", "message": prompt, "images": []})
        ev(
            "response_item",
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]},
        )
        new = r.randint(2000, 12_000)
        for _ in range(r.randint(1, 5)):
            ev(
                "response_item",
                {
                    "type": "reasoning",
                    "content": None,
                    "summary": [{"type": "summary_text", "text": g.text(200)}],
                    "encrypted_content": g.rid(r.randint(800, 4000)),
                },
            )
            call = "call_" + g.rid(24)
            ev(
                "response_item",
                {
                    "type": "function_call",
                    "name": "shell",
                    "call_id": call,
                    "arguments": json.dumps({"command": ["bash", "-lc", g.text(80)]}),
                },
            )
            out = g.text(min(40_000, max(500, int(r.lognormvariate(8.5, 1.0)))))
            ev(
                "response_item",
                {
                    "type": "function_call_output",
                    "call_id": call,
                    "output": json.dumps({"output": out, "metadata": {"exit_code": 0}}),
                },
            )
            inp = ctx + new
            cached = min(inp, int(ctx * r.uniform(0.85, 1.0)))
            output = max(1, int(r.lognormvariate(5.5, 1.0)))
            last = dict(
                zip(CODEX_FIELDS, (inp, cached, output, r.randint(0, output), inp + output), strict=True)
            )
            total = {k: total[k] + v for k, v in last.items()}
            info = {"total_token_usage": total, "last_token_usage": last, "model_context_window": 272_000}
            ev("event_msg", {"type": "token_count", "info": info, "rate_limits": limits()})
            tot.add(model, inp - cached, output, 0, 0, cached, last["reasoning_output_tokens"])
            if r.random() < 0.15:
                ev("event_msg", {"type": "token_count", "info": info, "rate_limits": limits()})
                tot.count("repeated_token_count")
            if r.random() < 0.05:
                ev("event_msg", {"type": "token_count", "info": None, "rate_limits": limits()})
            ctx, new = (inp + output, len(out) // 4) if inp < 240_000 else (30_000, 0)
        ev("event_msg", {"type": "agent_message", "message": g.text(r.randint(50, 800))})
        written = sum(map(len, buf))
    return b"".join(buf)


def gemini(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
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
                result = {"functionResponse": {"id": call, "name": "read_file", "response": {"output": out}}}
                args = {"absolute_path": cwd + "/src/app.py"}
                msgs.append(
                    {
                        "id": g.uuid(),
                        "timestamp": iso(t),
                        "type": "gemini",
                        "content": g.text(r.randint(20, 1200)),
                        "thoughts": [
                            {"subject": g.text(30), "description": g.text(200), "timestamp": iso(t)}
                        ],
                        "tokens": {
                            "input": inp,
                            "output": output,
                            "cached": cached,
                            "thoughts": thoughts,
                            "tool": tool,
                            "total": inp + output + thoughts + tool,
                        },
                        "model": model,
                        "toolCalls": [
                            {
                                "id": call,
                                "name": "read_file",
                                "args": args,
                                "result": [result],
                                "status": "success",
                                "timestamp": iso(t),
                            }
                        ],
                    }
                )
                tot.add(model, inp - cached + tool, output + thoughts, 0, 0, cached, thoughts)
                acc += len(out) + 1500
                ctx, new = (inp + output, len(out) // 4) if inp < 500_000 else (40_000, 0)
        phash = hashlib.sha256(cwd.encode()).hexdigest()
        doc = {
            "sessionId": sid,
            "projectHash": phash,
            "startTime": iso(t0),
            "lastUpdated": iso(t),
            "messages": msgs,
        }
        d = datetime.fromtimestamp(t0, UTC)
        path = home / ".gemini" / "tmp" / phash / "chats" / f"session-{d:%Y-%m-%dT%H-%M}-{sid[:8]}.json"
        g.write(path, json.dumps(doc, indent=2, ensure_ascii=False).encode(), "gemini")


def opencode(g: Gen, budget: int, tot: Totals, cwds: list[str]) -> None:
    r, acc = g.rng, 0
    root = g.out / "home" / ".local" / "share" / "opencode" / "storage"
    models = [
        ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-opus-4-6"),
        ("openai", "gpt-5"),
        ("google", "gemini-2.5-pro"),
    ]
    end_ms = int(g.end * 1000)

    def put(obj: dict, *parts: str) -> None:
        nonlocal acc
        data = json.dumps(obj, indent=2, ensure_ascii=False).encode()
        acc += len(data)
        g.write(root.joinpath(*parts, obj["id"] + ".json"), data, "opencode")

    def oid(prefix: str, ms: int) -> str:
        return f"{prefix}_{ms:012x}{g.rid(14)}"

    while acc < budget:
        ms, cwd = int(start_time(g, acc / budget) * 1000), r.choice(cwds)
        ses, proj = oid("ses", ms), hashlib.sha1(cwd.encode()).hexdigest()
        put(
            {
                "id": ses,
                "version": "0.15.8",
                "projectID": proj,
                "directory": cwd,
                "title": g.text(40),
                "time": {"created": ms, "updated": ms},
            },
            "session",
            proj,
        )
        provider, model = r.choice(models)
        ctx = 0
        for _ in range(r.randint(2, 25)):
            ms = min(ms + r.randint(5_000, 60_000), end_ms)
            uid = oid("msg", ms)
            put({"id": uid, "sessionID": ses, "role": "user", "time": {"created": ms}}, "message", ses)
            put(
                {
                    "id": oid("prt", ms),
                    "messageID": uid,
                    "sessionID": ses,
                    "type": "text",
                    "text": g.text(r.randint(20, 1000)),
                },
                "part",
                uid,
            )
            ms = min(ms + r.randint(2_000, 90_000), end_ms)
            aid, out = oid("msg", ms), g.text(min(30_000, max(200, int(r.lognormvariate(8.0, 1.0)))))
            inp, output = r.randint(5, 3000), r.randint(20, 3000)
            reasoning = r.randint(0, 2000) if provider == "openai" else 0
            read, write = ctx, r.randint(500, 8000) if provider == "anthropic" else 0
            tokens = {
                "input": inp,
                "output": output,
                "reasoning": reasoning,
                "cache": {"read": read, "write": write},
                "total": inp + output + reasoning + read + write,
            }
            cost = round((inp * 3 + (output + reasoning) * 15 + read * 0.3 + write * 3.75) / 1e6, 6)
            put(
                {
                    "id": aid,
                    "sessionID": ses,
                    "role": "assistant",
                    "time": {"created": ms, "completed": ms + r.randint(500, 9000)},
                    "parentID": uid,
                    "modelID": model,
                    "providerID": provider,
                    "mode": "build",
                    "system": [],
                    "path": {"cwd": cwd, "root": cwd},
                    "cost": cost,
                    "tokens": tokens,
                },
                "message",
                ses,
            )
            put(
                {
                    "id": oid("prt", ms),
                    "messageID": aid,
                    "sessionID": ses,
                    "type": "tool",
                    "tool": "bash",
                    "callID": "toolu_" + g.rid(22),
                    "state": {
                        "status": "completed",
                        "input": {"command": g.text(60)},
                        "output": out,
                        "title": g.text(30),
                        "metadata": {},
                    },
                },
                "part",
                aid,
            )
            tot.add(model, inp, output + reasoning, write, 0, read, reasoning)
            ctx = min(180_000, ctx + write + inp + output + len(out) // 4)
