"""Amp (Sourcegraph): one JSON document per thread under ``threads/``.

Where
    ``$AMP_DATA_DIR``, else ``${XDG_DATA_HOME:-~/.local/share}/amp``; every ``*.json`` below ``threads/``
    (``T-<uuid>.json``). A thread file is a single JSON document rewritten as the thread grows, so a
    changed file is read again whole.

Records
    Thread ``{id, created (epoch ms), messages[], usageLedger?}``. Two forms exist and exactly one is used
    per thread, never both:

    - ledger form, when ``usageLedger.events[]`` is present: each event has ``id``, ``timestamp``,
      ``model``, ``credits``, ``tokens.{input, output, cacheReadInputTokens, cacheCreationInputTokens}``,
      ``operationType``, ``fromMessageId`` and ``toMessageId``. When the event carries no cache figures
      they are taken from the assistant message whose ``messageId`` equals ``toMessageId`` (as ccusage
      does) — once per message, and not at all when another event for that message reports its own;
    - message form (newer threads): each ``messages[]`` entry with ``role`` "assistant" and a ``usage``
      object with ``model``, ``timestamp``, ``inputTokens``, ``outputTokens``, ``cacheCreationInputTokens``,
      ``cacheReadInputTokens``, ``totalInputTokens`` and ``credits``.

Token semantics (Anthropic convention)
    input = ``inputTokens`` / ``tokens.input``; cache write = ``cacheCreationInputTokens`` (no 1-hour split
    is reported); cache read = ``cacheReadInputTokens``; output = ``outputTokens``; reasoning = 0. That
    input excludes the cache is inferred from the naming and from ``totalInputTokens = input + cache write
    + cache read`` in the recorded shape; a message whose ``totalInputTokens`` equals its ``inputTokens``
    while it reports cache tokens is taken to include them, and the cache is subtracted.

Identity and duplicates
    Key: thread id + ledger event ``id`` (ledger form; without an id, ``toMessageId`` + timestamp), or
    thread id + ``messageId`` (message form). Dated by the event's ``timestamp`` or ``usage.timestamp``,
    else by the thread's ``created``.

Recorded cost
    ``credits`` are Amp credits, not US dollars, and are not stored (an event has no field for a
    non-USD quantity); the cost is calculated from the tokens.

Quirks
    ccusage's Amp support broke on the message-form schema (ccusage #1474); tokscale reports wrong or
    zero cache figures for Amp (tokscale #88). No project or workspace is recorded; session = thread id.
    A thread that is not valid JSON (or has wrong field types) counts as one skipped record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths

NAME = "amp"
Number = int | float | None


class _Tokens(msgspec.Struct):
    input: Number = None
    output: Number = None
    cacheReadInputTokens: Number = None
    cacheCreationInputTokens: Number = None


class _LedgerEvent(msgspec.Struct):
    id: str | None = None
    timestamp: datetime | None = None
    model: str | None = None
    tokens: _Tokens | None = None
    toMessageId: int | str | None = None


class _Ledger(msgspec.Struct):
    events: list[_LedgerEvent] | None = None


class _Usage(msgspec.Struct):
    model: str | None = None
    timestamp: datetime | None = None
    inputTokens: Number = None
    outputTokens: Number = None
    cacheCreationInputTokens: Number = None
    cacheReadInputTokens: Number = None
    totalInputTokens: Number = None


class _Message(msgspec.Struct):
    role: str | None = None
    messageId: int | str | None = None
    usage: _Usage | None = None


class _Thread(msgspec.Struct):
    id: str | None = None
    created: Number = None
    messages: list[_Message] | None = None
    usageLedger: _Ledger | None = None


_decode = msgspec.json.Decoder(_Thread).decode


def root(env: Env) -> Path:
    configured = env.get("AMP_DATA_DIR")
    return (env.expand(configured) if configured else env.xdg_data_home / "amp") / "threads"


def discover(env: Env) -> Discovery:
    threads = root(env)
    notices: list[str] = []
    return Discovery(roots=[threads], files=find_paths([threads], ".json", notices), notices=notices)


def _count(value: Number) -> int:
    if value is None:
        return 0
    if value < 0 or value != int(value):
        raise ValueError(f"bad token count {value!r}")
    return int(value)


def _utc(value: datetime | None, fallback: datetime | None) -> datetime:
    if value is None:
        if fallback is None:
            raise ValueError("no timestamp")
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _message_tokens(usage: _Usage) -> tuple[int, int, int, int]:
    inp, out = _count(usage.inputTokens), _count(usage.outputTokens)
    write, read = _count(usage.cacheCreationInputTokens), _count(usage.cacheReadInputTokens)
    if usage.totalInputTokens is not None and _count(usage.totalInputTokens) == inp and write + read:
        inp = max(inp - write - read, 0)
    return inp, out, write, read


def _has_cache(tokens: _Tokens) -> bool:
    return tokens.cacheCreationInputTokens is not None or tokens.cacheReadInputTokens is not None


def _events(thread: _Thread, fallback_id: str) -> list[UsageEvent]:
    tid = thread.id or fallback_id
    created = datetime.fromtimestamp(thread.created / 1000, UTC) if thread.created else None
    assistant = {
        str(m.messageId): m.usage for m in thread.messages or () if m.role == "assistant" and m.usage
    }
    rows: list[tuple[str, datetime, str | None, tuple[int, int, int, int]]] = []
    ledger = thread.usageLedger.events if thread.usageLedger else None
    if ledger:
        # A message's cache figures go to one event only, and never to a second event when another
        # event for the same message already reports its own.
        used = {str(ev.toMessageId) for ev in ledger if ev.tokens and _has_cache(ev.tokens)}
        for ev in ledger:
            tokens = ev.tokens or _Tokens()
            inp, out = _count(tokens.input), _count(tokens.output)
            write, read = _count(tokens.cacheCreationInputTokens), _count(tokens.cacheReadInputTokens)
            target = str(ev.toMessageId) if ev.toMessageId is not None else None
            if not _has_cache(tokens) and target:
                usage = assistant.get(target)
                if usage is not None and target not in used:
                    used.add(target)
                    write, read = _count(usage.cacheCreationInputTokens), _count(usage.cacheReadInputTokens)
            timestamp = _utc(ev.timestamp, created)
            key = f"{tid}:event:{ev.id}" if ev.id else f"{tid}:to:{target}@{timestamp.isoformat()}"
            rows.append((key, timestamp, ev.model, (inp, out, write, read)))
    else:
        for message in thread.messages or ():
            if message.role == "assistant" and message.usage is not None:
                usage = message.usage
                key = f"{tid}:message:{message.messageId}"
                rows.append((key, _utc(usage.timestamp, created), usage.model, _message_tokens(usage)))
    return [
        UsageEvent(source=NAME, key=key, timestamp=timestamp, model=model or "unknown", input_tokens=inp,
                   output_tokens=out, cache_write_tokens=write, cache_read_tokens=read, session_id=tid)
        for key, timestamp, model, (inp, out, write, read) in rows
        if inp or out or write or read
    ]  # fmt: skip


def parse(path: Path, start: int = 0) -> ParseResult:
    data = path.read_bytes()
    try:
        events = _events(_decode(data), path.stem)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, OverflowError):
        return ParseResult(events=[], end_offset=len(data), skipped=1)
    return ParseResult(events=events, end_offset=len(data))


SOURCE = Source(
    name=NAME,
    title="Amp",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=False,
)
