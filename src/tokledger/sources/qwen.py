"""Qwen Code (QwenLM/qwen-code): the JSONL chat recordings under ``projects/*/chats/``.

Where
    The runtime directory, resolved as Qwen Code does: ``$QWEN_RUNTIME_DIR``, else ``$QWEN_HOME``, else
    ``~/.qwen``. Every ``*.jsonl`` below ``projects/<sanitized cwd>/chats/`` is read, recursively
    (``<sessionId>.jsonl``; the directory name is the working directory with separators replaced by
    ``-``). Older builds kept history under ``~/.qwen/tmp/<hash>/`` in a different shape; not read.

Records
    Append-only ``ChatRecord`` lines (a Claude-like tree: ``uuid``, ``parentUuid``, ``sessionId``,
    ``timestamp``, ``type`` ∈ user | assistant | tool_result | system). Usage sits on ``assistant``
    records as Gemini ``usageMetadata``, next to ``model``. Fields read: ``uuid``, ``sessionId``,
    ``timestamp``, ``type``, ``cwd``, ``gitBranch``, ``model``, ``forkedFrom.messageUuid`` and
    ``usageMetadata.{promptTokenCount, cachedContentTokenCount, candidatesTokenCount, thoughtsTokenCount,
    toolUsePromptTokenCount, totalTokenCount}``.

Token semantics (cache inside the prompt; thoughts beside or inside the candidates)
    input = ``promptTokenCount − cachedContentTokenCount + toolUsePromptTokenCount`` (floored at 0);
    cache read = ``cachedContentTokenCount``; cache write = 0 (not reported); reasoning =
    ``thoughtsTokenCount``. Counting the cached part twice is the classic bug of other trackers
    (tokscale #439 for Gemini). Output depends on the path the response took, and two conventions share
    the field names:

    - Gemini's own API counts thoughts beside the candidates (``totalTokenCount`` = prompt + candidates +
      thoughts + tool prompt): output = candidates + thoughts;
    - on the OpenAI-compatible path (DashScope, OpenRouter, any ``openai`` auth type) qwen-code's converter
      (``packages/core/src/core/openaiContentGenerator/converter.ts``) sets ``candidatesTokenCount`` to
      ``completion_tokens`` — reasoning included —, ``thoughtsTokenCount`` to ``reasoning_tokens`` and
      ``totalTokenCount`` to ``total_tokens`` = prompt + completion: output = candidates, the thoughts
      already inside (adding them again would bill 1,300 output tokens where 800 were billed).

    ``totalTokenCount`` tells them apart: equal to prompt + candidates (+ tool prompt) while thoughts are
    reported, the thoughts are inside; otherwise (or without a total) they are beside, Gemini's rule.

Identity and duplicates
    Key: the record ``uuid``. ``/branch`` copies every record of the source session verbatim into a new
    session file, rewriting only ``sessionId`` and ``parentUuid`` and adding ``forkedFrom{sessionId,
    messageUuid}`` where ``messageUuid`` is the original ``uuid`` (qwen-code ``chatRecordingService.ts``).
    Copies are keyed by ``forkedFrom.messageUuid`` and marked non-primary, so a branched session adds
    nothing for its inherited history and the model call stays with the session that made it; a copy whose
    original file is gone still counts once. A record without ``uuid`` is keyed by session + timestamp.
    Dated by the record's ``timestamp``.

Skipped
    Non-assistant records and records without ``usageMetadata`` are ignored. Malformed lines (not JSON,
    invalid UTF-8, wrong types, negative counts, no timestamp) are skipped and counted.

Project and session
    Project = the record's ``cwd`` (the directory name is a lossy encoding); session = ``sessionId``;
    branch = ``gitBranch``. No logged cost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths
from tokledger.sources._jsonl import read_events

NAME = "qwen"


class _Usage(msgspec.Struct):
    promptTokenCount: int | None = None
    cachedContentTokenCount: int | None = None
    candidatesTokenCount: int | None = None
    thoughtsTokenCount: int | None = None
    toolUsePromptTokenCount: int | None = None
    totalTokenCount: int | None = None


class _Fork(msgspec.Struct):
    messageUuid: str | None = None


class _Record(msgspec.Struct):
    type: str | None = None
    uuid: str | None = None
    sessionId: str | None = None
    timestamp: datetime | None = None
    cwd: str | None = None
    gitBranch: str | None = None
    model: str | None = None
    usageMetadata: _Usage | None = None
    forkedFrom: _Fork | None = None


_decode = msgspec.json.Decoder(_Record).decode


def root(env: Env) -> Path:
    configured = env.get("QWEN_RUNTIME_DIR") or env.get("QWEN_HOME")
    return (env.expand(configured) if configured else env.home / ".qwen") / "projects"


def discover(env: Env) -> Discovery:
    projects = root(env)
    notices: list[str] = []
    chats = sorted(p / "chats" for p in projects.iterdir()) if projects.is_dir() else []
    return Discovery(roots=[projects], files=find_paths(chats, ".jsonl", notices), notices=notices)


def _event(record: _Record) -> UsageEvent | None:
    usage = record.usageMetadata
    if usage is None or record.type != "assistant":
        return None
    if record.timestamp is None:
        raise ValueError("no timestamp")
    prompt, cached = token_count(usage.promptTokenCount), token_count(usage.cachedContentTokenCount)
    thoughts, candidates = token_count(usage.thoughtsTokenCount), token_count(usage.candidatesTokenCount)
    tool = token_count(usage.toolUsePromptTokenCount)
    inside = thoughts > 0 and usage.totalTokenCount == prompt + candidates + tool and thoughts <= candidates
    fork = record.forkedFrom.messageUuid if record.forkedFrom else None
    uid = fork or record.uuid
    timestamp = record.timestamp if record.timestamp.tzinfo else record.timestamp.replace(tzinfo=UTC)
    return UsageEvent(
        source=NAME,
        key=uid or f"{record.sessionId}@{timestamp.isoformat()}",
        timestamp=timestamp,
        model=record.model or "unknown",
        input_tokens=max(prompt - cached, 0) + tool,
        cache_read_tokens=min(cached, prompt),
        output_tokens=candidates if inside else candidates + thoughts,
        reasoning_tokens=thoughts,
        session_id=record.sessionId,
        project=record.cwd,
        git_branch=record.gitBranch,
        primary=record.forkedFrom is None,
    )


def parse(path: Path, start: int = 0) -> ParseResult:
    return read_events(path, start, b'"usageMetadata"', lambda raw: _event(_decode(raw)))


SOURCE = Source(
    name=NAME,
    title="Qwen Code",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
