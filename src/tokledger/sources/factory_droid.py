"""Factory Droid (factory.ai's ``droid``): the running token totals it keeps per session.

Where
    ``$DROID_SESSIONS_DIR``, else ``~/.factory/sessions/``; every ``*.settings.json`` below it, recursively
    (``<session id>.settings.json``, next to the session's ``<session id>.jsonl`` transcript). Droid rewrites
    a session's settings file whole as the session spends tokens, so a changed file is read again.

Records
    One JSON object per session: ``model`` (Droid's own spelling, e.g. ``custom:Claude-Opus-4.5-Thinking-
    [Anthropic]-0`` or ``claude-sonnet-4-5-20250929``), ``providerLock`` (the provider, e.g. ``anthropic``),
    ``providerLockTimestamp`` (ISO 8601, when the provider was chosen) and ``tokenUsage.{inputTokens,
    outputTokens, cacheCreationTokens, cacheReadTokens, thinkingTokens}`` — the session's totals so far (as
    tokscale's ``droid.rs`` reads them, and the reference on Factory's format describes them).

Token semantics (estimated)
    Anthropic-style categories: input = ``inputTokens``, cache write = ``cacheCreationTokens`` (no 1-hour
    split), cache read = ``cacheReadTokens``; output = ``outputTokens`` + ``thinkingTokens``, reasoning =
    ``thinkingTokens`` — thinking is billed as output and tokscale counts it beside ``outputTokens``; that
    ``inputTokens`` excludes the cache and ``outputTokens`` the thinking is not established by Factory. The
    totals are the whole session's, with no per-request records, so the source is *estimated*.

Model normalization
    ``custom:`` is dropped, bracketed parts (``[Anthropic]``) removed, spaces become dashes, runs of dashes
    collapse and the name is lower-cased (``claude-opus-4.5-thinking-0``), so the price table's match rules
    (``claude-opus-4.5…``) find it; a session without ``model`` is ``unknown``.

Identity and dating
    Key: the session id (the file name without ``.settings.json``). The counters are cumulative: each read
    carries the session's totals so far, and the ledger keeps the field-wise maximum, so a re-read replaces
    and never adds. The session is dated by ``providerLockTimestamp``, else by the file's modification time
    when first read (the earliest copy dates a record), so a session that spans days lands on its first.
    Session = the session id; provider hint = ``providerLock``. A file that is not valid JSON, or carries
    impossible values, is skipped and counted with its reason.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import UsageEvent, check, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths, read_regular, strip_bom
from tokledger.sources._records import MALFORMED, reason

NAME = "factory_droid"
SUFFIX = ".settings.json"
_BRACKETS = re.compile(r"\[[^\]]*\]")
_DASHES = re.compile(r"-{2,}")


class _Usage(msgspec.Struct):
    inputTokens: int | None = None
    outputTokens: int | None = None
    cacheCreationTokens: int | None = None
    cacheReadTokens: int | None = None
    thinkingTokens: int | None = None


class _Settings(msgspec.Struct):
    model: str | None = None
    providerLock: str | None = None
    providerLockTimestamp: datetime | None = None
    tokenUsage: _Usage | None = None


_decode = msgspec.json.Decoder(_Settings).decode


def root(env: Env) -> Path:
    configured = env.get("DROID_SESSIONS_DIR")
    return env.expand(configured) if configured else env.home / ".factory" / "sessions"


def discover(env: Env) -> Discovery:
    sessions = root(env)
    notices: list[str] = []
    return Discovery(roots=[sessions], files=find_paths([sessions], SUFFIX, notices), notices=notices)


def normalize_model(name: str) -> str:
    text = _BRACKETS.sub("", name.strip().removeprefix("custom:")).replace(" ", "-")
    return _DASHES.sub("-", text).strip("-").lower() or "unknown"


def _event(settings: _Settings, session: str, mtime: float) -> UsageEvent | None:
    usage = settings.tokenUsage
    if usage is None:
        return None
    inp, out = token_count(usage.inputTokens), token_count(usage.outputTokens)
    write, read = token_count(usage.cacheCreationTokens), token_count(usage.cacheReadTokens)
    thinking = token_count(usage.thinkingTokens)
    if not (inp or out or write or read or thinking):
        return None
    when = settings.providerLockTimestamp or datetime.fromtimestamp(mtime, UTC)
    return check(UsageEvent(
        source=NAME, key=session, timestamp=when if when.tzinfo else when.replace(tzinfo=UTC),
        model=normalize_model(settings.model) if settings.model else "unknown", provider=settings.providerLock,
        input_tokens=inp, output_tokens=out + thinking, reasoning_tokens=thinking, cache_write_tokens=write,
        cache_read_tokens=read, session_id=session,
    ))  # fmt: skip


def parse(path: Path, start: int = 0) -> ParseResult:
    data = read_regular(path)
    session = path.name.removesuffix(SUFFIX)
    try:
        event = _event(_decode(strip_bom(data)), session, os.stat(path).st_mtime)
    except MALFORMED as exc:
        return ParseResult(events=[], end_offset=len(data), reasons={reason(exc): 1})
    return ParseResult(events=[event] if event else [], end_offset=len(data))


SOURCE = Source(
    name=NAME,
    title="Factory Droid",
    accuracy="estimated",
    discover=discover,
    parse=parse,
    append_only=False,
)
