"""``tokledger hook <Event>``: the handler Claude Code runs on Stop, SubagentStop and UserPromptSubmit.

Input
    The hook payload, JSON on stdin: ``session_id``, ``transcript_path``, ``cwd``, ``hook_event_name``
    and, on SubagentStop, ``agent_transcript_path``. No payload carries token usage, and only
    SessionStart carries the model, so the handler reads the transcript itself: every event first hands
    ``transcript_path`` (and ``agent_transcript_path``) to the injected ``ingest_transcript`` — the
    ledger's checkpointed read of that one file, which costs a ``stat`` and the appended bytes, so a
    10 MB transcript seen before is cheap, and every API call of the turn is recorded (agent-deck's Stop
    hook reads only the last line, so a turn with tool calls is under-counted). Claude Code writes the
    transcript asynchronously; lines it has not flushed yet are read at the next event.

Decision (the budgets that apply to this request: global, ``claude_code``, the cwd's project, this session)
    - past a stop level, ``UserPromptSubmit`` blocks the prompt: ``{"decision": "block", "reason": ...}``
      (the documented form: the prompt is not processed and the reason is shown) — on every prompt
      until the period resets or the limit is raised;
    - past a stop level, ``Stop``, ``SubagentStop`` and ``PostToolBatch`` end the turn with
      ``{"continue": false, "stopReason": ...}``. Never ``decision: "block"`` there: on Stop that
      means "do not stop", and Claude would keep going;
    - at a warn level (or past stop with ``enforce = false``): ``{"systemMessage": ...}``, shown once per
      session, limit and period when a claim store is given (the same atomic claim as alerts).
    Budget alerts (desktop, webhooks) are raised through the injected ``alerts``.

Never breaking the session
    Any failure — bad payload, unreadable transcript, a ledger error — prints nothing, exits 0 and
    leaves a line through the injected ``notice``; so does an exception in ``notice`` itself. Budgets
    therefore fail open. Output is capped below Claude Code's 10,000-character limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tokledger.budgets.config import BudgetConfig
from tokledger.budgets.evaluate import BudgetStatus, Context, UsageSums, describe, evaluate

SOURCE = "claude_code"
TURN_EVENTS = ("Stop", "SubagentStop", "PostToolBatch")
MAX_OUTPUT = 9000
MAX_PAYLOAD = 16 << 20


@dataclass
class HookDeps:
    """What the handler needs, injected (the core builds it over its workspace)."""

    ingest_transcript: Callable[[Path], None]
    budgets: Callable[[], BudgetConfig]
    sums: Callable[[], UsageSums]
    timezone: Callable[[], object]
    notice: Callable[[str], None]
    alerts: Callable[[list[BudgetStatus]], None] | None = None
    claim: Callable[[str], bool] | None = None
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    config_path: str | None = None


def _resets(status: BudgetStatus, now: datetime) -> str:
    if status.end_ms is None:
        return "it is a lifetime limit"
    left = max(status.end_ms - int(now.timestamp() * 1000), 0) // 60_000
    days, rest = divmod(left, 1440)
    return f"the period resets in {f'{days}d ' if days else ''}{rest // 60}h {rest % 60:02d}m"


def stop_reason(stops: list[BudgetStatus], now: datetime, config_path: str | None) -> str:
    lines = [f"tokledger: {describe(s)} is past its stop level; {_resets(s, now)}." for s in stops[:3]]
    where = f" in {config_path}" if config_path else ""
    lines.append(f"New prompts are blocked until then, or raise the limit under [budgets]{where}.")
    return "\n".join(lines)


def decide(event: str, statuses: list[BudgetStatus], config: BudgetConfig, deps: HookDeps, session: str | None,
           now: datetime) -> dict | None:  # fmt: skip
    """The JSON to print for ``statuses`` (None: print nothing)."""
    stops = [s for s in statuses if s.level == "stop"]
    if stops and config.enforce:
        reason = stop_reason(stops, now, deps.config_path)[:MAX_OUTPUT]
        if event == "UserPromptSubmit":
            return {"decision": "block", "reason": reason}
        return {"continue": False, "stopReason": reason}
    shown = [s for s in statuses if s.level != "ok"]
    if deps.claim is not None:
        shown = [s for s in shown if deps.claim(f"{s.key}:{s.level}:session:{session}")]
    if not shown:
        return None
    text = "\n".join(f"tokledger: {describe(s)} ({s.level})" for s in shown)
    return {"systemMessage": text[:MAX_OUTPUT]}


def handle(event: str | None, payload_text: str, deps: HookDeps) -> dict | None:
    """Record the turn and decide; raises on any failure (:func:`run_hook` turns that into a notice)."""
    payload = json.loads(payload_text)
    if not isinstance(payload, dict):
        raise TypeError("the hook payload is not a JSON object")
    event = event or payload.get("hook_event_name")
    if not isinstance(event, str):
        raise TypeError("no hook event named (argument or hook_event_name)")
    for key in ("transcript_path", "agent_transcript_path"):
        path = payload.get(key)
        if isinstance(path, str) and path:
            deps.ingest_transcript(Path(path))
    config = deps.budgets()
    if not config.limits:
        return None
    session = payload.get("session_id") if isinstance(payload.get("session_id"), str) else None
    cwd = payload.get("cwd") if isinstance(payload.get("cwd"), str) else None
    now = deps.now()
    context = Context(source=SOURCE, project=cwd, session=session)
    statuses = evaluate(config, deps.sums(), now, deps.timezone(), context=context)
    if deps.alerts is not None:
        try:
            deps.alerts(statuses)
        except Exception as exc:  # noqa: BLE001 - a failed alert must not skip the decision
            deps.notice(f"tokledger hook {event}: alerts failed: {type(exc).__name__}: {exc}")
    return decide(event, statuses, config, deps, session, now)


def run_hook(event: str | None, stdin: TextIO, stdout: TextIO, deps: HookDeps) -> int:
    """Run the handler; always returns 0 (the exit code), whatever happens."""
    try:
        output = handle(event, stdin.read(MAX_PAYLOAD), deps)
        if output is not None:
            stdout.write(json.dumps(output) + "\n")
            stdout.flush()
    except Exception as exc:  # noqa: BLE001 - a hook must never break the user's session
        try:
            deps.notice(f"tokledger hook {event or '?'}: {type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001, S110 - nowhere left to report to
            pass
    return 0
