"""Gemini CLI (google-gemini/gemini-cli): the chat recordings under ``~/.gemini/tmp/<project>/chats/``.

Where
    ``$GEMINI_CLI_HOME/.gemini`` when ``GEMINI_CLI_HOME`` is set (gemini-cli uses it in place of the home
    directory; a value that is itself the ``.gemini`` directory is accepted too), else ``~/.gemini``. Every
    ``*.json`` and ``*.jsonl`` below ``tmp/<project id>/chats/``: legacy ``session-<time>-<id8>.json`` (one
    pretty-printed document rewritten in place as the chat grows), ``session-<time>-<id8>.jsonl`` (since
    gemini-cli PR #23749; a legacy file resumed is migrated to a ``.jsonl`` next to it) and subagent chats
    ``chats/<parentSessionId>/<sessionId>.jsonl``. The project id is ``sha256(<project root>)`` in hex for
    directories made before gemini-cli PR #17901, a short slug after it.

Records
    A conversation ``{sessionId, projectHash, kind, directories, messages[]}``; JSONL writes the metadata
    as the first line, then one line per message, ``{"$set": {…}}`` metadata updates and
    ``{"$rewindTo": id}`` truncations. Only ``type`` "gemini" messages carry usage: ``id``, ``timestamp``,
    ``model`` and ``tokens.{input, output, cached, thoughts, tool, total}`` (the Gemini API's
    ``promptTokenCount``, ``candidatesTokenCount``, ``cachedContentTokenCount``, ``thoughtsTokenCount``,
    ``toolUsePromptTokenCount``, ``totalTokenCount``). ``tokens`` is null or absent until the response ends.

Token semantics (Gemini convention: cache inside input, thoughts beside output)
    cache read = ``cached``; input = ``input`` − ``cached`` + ``tool`` (tool-use prompt tokens are prompt
    tokens outside ``input``); output = ``output`` + ``thoughts`` (billed at the output rate);
    reasoning = ``thoughts``. When ``total`` = input + cached + output + thoughts + tool, the record's
    ``input`` already excludes the cache and nothing is subtracted (tokscale #439 double-counted it).

Identity and duplicates
    Key: ``sessionId`` and the message ``id``. The legacy document is re-read whole whenever it changes and
    a JSONL message line is appended again on every update of the message, the last copy winning; either
    way a message yields one event, so a rewrite or re-append replaces and never adds. gemini-cli sets a
    message's ``tokens`` once and never changes them, so the ledger's field-wise maximum equals "last
    wins". Both kinds of file are re-read whole when changed (the source is not append-only: the JSONL
    files are small, and re-reading keeps the last-wins rule inside one parse). ``$rewindTo`` is ignored:
    rewound messages were billed, so they stay. A message without ``tokens``, or with all zero, adds
    nothing; one whose ``tokens`` carry only a ``total`` cannot be split into categories and is skipped
    and counted ("only a total"). Each message is dated by its ``timestamp``; the model is taken per message (a session can
    fall back from pro to flash), "unknown" when absent.

Project and session
    Project = the path registered for the directory's slug in ``~/.gemini/projects.json``
    (``{"projects": {"<path>": "<slug>"}}``), else the ``.project_root`` file gemini-cli keeps in the
    directory, else a registered path whose sha256 is the directory name or ``projectHash`` (old hash
    directories), else the record's first ``directories`` entry, else the directory name. Session =
    ``sessionId``; a subagent chat counts in its parent's session (the ``chats/<parentSessionId>/``
    directory name). Malformed messages and lines are skipped and counted with their reason; a
    byte-order mark before a document or its first line is not part of it, and ``projects.json`` and
    ``.project_root`` are read only when they are regular files.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_files, read_regular, read_text, strip_bom
from tokledger.sources._jsonl import ScanState, scan
from tokledger.sources._records import MALFORMED, Skips

NAME = "gemini"


class _Tokens(msgspec.Struct):
    input: int | None = None
    output: int | None = None
    cached: int | None = None
    thoughts: int | None = None
    tool: int | None = None
    total: int | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    timestamp: datetime | None = None
    type: str | None = None
    model: str | None = None
    tokens: _Tokens | None = None


class _Meta(msgspec.Struct):
    sessionId: str | None = None
    projectHash: str | None = None
    directories: list[str] | None = None


class _Document(_Meta):
    messages: list[msgspec.Raw] = []


class _Line(_Message):
    sessionId: str | None = None
    projectHash: str | None = None
    directories: list[str] | None = None
    set: _Meta | None = msgspec.field(name="$set", default=None)


_decode_document = msgspec.json.Decoder(_Document).decode
_decode_message = msgspec.json.Decoder(_Message).decode
_decode_line = msgspec.json.Decoder(_Line).decode


def _event(m: _Message) -> UsageEvent | None:
    """The usage of one message (session and project are filled in later), or None when it has none."""
    if m.type not in ("gemini", None) or m.tokens is None:
        return None
    t = m.tokens
    inp, cached, out, thoughts, tool = (
        token_count(t.input),
        token_count(t.cached),
        token_count(t.output),
        token_count(t.thoughts),
        token_count(t.tool),
    )
    if not (inp or cached or out or thoughts or tool):
        if t.total:
            raise Skip("only a total")
        return None
    if not m.id or m.timestamp is None:
        raise ValueError("message without id or timestamp")
    if t.total is None or t.total != inp + cached + out + thoughts + tool:
        cached = min(cached, inp)
        inp -= cached
    timestamp = m.timestamp if m.timestamp.tzinfo else m.timestamp.replace(tzinfo=UTC)
    return check(UsageEvent(
        source=NAME, key=m.id, timestamp=timestamp, model=m.model or "unknown", provider="google",
        input_tokens=inp + tool, cache_read_tokens=cached, output_tokens=out + thoughts, reasoning_tokens=thoughts,
    ))  # fmt: skip


def _chats_dir(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.name == "chats":
            return parent
    return None


def _project(project_dir: Path, meta: _Meta) -> str:
    registry: dict[str, str] = {}
    try:
        doc = json.loads(read_text(project_dir.parent.parent / "projects.json") or "{}")
        for root, slug in doc.get("projects", {}).items():
            registry[str(slug)] = root
            registry[hashlib.sha256(root.encode()).hexdigest()] = root
    except (*MALFORMED, AttributeError):
        pass
    if project_dir.name in registry:
        return registry[project_dir.name]
    marker = (read_text(project_dir / ".project_root") or "").strip()
    if marker:
        return marker
    if meta.projectHash in registry:
        return registry[meta.projectHash]
    return meta.directories[0] if meta.directories else project_dir.name


def _messages(path: Path, start: int) -> tuple[_Meta, list[UsageEvent], int, Skips]:
    """The file's metadata, its events (last copy of each message), end offset and skipped records."""
    found: dict[str, UsageEvent] = {}
    skips = Skips()
    if path.suffix == ".json":
        raw_doc = read_regular(path)
        try:
            doc = _decode_document(strip_bom(raw_doc))
        except MALFORMED as exc:
            skips.add(exc)
            return _Meta(), [], len(raw_doc), skips
        for raw in doc.messages:
            try:
                event = _event(_decode_message(raw))
            except MALFORMED as exc:
                skips.add(exc)
                continue
            if event is not None:
                found[event.key] = event
        return doc, list(found.values()), len(raw_doc), skips
    meta = _Meta()
    state = ScanState(end_offset=start)
    for raw in scan(path, start, b"{", state):
        if b'"tokens"' not in raw and b'"sessionId"' not in raw and b'"$set"' not in raw:
            continue
        try:
            if not raw.isascii():
                raw.decode("utf-8")
            line = _decode_line(raw)
            event = _event(line)
        except MALFORMED as exc:
            if not state.at_tail:
                skips.add(exc)
            continue
        for update in (line, line.set):
            if update is not None:
                meta.sessionId = update.sessionId or meta.sessionId
                meta.projectHash = update.projectHash or meta.projectHash
                meta.directories = update.directories or meta.directories
        if event is not None:
            found[event.key] = event
    if state.oversized:
        skips.add("line over 32 MiB", state.oversized)
    return meta, list(found.values()), state.end_offset, skips


