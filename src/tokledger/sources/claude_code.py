"""Claude Code: the JSONL session transcripts under ``projects/``.

Where
    ``CLAUDE_CONFIG_DIR`` (a comma-separated list; an entry counts when it holds ``projects/`` or is itself
    a ``projects/`` directory), else both ``${XDG_CONFIG_HOME:-~/.config}/claude`` and ``~/.claude``. Every
    ``*.jsonl`` below ``projects/`` is read, recursively: main transcripts ``<encoded-cwd>/<session>.jsonl``,
    subagent files ``<encoded-cwd>/<session>/subagents/agent-<id>.jsonl`` (2.x) and
    ``<encoded-cwd>/agent-<id>.jsonl`` (2.0.x), and any other nesting. Real paths are de-duplicated, so a
    root reached twice (a symlinked config dir) is read once. Claude Code deletes transcripts after
    ``cleanupPeriodDays`` (30 by default); the ledger keeps what it has read.

Records
    One line per content block of an API response; lines with ``message.usage`` and ``type`` "assistant"
    carry usage. Fields read: ``timestamp``, ``sessionId``, ``requestId``, ``uuid``, ``cwd``, ``gitBranch``,
    ``isSidechain``, ``costUSD`` (old versions only), ``message.id``, ``message.model`` and
    ``message.usage.{input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
    cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens, speed}``.

Token semantics (Anthropic convention, already disjoint)
    input = ``input_tokens`` (cache excluded); cache write = ``ephemeral_5m + ephemeral_1h`` when the
    ``cache_creation`` object exists, else ``cache_creation_input_tokens`` (older lines: all priced as
    5-minute writes); 1-hour write = ``ephemeral_1h_input_tokens``; cache read = ``cache_read_input_tokens``;
    output = ``output_tokens`` (thinking included, as billed); no separate reasoning count.

Identity and duplicates
    Key: ``message.id``, which every line of one response shares and which a resumed session copies
    verbatim into its new file (tokenjam #294, ccusage #1762), so history copied into a new session adds
    nothing. The ``requestId`` is kept on the event. Keying on the message id alone (not id + requestId)
    also catches ``/btw`` side-question replays, which repeat the parent's message id under a new request id
    with an inflated cache read (ccusage #913): lines with ``isSidechain`` true are non-primary, so any
    main-chain copy wins over them outright, while subagent responses with their own ids count normally.
    Streaming: early lines of a response carry a partial ``output_tokens`` (ccusage #901, #938), so each
    token field keeps its maximum over the lines. The response is dated by its earliest line. A line
    without ``message.id`` is keyed by ``requestId``, else by its ``uuid``.

Skipped
    ``<synthetic>`` model lines (placeholders for API errors and "No response requested"; zero usage, never
    priced) and non-assistant lines are ignored. Malformed lines — truncated, invalid UTF-8, not JSON, wrong
    field types, negative counts, a missing timestamp — are skipped and counted. A last line without its
    newline counts if it is already a whole record, but is read again next time (it may still be growing).

Project and session
    Project = the line's ``cwd``; else the ``projects/`` directory name decoded (``-home-dev-app`` →
    ``/home/dev/app``, ambiguous where a name holds a dash). Session = ``sessionId`` (subagent files carry
    the parent's), else the file name (the ``<session>`` directory for ``subagents/`` files).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from hashlib import blake2b
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths
from tokledger.sources._jsonl import read_events

NAME = "claude_code"
SYNTHETIC = "<synthetic>"


class _CacheCreation(msgspec.Struct):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: _CacheCreation | None = None
    speed: str | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None


class _Line(msgspec.Struct):
    type: str | None = None
    timestamp: datetime | None = None
    sessionId: str | None = None
    requestId: str | None = None
    uuid: str | None = None
    cwd: str | None = None
    gitBranch: str | None = None
    isSidechain: bool | None = None
    costUSD: Decimal | None = None
    message: _Message | None = None


_decode = msgspec.json.Decoder(_Line).decode


def roots(env: Env) -> tuple[list[Path], list[str]]:
    """The ``projects/`` directories to read, and notices about configured entries that are unusable."""
    notices: list[str] = []
    configured = env.get("CLAUDE_CONFIG_DIR")
    if configured:
        candidates = [env.expand(entry) for entry in configured.split(",") if entry.strip()]
    else:
        candidates = [env.xdg_config_home / "claude", env.home / ".claude"]
    found: list[Path] = []
    for base in candidates:
        if (base / "projects").is_dir():
            found.append(base / "projects")
        elif base.name == "projects" and base.is_dir():
            found.append(base)
        elif configured:
            notices.append(f"CLAUDE_CONFIG_DIR entry {base} has no projects/ directory")
    return found, notices


def discover(env: Env) -> Discovery:
    projects, notices = roots(env)
    tried = projects or [env.xdg_config_home / "claude", env.home / ".claude"]
    return Discovery(roots=tried, files=find_paths(projects, ".jsonl", notices), notices=notices)


def _path_session(path: Path) -> str:
    if path.parent.name == "subagents":
        return path.parent.parent.name
    return path.stem


def _path_project(path: Path) -> str | None:
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "projects" and i + 1 < len(parts) - 1:
            encoded = parts[i + 1]
            return encoded.replace("-", "/") if encoded.startswith("-") else encoded
    return None


def _event(line: _Line, raw: bytes) -> UsageEvent | None:
    message = line.message
    if message is None or message.usage is None or line.type not in ("assistant", None):
        return None
    if message.model == SYNTHETIC:
        return None
    if line.timestamp is None:
        raise ValueError("no timestamp")
    usage = message.usage
    cache = usage.cache_creation
    if cache is not None:
        cache_1h = token_count(cache.ephemeral_1h_input_tokens)
        cache_write = token_count(cache.ephemeral_5m_input_tokens) + cache_1h
    else:
        cache_1h = 0
        cache_write = token_count(usage.cache_creation_input_tokens)
    timestamp = line.timestamp
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    return UsageEvent(
        source=NAME,
        key=message.id
        or (f"req:{line.requestId}" if line.requestId else None)
        or (f"uuid:{line.uuid}" if line.uuid else "line:" + blake2b(raw, digest_size=12).hexdigest()),
        timestamp=timestamp,
        model=message.model or "unknown",
        input_tokens=token_count(usage.input_tokens),
        output_tokens=token_count(usage.output_tokens),
        cache_write_tokens=cache_write,
        cache_write_1h_tokens=cache_1h,
        cache_read_tokens=token_count(usage.cache_read_input_tokens),
        session_id=line.sessionId,
        project=line.cwd,
        git_branch=line.gitBranch,
        provider="anthropic",
        request_id=line.requestId,
        logged_cost_usd=line.costUSD,
        primary=not line.isSidechain,
        speed=usage.speed,
    )


def parse(path: Path, start: int = 0) -> ParseResult:
    fallback: dict[str, str | None] = {}

    def to_event(raw: bytes) -> UsageEvent | None:
        event = _event(_decode(raw), raw)
        if event is not None:
            if event.session_id is None:
                event.session_id = fallback.setdefault("session", _path_session(path))
            if event.project is None:
                event.project = fallback.setdefault("project", _path_project(path))
        return event

    return read_events(path, start, b'"usage"', to_event)


SOURCE = Source(
    name=NAME,
    title="Claude Code",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
