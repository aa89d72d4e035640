"""The Pi session format (badlogic/pi-mono), shared by Pi and the agents built on its session manager.

A session file is JSON Lines: a header ``{"type": "session", "id", "timestamp", "cwd", …}`` (with
``branchedFrom`` / ``parentSession`` in a session branched or forked from another), then entries such as
``{"type": "model_change", "provider", "modelId"}`` and ``{"type": "message", "id", "timestamp",
"message": {"role", "provider", "model", "timestamp" (epoch ms), "usage": {"input", "output",
"cacheRead", "cacheWrite", "totalTokens", "cost": {"total"}}}}``. Usage is already disjoint (Pi subtracts
the cached part from OpenAI-style prompt counts itself); ``cost.total`` is the USD cost Pi computed.

Identity: a branch or fork copies the history it starts from into the new file, so an assistant message
is keyed by what the copy keeps verbatim — ``message.timestamp`` (ms), provider/model and the four
counts — and messages of a branched session are non-primary (the original session keeps them). Without
``message.timestamp`` the key is session + entry id (or entry timestamp).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import msgspec

from tokledger.events import UsageEvent, token_count
from tokledger.sources import ParseResult
from tokledger.sources._files import open_regular, strip_bom
from tokledger.sources._jsonl import read_events
from tokledger.sources._records import MALFORMED

HEADER_MAX = 1 << 20


class _Cost(msgspec.Struct):
    total: float | None = None


class _Usage(msgspec.Struct):
    input: int | None = None
    output: int | None = None
    cacheRead: int | None = None
    cacheWrite: int | None = None
    cost: _Cost | None = None


class _Message(msgspec.Struct):
    role: str | None = None
    provider: str | None = None
    model: str | None = None
    timestamp: int | None = None
    usage: _Usage | None = None


class _Data(msgspec.Struct):
    provider: str | None = None
    modelId: str | None = None


class _Entry(msgspec.Struct):
    type: str | None = None
    id: str | None = None
    timestamp: datetime | None = None
    cwd: str | None = None
    branchedFrom: str | None = None
    parentSession: str | None = None
    provider: str | None = None
    modelId: str | None = None
    customType: str | None = None
    data: _Data | None = None
    message: _Message | None = None


_decode = msgspec.json.Decoder(_Entry).decode


class _State:
    def __init__(self, session: str):
        self.session, self.cwd, self.branched = session, None, False
        self.provider: str | None = None
        self.model: str | None = None

    def header(self, entry: _Entry) -> None:
        self.session = entry.id or self.session
        self.cwd = entry.cwd
        self.branched = bool(entry.branchedFrom or entry.parentSession)


def _first_line(path: Path) -> bytes:
    with open_regular(path) as f:
        return strip_bom(f.readline(HEADER_MAX))


def _event(source: str, entry: _Entry, st: _State) -> UsageEvent | None:
    message = entry.message
    if message is None or message.role != "assistant" or message.usage is None:
        return None
    usage = message.usage
    tokens = (
        token_count(usage.input),
        token_count(usage.output),
        token_count(usage.cacheRead),
        token_count(usage.cacheWrite),
    )
    if not any(tokens):
        return None
    provider, model = message.provider or st.provider, message.model or st.model or "unknown"
    if message.timestamp is not None:
        when = datetime.fromtimestamp(message.timestamp / 1000, UTC)
        key = f"{message.timestamp}:{provider}/{model}:" + ":".join(map(str, tokens))
    elif entry.timestamp is not None:
        when = entry.timestamp if entry.timestamp.tzinfo else entry.timestamp.replace(tzinfo=UTC)
        key = f"{st.session}:{entry.id or when.isoformat()}"
    else:
        raise ValueError("message without timestamp")
    cost = usage.cost.total if usage.cost else None
    return UsageEvent(
        source=source, key=key, timestamp=when, model=model, input_tokens=tokens[0], output_tokens=tokens[1],
        cache_read_tokens=tokens[2], cache_write_tokens=tokens[3], session_id=st.session, project=st.cwd,
        provider=provider, logged_cost_usd=Decimal(repr(cost)) if cost else None, primary=not st.branched,
    )  # fmt: skip


def parse_pi_file(source: str, path: Path, start: int, fallback_session: str) -> ParseResult:
    """Events of one Pi-format file from byte ``start``; ``model_change`` lines before it are not seen,
    so a message without its own model falls back to ``unknown`` only when read incrementally."""
    st = _State(fallback_session)
    if start:
        try:
            head = _decode(_first_line(path))
            if head.type == "session":
                st.header(head)
        except MALFORMED:
            pass

    def to_event(raw: bytes) -> UsageEvent | None:
        entry = _decode(raw)
        if entry.type == "session":
            st.header(entry)
            return None
        change = entry.data if entry.type == "custom" and entry.customType == "model-snapshot" else entry
        if entry.type in ("model_change", "custom") and change is not None:
            st.provider, st.model = change.provider or st.provider, change.modelId or st.model
            return None
        event = _event(source, entry, st) if entry.type == "message" else None
        if event is not None and event.model != "unknown":
            st.provider, st.model = event.provider, event.model
        return event

    return read_events(path, start, b'"type"', to_event)
