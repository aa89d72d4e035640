"""``tokledger statusline``: one line for Claude Code's status bar, from the ledger, in a few sums.

Claude Code runs the command at session start and after each assistant message (debounced 300 ms; a
new run cancels one in flight), with JSON on stdin: ``session_id``, ``transcript_path``, ``cwd``,
``model.{id,display_name}``, ``cost.total_cost_usd`` (its own client-side estimate), ``context_window.
used_percentage`` and, for Pro/Max plans after the first response, ``rate_limits.{five_hour,seven_day}.
{used_percentage, resets_at}`` (epoch seconds; each window may be absent). ``context_window.
total_input_tokens`` is the current context, not cumulative use (since 2.1.132), so it is not used.

Data (:class:`StatusData`, which the ledger answers from its rollups): this session's cost (all its
requests, exact), today's cost (local day), the active 5-hour block and the budgets that apply to this
session — one run makes two sums, one ``active_block`` and, per applicable limit, one sum for its
period plus one seven-day sum per distinct scope. A status line with no ledger rows yet for the session shows Claude Code's own estimate as
``~$0.42``. The plan's ``rate_limits`` are returned in :class:`StatusResult` so the caller can keep them
in the ledger; with ``five_hour.resets_at`` the block's time left is the vendor's, not the estimate.
``used_percentage`` outside 0–100 (a Claude Code bug once put an epoch time there) is dropped.

``--format`` template: segments separated by ``" | "``; a segment is shown only when every placeholder
in it has a value. Placeholders: ``{model}``, ``{session_cost}``, ``{today_cost}``, ``{block_cost}``,
``{block_left}`` (``2h 05m``), ``{block_rate}`` (``$4.10/h``), ``{block_tokens_rate}`` (``2.1k tok/min``,
coloured like ccusage: green below 2,000, yellow to 5,000, red above), ``{budget}`` (``budget 81%``,
the fullest applicable limit, coloured by level), ``{budget_level}``, ``{five_hour}``, ``{seven_day}``
(``37%``), ``{context}`` (context window used, ``21%``), ``{cc_cost}`` (Claude Code's estimate).
Colours are ANSI and off with ``NO_COLOR``. This module imports only the standard library and the
budget evaluator: it runs on every assistant message. It raises no alerts (a run may be cancelled at
any moment, after its claim and before its webhook); the hooks and ``tokledger budget`` do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from tokledger.budgets.config import BudgetConfig
from tokledger.budgets.evaluate import LEVELS, Context, UsageSums, evaluate, format_amount
from tokledger.budgets.periods import period_bounds, to_ms

DEFAULT_FORMAT = (
    "{model} | {session_cost} session | {today_cost} today | {block_left} left | {block_rate} | {budget}"
    " | 5h {five_hour} | 7d {seven_day}"
)
PLACEHOLDERS = ("model", "session_cost", "today_cost", "block_cost", "block_left", "block_rate", "block_tokens_rate",
                "budget", "budget_level", "five_hour", "seven_day", "context", "cc_cost")  # fmt: skip
_PLACEHOLDER = re.compile(r"{(\w+)}")
_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "reset": "\x1b[0m"}
_LEVEL_COLOUR = {"ok": "green", "warn": "yellow", "stop": "red"}
BLOCK_MS = 5 * 3_600_000


@dataclass(frozen=True)
class RateWindow:
    used_percentage: float
    resets_at: int | None  # Unix seconds


@dataclass(frozen=True)
class RateLimits:
    """The plan's own quota figures as Claude Code sent them (keep them: the vendor's truth)."""

    session_id: str | None
    observed_ms: int
    five_hour: RateWindow | None = None
    seven_day: RateWindow | None = None


@dataclass(frozen=True)
class Block:
    """The active 5-hour block: bounds, totals, and the first and last request times (UTC ms)."""

    start_ms: int
    end_ms: int
    cost_pusd: int
    tokens: int
    first_ms: int
    last_ms: int


class StatusData(UsageSums, Protocol):
    def active_block(self, *, now_ms: int) -> Block | None: ...


@dataclass(frozen=True)
class StatusInput:
    session_id: str | None = None
    transcript_path: str | None = None
    cwd: str | None = None
    model: str = ""
    cc_cost_usd: Decimal | None = None
    context_percent: float | None = None
    rate_limits: RateLimits | None = None


@dataclass(frozen=True)
class StatusResult:
    line: str
    rate_limits: RateLimits | None


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(data, *path) -> str | None:
    value = _get(data, *path)
    return value if isinstance(value, str) and value else None


def _percent(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        return None
    return float(value)


def _window(data) -> RateWindow | None:
    used = _percent(_get(data, "used_percentage"))
    if used is None:
        return None
    resets = _get(data, "resets_at")
    ok = isinstance(resets, int) and not isinstance(resets, bool) and 1_500_000_000 < resets < 4_200_000_000
    return RateWindow(used, resets if ok else None)


def parse_input(text: str, now: datetime) -> StatusInput:
    """The fields used, from Claude Code's status-line JSON; anything malformed is left out."""
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    cost = _get(data, "cost", "total_cost_usd")
    cc_cost = Decimal(str(cost)) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
    limits = None
    five, seven = (
        _window(_get(data, "rate_limits", "five_hour")),
        _window(_get(data, "rate_limits", "seven_day")),
    )
    if five or seven:
        limits = RateLimits(_text(data, "session_id"), to_ms(now), five, seven)
    return StatusInput(
        session_id=_text(data, "session_id"), transcript_path=_text(data, "transcript_path"),
        cwd=_text(data, "cwd") or _text(data, "workspace", "current_dir"),
        model=_text(data, "model", "display_name") or _text(data, "model", "id") or "",
        cc_cost_usd=cc_cost if cc_cost is not None and cc_cost.is_finite() and cc_cost >= 0 else None,
        context_percent=_percent(_get(data, "context_window", "used_percentage")), rate_limits=limits,
    )  # fmt: skip


