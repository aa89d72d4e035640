"""Kimi CLI and Kimi Code (Moonshot AI): the ``wire.jsonl`` event logs of each session.

Where
    Kimi CLI: ``$KIMI_SHARE_DIR`` (else ``~/.kimi``) ``/sessions/<work-dir hash>/<session>/wire.jsonl``.
    Kimi Code: ``$KIMI_CODE_HOME`` (else ``~/.kimi-code``) ``/sessions/<workspace>/<session>/agents/<agent>/
    wire.jsonl``. Every ``wire.jsonl`` below either ``sessions/`` is read; files are append-only.

Records
    Kimi CLI (wire protocol 1.x): a ``{"type": "metadata", "protocol_version": …}`` header, then
    ``{"timestamp": <float seconds>, "message": {"type": …, "payload": …}}``. Usage is in ``StatusUpdate``
    messages: ``payload.token_usage.{input_other, output, input_cache_read, input_cache_creation}`` (the
    usage of the current *step*, one LLM call) and ``payload.message_id``. A subagent's events arrive
    wrapped as ``SubagentEvent`` with ``payload.event.{type, payload}`` and are read the same way.
    Kimi Code: ``{"type": "usage.record", "time": <epoch ms>, "model": …, "usageScope": …,
    "usage": {inputOther, output, inputCacheRead, inputCacheCreation}}``. The ``step.end`` loop events
    repeat the same usage and are ignored (tokscale counts them once for the same reason).

Token semantics (already disjoint)
    input = ``input_other`` / ``inputOther`` (prompt tokens neither read from nor written to the cache);
    cache read = ``input_cache_read``; cache write = ``input_cache_creation``; output = ``output``
    (thinking included); reasoning = 0 (not reported separately).

Identity and duplicates
    Kimi CLI: key = ``message_id`` (the provider's response id). The same step may be reported by several
    ``StatusUpdate`` s with growing counts (tokscale #637); they merge into one event keeping each field's
    maximum. A step without ``message_id`` is keyed by session + timestamp. Kimi Code: key = session +
    agent + ``time`` + model. Dated by ``timestamp`` / ``time``.

Model
    Kimi Code records the model alias per record (``provider/model``; the price lookup falls back to the
    part after the last ``/``). Kimi CLI does not record the model in the wire log: the model is taken from
    the configuration next to ``sessions/`` (``config.toml``, or the legacy ``config.json``): its
    ``default_model`` alias resolved through ``[models.<alias>].model``. That is the model configured when
    the log is read, an assumption for sessions that switched models; without a configuration the model
    is ``unknown`` and the usage is reported unpriced.

Project and session
    Session = the ``<session>`` directory. No project is recorded in the log. No logged cost.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_files, read_text
from tokledger.sources._jsonl import read_events
from tokledger.sources._records import MALFORMED

NAME = "kimi"
WIRE = "wire.jsonl"


class _TokenUsage(msgspec.Struct):
    input_other: int | None = None
    output: int | None = None
    input_cache_read: int | None = None
    input_cache_creation: int | None = None


class _Payload(msgspec.Struct):
    token_usage: _TokenUsage | None = None
    message_id: str | None = None
    event: _Envelope | None = None


class _Envelope(msgspec.Struct):
    type: str | None = None
    payload: _Payload | None = None


class _CodeUsage(msgspec.Struct):
    inputOther: int | None = None
    output: int | None = None
    inputCacheRead: int | None = None
    inputCacheCreation: int | None = None


class _Line(msgspec.Struct):
    type: str | None = None
    timestamp: float | None = None
    message: _Envelope | None = None
    time: int | None = None
    model: str | None = None
    usage: _CodeUsage | None = None


_decode = msgspec.json.Decoder(_Line).decode


def roots(env: Env) -> list[Path]:
    cli, code = env.get("KIMI_SHARE_DIR"), env.get("KIMI_CODE_HOME")
    return [
        (env.expand(cli) if cli else env.home / ".kimi") / "sessions",
        (env.expand(code) if code else env.home / ".kimi-code") / "sessions",
    ]


def discover(env: Env) -> Discovery:
    tried = roots(env)
    notices: list[str] = []
    files = [p for p in find_files(tried, WIRE, notices) if p.name == WIRE]
    return Discovery(roots=tried, files=files, notices=notices)


def _layout(path: Path) -> tuple[Path | None, str, str | None]:
    """(the directory holding ``sessions/``, the session id, the Kimi Code agent id) of a wire file."""
    parts = path.parts
    if "sessions" not in parts[:-1]:
        return None, path.parent.name, None
    i = len(parts) - 2 - parts[-2::-1].index("sessions")
    session = parts[i + 2] if len(parts) > i + 3 else path.parent.name
    agent = parts[i + 4] if len(parts) > i + 5 and parts[i + 3] == "agents" else None
    return Path(*parts[:i]), session, agent


def configured_model(home: Path | None) -> str:
    """Kimi CLI's configured default model, or ``unknown``."""
    if home is None:
        return "unknown"
    config: dict = {}
    try:
        config = tomllib.loads(read_text(home / "config.toml") or "")
    except (*MALFORMED, tomllib.TOMLDecodeError):
        config = {}
    if not config:
        try:
            config = json.loads(read_text(home / "config.json") or "{}")
        except MALFORMED:
            return "unknown"
    alias = config.get("default_model") if isinstance(config, dict) else None
    models = config.get("models") if isinstance(config, dict) else None
    entry = models.get(alias) if isinstance(models, dict) and isinstance(alias, str) else None
    model = entry.get("model") if isinstance(entry, dict) else None
    if isinstance(model, str) and model:
        return model
    return alias if isinstance(alias, str) and alias else "unknown"


def _event(line: _Line, session: str, agent: str | None, model: str) -> UsageEvent | None:
    if line.type == "usage.record":
        if line.usage is None or line.time is None:
            raise ValueError("usage record without usage or time")
        u, when = line.usage, datetime.fromtimestamp(line.time / 1000, UTC)
        tokens = (u.inputOther, u.output, u.inputCacheRead, u.inputCacheCreation)
        key = f"{session}:{agent or '-'}:{line.time}:{line.model}"
        model = line.model or "unknown"
    else:
        message = line.message
        if message is not None and message.type == "SubagentEvent" and message.payload is not None:
            message = message.payload.event
        if message is None or message.type != "StatusUpdate" or message.payload is None:
            return None
        payload = message.payload
        if payload.token_usage is None:
            return None
        if line.timestamp is None:
            raise ValueError("status update without timestamp")
        u, when = payload.token_usage, datetime.fromtimestamp(line.timestamp, UTC)
        tokens = (u.input_other, u.output, u.input_cache_read, u.input_cache_creation)
        key = payload.message_id or f"{session}@{line.timestamp!r}"
    inp, out, read, write = (token_count(t) for t in tokens)
    if not (inp or out or read or write):
        return None
    return UsageEvent(source=NAME, key=key, timestamp=when, model=model, input_tokens=inp, output_tokens=out,
                      cache_read_tokens=read, cache_write_tokens=write, session_id=session)  # fmt: skip


def parse(path: Path, start: int = 0) -> ParseResult:
    home, session, agent = _layout(path)
    model: str | None = None

    def to_event(raw: bytes) -> UsageEvent | None:
        nonlocal model
        line = _decode(raw)
        if line.type != "usage.record" and model is None:
            model = configured_model(home)
        return _event(line, session, agent, model or "unknown")

    return read_events(path, start, b"usage", to_event)


SOURCE = Source(
    name=NAME,
    title="Kimi CLI / Kimi Code",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
