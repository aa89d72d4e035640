"""GitHub Copilot CLI: ``chat`` spans of its OpenTelemetry file export (JSON Lines).

Where
    Copilot records usage only when its OpenTelemetry export is switched on and pointed at a file
    (``COPILOT_OTEL_ENABLED=true``, ``COPILOT_OTEL_EXPORTER_TYPE=file``). Read: the file named by
    ``COPILOT_OTEL_FILE_EXPORTER_PATH`` when set, and every ``*.jsonl`` in ``~/.copilot/otel/`` (the
    directory ccusage and tokscale read; whether Copilot writes there by default is not established).
    The exporter appends, so a grown file is read from its checkpoint.

Records
    One JSON object per line. Spans carry ``name``, ``traceId`` and ``spanId`` (or ``spanContext.{traceId,
    spanId}``), ``startTime`` / ``endTime`` as ``[seconds, nanoseconds]`` and ``attributes``; log and
    metric records in the same file have no top-level ``name`` or no ``chat`` operation and are ignored.
    A span counts when ``attributes["gen_ai.operation.name"] == "chat"`` (one LLM call); ``invoke_agent``
    spans aggregate their children and are ignored. Attributes read (numbers may arrive as strings):
    ``gen_ai.response.model`` (else ``gen_ai.request.model``), ``gen_ai.provider.name``,
    ``gen_ai.conversation.id``, ``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
    ``gen_ai.usage.cache_read.input_tokens`` / ``…cache_read_input_tokens``,
    ``gen_ai.usage.cache_creation.input_tokens`` / ``…cache_creation_input_tokens``, and
    ``gen_ai.usage.reasoning.output_tokens`` / ``…reasoning_tokens``.

Token semantics (OpenTelemetry GenAI conventions: the cache is inside input, reasoning inside output)
    cache read = ``cache_read.input_tokens``; cache write = ``cache_creation.input_tokens`` (0 when absent);
    input = ``input_tokens − cache read − cache write``. When that would be negative the span evidently
    counts cache writes outside its input, and only the cache read is subtracted (floored at 0). output =
    ``output_tokens``; reasoning = the reasoning attribute, capped at output (it is a part of it).

Identity, dating, cost
    Key: ``traceId:spanId`` (unique per span by OpenTelemetry; which key ccusage and tokscale use is not
    recorded). Dated by the span's ``startTime``, else its ``endTime``. Session = ``gen_ai.conversation.id``.
    ``github.copilot.cost`` is not read: its unit is not established, so the cost is calculated from tokens.
    No project is recorded. Malformed lines are skipped and counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._jsonl import read_events

NAME = "copilot_cli"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CACHE_READ = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
_CACHE_WRITE = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens")
_REASONING = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")


class _Context(msgspec.Struct):
    traceId: str | None = None
    spanId: str | None = None


class _Span(msgspec.Struct):
    name: str | None = None
    traceId: str | None = None
    spanId: str | None = None
    spanContext: _Context | None = None
    startTime: list[int] | None = None
    endTime: list[int] | None = None
    attributes: dict[str, Any] | None = None


_decode = msgspec.json.Decoder(_Span).decode


def otel_dir(env: Env) -> Path:
    return env.home / ".copilot" / "otel"


def discover(env: Env) -> Discovery:
    directory = otel_dir(env)
    roots = [directory]
    files = sorted(p for p in directory.glob("*.jsonl") if p.is_file()) if directory.is_dir() else []
    configured = env.get("COPILOT_OTEL_FILE_EXPORTER_PATH")
    if configured:
        target = env.expand(configured)
        roots.append(target)
        if target.is_file() and target not in files:
            files.append(target)
    return Discovery(roots=roots, files=files)


def _int(attrs: dict[str, Any], *names: str) -> int:
    for name in names:
        value = attrs.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
            raise ValueError(f"bad token count in {name}")
        return int(value)
    return 0


def _instant(hr: list[int] | None) -> datetime | None:
    if not hr or len(hr) != 2:
        return None
    return _EPOCH + timedelta(seconds=hr[0], microseconds=hr[1] // 1000)


def _event(span: _Span) -> UsageEvent | None:
    attrs = span.attributes
    if not span.name or not attrs or attrs.get("gen_ai.operation.name") != "chat":
        return None
    ctx = span.spanContext or _Context()
    trace, span_id = span.traceId or ctx.traceId, span.spanId or ctx.spanId
    timestamp = _instant(span.startTime) or _instant(span.endTime)
    if not trace or not span_id or timestamp is None:
        raise ValueError("span without ids or time")
    prompt, output = _int(attrs, "gen_ai.usage.input_tokens"), _int(attrs, "gen_ai.usage.output_tokens")
    read, write = _int(attrs, *_CACHE_READ), _int(attrs, *_CACHE_WRITE)
    uncached = prompt - read - write
    if uncached < 0:
        uncached = max(prompt - read, 0)
    model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
    provider, conversation = attrs.get("gen_ai.provider.name"), attrs.get("gen_ai.conversation.id")
    return UsageEvent(
        source=NAME,
        key=f"{trace}:{span_id}",
        timestamp=timestamp,
        model=model if isinstance(model, str) and model else "unknown",
        input_tokens=uncached,
        output_tokens=output,
        cache_write_tokens=write,
        cache_read_tokens=read,
        reasoning_tokens=min(_int(attrs, *_REASONING), output),
        session_id=conversation if isinstance(conversation, str) else None,
        provider=provider if isinstance(provider, str) and provider else None,
    )


def parse(path: Path, start: int = 0) -> ParseResult:
    return read_events(path, start, b'"chat"', lambda raw: _event(_decode(raw)))


SOURCE = Source(
    name=NAME,
    title="GitHub Copilot CLI",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