def parse(path: Path, start: int = 0) -> ParseResult:
    meta, events, end, skips = _messages(path, start)
    chats = _chats_dir(path)
    session = meta.sessionId or path.stem
    parent = path.parent.name if chats is not None and path.parent != chats else None
    project = _project(chats.parent, meta) if chats is not None else (meta.directories or [None])[0]
    for event in events:  # one per message id already
        event.key = f"{session}:{event.key}"
        event.session_id, event.project = parent or session, project
    return ParseResult(events=events, end_offset=end, reasons=skips)


def root(env: Env) -> Path:
    configured = env.get("GEMINI_CLI_HOME")
    if not configured:
        return env.home / ".gemini"
    base = env.expand(configured)
    if base.name == ".gemini" or (not (base / ".gemini").is_dir() and (base / "tmp").is_dir()):
        return base
    return base / ".gemini"


def discover(env: Env) -> Discovery:
    base = root(env) / "tmp"
    chats = [d / "chats" for d in sorted(base.iterdir()) if (d / "chats").is_dir()] if base.is_dir() else []
    files = sorted(find_files(chats, ".json") + find_files(chats, ".jsonl"))
    return Discovery(roots=[base], files=files)


SOURCE = Source(
    name=NAME,
    title="Gemini CLI",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=False,
)