def _paint(text: str, colour: str | None, colour_on: bool) -> str:
    return f"{_ANSI[colour]}{text}{_ANSI['reset']}" if colour_on and colour and text else text


def _duration(ms: int) -> str:
    minutes = max(ms, 0) // 60_000
    return f"{minutes // 60}h {minutes % 60:02d}m"


def _quota_colour(percent: float) -> str:
    return "red" if percent >= 90 else "yellow" if percent >= 70 else "green"


def values(inp: StatusInput, data: StatusData, budgets: BudgetConfig, now: datetime, tz: ZoneInfo,
           colour: bool) -> dict[str, str]:  # fmt: skip
    """Every placeholder's text ("" when there is nothing to show)."""
    now_ms = to_ms(now)
    v = dict.fromkeys(PLACEHOLDERS, "")
    v["model"] = re.sub(r"[\x00-\x1f\x7f]", "", inp.model)
    if inp.cc_cost_usd is not None:
        v["cc_cost"] = f"${inp.cc_cost_usd:.2f}"
    if inp.session_id:
        mine = data.sums(start_ms=None, end_ms=None, session=inp.session_id)
        if mine.requests:
            v["session_cost"] = format_amount(mine.cost_pusd, "usd") + ("*" if mine.unpriced else "")
        elif v["cc_cost"]:
            v["session_cost"] = "~" + v["cc_cost"]
    start, end = period_bounds("daily", now, tz)
    v["today_cost"] = format_amount(data.sums(start_ms=start, end_ms=end).cost_pusd, "usd")
    block = data.active_block(now_ms=now_ms)
    five = inp.rate_limits.five_hour if inp.rate_limits else None
    if block is not None:
        v["block_cost"] = format_amount(block.cost_pusd, "usd")
        v["block_left"] = _duration(block.end_ms - now_ms)
        minutes = (block.last_ms - block.first_ms) / 60_000
        if minutes > 0:
            v["block_rate"] = f"{format_amount(int(block.cost_pusd / minutes * 60), 'usd')}/h"
            per_min = block.tokens / minutes
            tone = "green" if per_min < 2000 else "yellow" if per_min <= 5000 else "red"
            v["block_tokens_rate"] = _paint(f"{format_amount(int(per_min), 'tokens')} tok/min", tone, colour)
    if five is not None and five.resets_at is not None and five.resets_at * 1000 > now_ms:
        v["block_left"] = _duration(five.resets_at * 1000 - now_ms)
    for name, window in (("five_hour", five), ("seven_day", inp.rate_limits and inp.rate_limits.seven_day)):
        if window is not None:
            v[name] = _paint(f"{window.used_percentage:.0f}%", _quota_colour(window.used_percentage), colour)
    if inp.context_percent is not None:
        v["context"] = f"{inp.context_percent:.0f}%"
    if budgets.limits:
        context = Context(source="claude_code", project=inp.cwd, session=inp.session_id)
        statuses = evaluate(budgets, data, now, tz, context=context)
        if statuses:
            top = max(statuses, key=lambda s: (LEVELS.index(s.level), s.used / s.limit.amount))
            v["budget_level"] = _paint(top.level, _LEVEL_COLOUR[top.level], colour)
            v["budget"] = _paint(f"budget {top.percent:.0f}%", _LEVEL_COLOUR[top.level], colour)
    return v


def render(template: str, v: dict[str, str]) -> str:
    """Fill ``template``; drop each ``" | "`` segment with an empty or unknown placeholder."""
    shown = []
    for segment in template.split(" | "):
        names = _PLACEHOLDER.findall(segment)
        if all(v.get(name) for name in names):
            shown.append(_PLACEHOLDER.sub(lambda m: v[m.group(1)], segment))
    return " | ".join(s for s in shown if s.strip())


def status_line(
    stdin_text: str, data: StatusData, budgets: BudgetConfig, tz: ZoneInfo, *, template: str = DEFAULT_FORMAT,
    colour: bool = True, now: datetime | None = None, before: Callable[[StatusInput], None] | None = None,
) -> StatusResult:  # fmt: skip
    """The line to print and the rate limits to keep, for one status-line run.

    ``before`` runs once the input is parsed (the caller reads the session's transcript there, so the
    session cost includes the message just written).
    """
    now = now or datetime.now(UTC)
    inp = parse_input(stdin_text, now)
    if before is not None:
        before(inp)
    return StatusResult(render(template, values(inp, data, budgets, now, tz, colour)), inp.rate_limits)
