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
    thread id + ``messageId`` (message form). A message without ``messageId`` (ccusage's
    ``reads_usage_from_messages_when_ledger_is_missing`` has two) is keyed by thread id + its
    ``usage.timestamp`` (+ its place among messages of the same instant), so every one counts. Dated by
    the event's ``timestamp`` or ``usage.timestamp``, else by the thread's ``created``.

Recorded cost
    ``credits`` are Amp credits, not US dollars, and are not stored (an event has no field for a
    non-USD quantity); the cost is calculated from the tokens.

Quirks
    ccusage's Amp support broke on the message-form schema (ccusage #1474); tokscale reports wrong or
    zero cache figures for Amp (tokscale #88). No project or workspace is recorded; session = thread id.
    A thread that is not valid JSON counts as one skipped record; a message or event with wrong field
    types or impossible values is skipped and counted on its own, the rest of the thread kept (ccusage's
    ``malformed_message_element_does_not_drop_the_thread``). An event or message whose tokens carry only
    a total (``tokens.total`` / ``totalTokens``; ccusage's ``falls_back_to_total_tokens_when_amp_parts_are_missing``
    books it as output) cannot be split into categories: skipped and counted ("only a total").
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, instant_ms, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths, read_regular, strip_bom
from tokledger.sources._records import MALFORMED, Skips, reason

NAME = "amp"
Number = int | float | None


class _Tokens(msgspec.Struct):
    input: Number = None
    output: Number = None
    cacheReadInputTokens: Number = None
    cacheCreationInputTokens: Number = None
    total: Number = None


class _LedgerEvent(msgspec.Struct):
    id: str | None = None
    timestamp: datetime | None = None
    model: str | None = None
    tokens: _Tokens | None = None
    toMessageId: int | str | None = None


class _Ledger(msgspec.Struct):
    events: list[msgspec.Raw] | None = None


class _Usage(msgspec.Struct):
    model: str | None = None
    timestamp: datetime | None = None
    inputTokens: Number = None
    outputTokens: Number = None
    cacheCreationInputTokens: Number = None
    cacheReadInputTokens: Number = None
    totalInputTokens: Number = None
    totalTokens: Number = None


class _Message(msgspec.Struct):
    role: str | None = None
    messageId: int | str | None = None
    usage: _Usage | None = None


class _Thread(msgspec.Struct):
    id: str | None = None
    created: Number = None
    messages: list[msgspec.Raw] | None = None
    usageLedger: _Ledger | None = None


_decode = msgspec.json.Decoder(_Thread).decode
_decode_message = msgspec.json.Decoder(_Message).decode
_decode_event = msgspec.json.Decoder(_LedgerEvent).decode


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
    if isinstance(value, float) and not math.isfinite(value):
        raise Skip("wrong field type")
    if value < 0:
        raise Skip("negative token count")
    if value != int(value):
        raise Skip("wrong field type")
    return token_count(int(value))


def _utc(value: datetime | None, fallback: datetime | None) -> datetime:
    if value is None:
        if fallback is None:
            raise Skip("no timestamp")
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _message_tokens(usage: _Usage) -> tuple[int, int, int, int]:
    inp, out = _count(usage.inputTokens), _count(usage.outputTokens)
    write, read = _count(usage.cacheCreationInputTokens), _count(usage.cacheReadInputTokens)
    if usage.totalInputTokens is not None and _count(usage.totalInputTokens) == inp and write + read:
        inp = max(inp - write - read, 0)
    if not (inp or out or write or read) and _count(usage.totalTokens):
        raise Skip("only a total")
    return inp, out, write, read


def _has_cache(tokens: _Tokens) -> bool:
    return tokens.cacheCreationInputTokens is not None or tokens.cacheReadInputTokens is not None


def _decoded(raws: list[msgspec.Raw] | None, decode, skips: Skips) -> list:
    out = []
    for raw in raws or ():
        try:
            out.append(decode(raw))
        except MALFORMED as exc:
            skips.add(exc)
    return out


Row = tuple[str, datetime, str | None, tuple[int, int, int, int]]


def _ledger_rows(tid: str, ledger: list[_LedgerEvent], messages: list[_Message], created: datetime | None,
                 skips: Skips) -> list[Row]:  # fmt: skip
    assistant = {str(m.messageId): m.usage for m in messages if m.role == "assistant" and m.usage}
    # A message's cache figures go to one event only, and never to a second event when another
    # event for the same message already reports its own.
    used = {str(ev.toMessageId) for ev in ledger if ev.tokens and _has_cache(ev.tokens)}
    rows: list[Row] = []
    for ev in ledger:
        try:
            tokens = ev.tokens or _Tokens()
            inp, out = _count(tokens.input), _count(tokens.output)
            write, read = _count(tokens.cacheCreationInputTokens), _count(tokens.cacheReadInputTokens)
            target = str(ev.toMessageId) if ev.toMessageId is not None else None
            if not _has_cache(tokens) and target:
                usage = assistant.get(target)
                if usage is not None and target not in used:
                    used.add(target)
                    write, read = _count(usage.cacheCreationInputTokens), _count(usage.cacheReadInputTokens)
            if not (inp or out or write or read) and _count(tokens.total):
                raise Skip("only a total")
            timestamp = _utc(ev.timestamp, created)
        except MALFORMED as exc:
            skips.add(exc)
            continue
        key = f"{tid}:event:{ev.id}" if ev.id else f"{tid}:to:{target}@{timestamp.isoformat()}"
        rows.append((key, timestamp, ev.model, (inp, out, write, read)))
    return rows


def _message_rows(tid: str, messages: list[_Message], created: datetime | None, skips: Skips) -> list[Row]:
    rows: list[Row] = []
    at: dict[str, int] = {}
    for message in messages:
        if message.role != "assistant" or message.usage is None:
            continue
        usage = message.usage
        try:
            timestamp, tokens = _utc(usage.timestamp, created), _message_tokens(usage)
        except MALFORMED as exc:
            skips.add(exc)
            continue
        if message.messageId is not None:
            key = f"{tid}:message:{message.messageId}"
        else:
            instant = timestamp.isoformat()
            n = at[instant] = at.get(instant, -1) + 1
            key = f"{tid}:message@{instant}" + (f"#{n}" if n else "")
        rows.append((key, timestamp, usage.model, tokens))
    return rows


def _events(thread: _Thread, fallback_id: str, skips: Skips) -> list[UsageEvent]:
    tid = thread.id or fallback_id
    try:
        created = instant_ms(thread.created) if thread.created else None
    except Skip:
        created = None
    messages = _decoded(thread.messages, _decode_message, skips)
    ledger = _decoded(thread.usageLedger.events, _decode_event, skips) if thread.usageLedger else []
    if ledger or (thread.usageLedger and thread.usageLedger.events):
        rows = _ledger_rows(tid, ledger, messages, created, skips)
    else:
        rows = _message_rows(tid, messages, created, skips)
    events = []
    for key, timestamp, model, (inp, out, write, read) in rows:
        if not (inp or out or write or read):
            continue
        event = UsageEvent(source=NAME, key=key, timestamp=timestamp, model=model or "unknown", input_tokens=inp,
                           output_tokens=out, cache_write_tokens=write, cache_read_tokens=read, session_id=tid)  # fmt: skip
        try:
            events.append(check(event))
        except Skip as exc:
            skips.add(exc)
    return events


def parse(path: Path, start: int = 0) -> ParseResult:
    data = read_regular(path)
    skips = Skips()
    try:
        thread = _decode(strip_bom(data))
        events = _events(thread, path.stem, skips)
    except MALFORMED as exc:
        return ParseResult(events=[], end_offset=len(data), reasons={reason(exc): 1})
    return ParseResult(events=events, end_offset=len(data), reasons=skips)


SOURCE = Source(
    name=NAME,
    title="Amp",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=False,
)
