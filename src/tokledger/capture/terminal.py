"""Usage summaries that coding CLIs print on screen, parsed from a tmux capture (plain text, no escapes).

Gemini CLI (``/stats`` and the exit summary "Agent powering down. Goodbye!"), upstream
``packages/cli/src/ui/components/StatsDisplay.tsx``
    A boxed table (``│`` borders) after ``Model Usage``: one row per model with ``Reqs``, ``Input
    Tokens``, ``Cache Reads`` and ``Output Tokens``; "Input Tokens" there excludes the cache reads (the
    "Savings Highlight" percentage is cache ÷ (input + cache)). Older releases had no ``Cache Reads``
    column and counted cached tokens inside input; with a single model row the highlight's count is
    subtracted, with several the input stays whole (the screen cannot split it). ``Output Tokens`` are
    candidates only: thinking tokens are not on this table. ``Session ID:`` above the table, when shown,
    names the session. Figures are **cumulative for the session**.
Codex CLI (printed on exit, and for the previous thread after ``/new``), upstream ``FinalOutput``
    ``Token usage: total=1,234 input=1,000 (+ 200 cached) output=234 (reasoning 50)``: input without
    the cached part, cached = cache reads, output including reasoning. The thread's total; the model is
    not on the line, so the nearest ``model:`` above it (the session header box) is used, else "unknown";
    ``codex resume <id>`` just below names the session.
agent-deck's patterns (its parsers are marked untested there; kept for tools and versions that print them)
    ``Tokens used: 12,345 prompt + 678 completion (gpt-5-codex)`` (prompt includes any cached tokens),
    ``Token count: 48,210 input, 615 output`` (Gemini; no model: "unknown"), and
    ``MiniMax usage: 1,234 input tokens, 567 output tokens (MiniMax-M2.7)``.

Every summary is a running total for its session (a Codex thread counts as one session), so the
poller records one event per session and model whose counts grow with each new summary. Thousands
separators are removed before converting; counts above 10^12 are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOKENS = 10**12
N = r"(\d[\d,]*)"
_BOX = re.compile(r"[│┃|]")
_GEMINI_HEADER = re.compile(r"Model Usage.*\bReqs\s+Input Tokens\s+(Cache Reads\s+)?Output Tokens")
_GEMINI_ROW = re.compile(rf"^\s*([A-Za-z0-9][\w.\-:/]*)\s+{N}\s+{N}\s+(?:{N}\s+)?{N}\s*$")
_SAVINGS = re.compile(rf"Savings Highlight:\s*{N}")
_SESSION_ID = re.compile(r"Session ID:\s+([0-9a-fA-F-]{8,})")
_CODEX = re.compile(rf"Token usage:\s*total={N}\s+input={N}(?:\s*\(\+\s*{N}\s+cached\))?\s+output={N}"
                    rf"(?:\s*\(reasoning\s+{N}\))?")  # fmt: skip
_CODEX_MODEL = re.compile(r"\bmodel:\s+([A-Za-z0-9][\w.\-:/]*)")
_CODEX_RESUME = re.compile(r"codex resume\s+([0-9a-fA-F-]{8,})")
_DECK_CODEX = re.compile(rf"Tokens used:\s*{N}\s+prompt\s*\+\s*{N}\s+completion\s*\(([^)\s]+)\)")
_DECK_GEMINI = re.compile(rf"Token count:\s*{N}\s+input,\s*{N}\s+output")
_MINIMAX = re.compile(rf"MiniMax usage:\s*{N}\s+input tokens?,\s*{N}\s+output tokens?\s*\(([^)\s]+)\)")
TOOLS = ("gemini", "codex", "minimax")


@dataclass(frozen=True)
class Summary:
    """One model's running totals as a CLI showed them; ``line`` is where it starts in the capture."""

    tool: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    session: str | None = None
    line: int = 0


def _n(text: str | None) -> int:
    value = int(text.replace(",", "")) if text else 0
    return value if value <= MAX_TOKENS else -1


def _valid(s: Summary) -> bool:
    counts = (s.input_tokens, s.output_tokens, s.cache_read_tokens, s.reasoning_tokens)
    return min(counts) >= 0 and s.reasoning_tokens <= s.output_tokens


def _gemini_table(lines: list[str], start: int, with_cache: bool, session: str | None) -> list[Summary]:
    rows, i = [], start + 1
    while i < len(lines) and (not lines[i].strip() or set(lines[i].strip()) <= set("─━-")):
        i += 1
    while i < len(lines) and (m := _GEMINI_ROW.match(lines[i])):
        model, _, inp, cache, out = m.groups()
        if not with_cache and cache is not None:  # five numbers under a four-column header
            break
        rows.append(Summary("gemini", model, _n(inp), _n(out), _n(cache), 0, session, start))
        i += 1
    if not with_cache and len(rows) == 1:
        saved = next((_n(m.group(1)) for line in lines[i : i + 4] if (m := _SAVINGS.search(line))), 0)
        if 0 < saved <= rows[0].input_tokens:
            r = rows[0]
            rows = [
                Summary("gemini", r.model, r.input_tokens - saved, r.output_tokens, saved, 0, session, start)
            ]
    return rows


def parse_screen(text: str, tools: tuple[str, ...] = TOOLS) -> list[Summary]:
    """Every summary on the screen, top to bottom."""
    lines = [_BOX.sub(" ", line).rstrip() for line in text.splitlines()]
    found: list[Summary] = []
    session = None
    model = "unknown"
    for i, line in enumerate(lines):
        if m := _SESSION_ID.search(line):
            session = m.group(1)
        if m := _CODEX_MODEL.search(line):
            model = m.group(1)
        if "gemini" in tools and (m := _GEMINI_HEADER.search(line)):
            found += _gemini_table(lines, i, m.group(1) is not None, session)
            session = None
        elif "gemini" in tools and (m := _DECK_GEMINI.search(line)):
            found.append(Summary("gemini", "unknown", _n(m.group(1)), _n(m.group(2)), line=i))
        elif "codex" in tools and (m := _CODEX.search(line)):
            _, inp, cached, out, reasoning = m.groups()
            resume = next(
                (r.group(1) for nxt in lines[i + 1 : i + 4] if (r := _CODEX_RESUME.search(nxt))), None
            )
            found.append(Summary("codex", model, _n(inp), _n(out), _n(cached), _n(reasoning), resume, i))
        elif "codex" in tools and (m := _DECK_CODEX.search(line)):
            found.append(Summary("codex", m.group(3), _n(m.group(1)), _n(m.group(2)), line=i))
        elif "minimax" in tools and (m := _MINIMAX.search(line)):
            found.append(Summary("minimax", m.group(3), _n(m.group(1)), _n(m.group(2)), line=i))
    return [s for s in found if _valid(s)]
