"""OpenCode (sst/opencode, now anomalyco/opencode): assistant messages in its SQLite database and JSON storage.

Where
    ``OPENCODE_DATA_DIR`` (a comma-separated list, as ccusage accepts), else
    ``${XDG_DATA_HOME:-~/.local/share}/opencode``. In each: the database ``opencode.db`` and the channel
    databases ``opencode-<channel>.db`` (``-local``, ``-beta``, …), and the JSON storage of releases before
    the move to SQLite, ``storage/message/<sessionID>/msg_<id>.json`` (one message per file; readers that
    knew only these went silent after the move, tokscale #181). The database is opened read-only through
    SQLite, so rows still only in its ``-wal`` file are read (and a change to that file counts as a change
    of the database). The pre-2025 nested layout ``storage/session/{info,message,part}/`` is not read.

Records
    An assistant message (``role`` "assistant"): ``modelID``, ``providerID`` (in the newer
    ``session_message`` table: ``model.id`` and ``model.providerID``), ``time.created`` (epoch ms),
    ``cost`` (USD, computed by OpenCode), ``tokens.{input, output, reasoning, cache.read, cache.write,
    total}``, ``path.cwd``, ``path.root``. Database tables: ``message`` (``id``, ``session_id``,
    ``time_created``, ``data`` = the message JSON without ``id`` and ``sessionID``), ``session_message``
    rows of ``type`` "assistant" (read only for sessions that have no ``message`` rows, so a session
    present in both schemas counts once), ``session`` (``directory``). Per-step ``step-finish`` parts repeat
    the message's usage and are not read. Session-level token columns are not read either: the
    JSON-to-SQLite migration sets them to 0.

Token semantics (already disjoint)
    input = ``tokens.input`` (cache excluded), cache read = ``tokens.cache.read``, cache write =
    ``tokens.cache.write`` (no 1-hour split), reasoning = ``tokens.reasoning``. Whether ``tokens.output``
    includes reasoning depends on the provider and the OpenCode release; ``tokens.total`` decides: equal to
    the sum with reasoning counted beside output → output = ``output`` + ``reasoning``; equal to the sum
    without it → reasoning is inside output. When ``total`` is absent (or matches neither) reasoning is
    taken as separate, following the reference's rule (this may overstate output for providers that already
    include it).

Identity and duplicates
    Key: the message id (``msg_…``), the same in the JSON storage, the database and every channel database,
    so a message present in several stores counts once. ``Session.fork``
    (``packages/opencode/src/session/index.ts``) copies every message of the forked session under a new id
    and session, with ``time``, ``tokens``, ``cost``, ``modelID`` and ``providerID`` copied verbatim: keyed
    on the id, a fork would count twice. As tokscale does, copies are recognised by their content: assistant
    messages of one database with the same fingerprint — ``time.created``, ``time.completed``, model,
    provider, every token count and the cost — are one request, keyed by the smallest id among them (the
    original: ids ascend with time, and the copies are minted at the fork) and attributed to its session;
    the others are non-primary copies of it. A forked session's own later messages have their own
    fingerprints and count normally. Copies in the JSON storage (one file per message) are not matched. Files and databases are rewritten as a message
    streams; each is re-read whole when it changes, and the ledger keeps the most complete copy. Messages
    with zero tokens and no cost — aborted requests carrying an ``error`` — add nothing. Dated by
    ``time.created`` (the row's ``time_created`` when the JSON has none).

Recorded cost
    ``cost`` when positive becomes the logged cost (shown by ``--mode auto`` and ``logged``); a zero cost
    (free or subscription providers) is not a price, so such messages are priced from their tokens. The
    provider hint for calculated prices is ``providerID``; ``modelID`` may carry a router prefix
    (``openrouter/anthropic/…``) that the price table resolves.

Project and session
    Session = ``sessionID`` / ``session_id`` (child sessions, ``parent_id``, stay their own sessions).
    Project = ``path.cwd``, else ``path.root``, else the session's ``directory``. A locked database
    becomes a one-line notice and is read again on the next sync.

Skipped
    A message (a row, or a file) that is malformed — not JSON, wrong types, a ``time_created`` or
    ``time.created`` out of range, a NaN, negative or huge ``cost`` — is skipped and counted with its
    reason, and every other message of the database is kept. A message whose ``tokens`` carry only a
    ``total`` cannot be split into categories: skipped and counted ("only a total").
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, instant_ms, logged_cost, merge, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_files, read_regular, read_text, strip_bom
from tokledger.sources._records import MALFORMED, Skips, reason
from tokledger.sources._sqlite import columns, read_only

NAME = "opencode"


class _Cache(msgspec.Struct):
    read: int | None = None
    write: int | None = None


class _Tokens(msgspec.Struct):
    input: int | None = None
    output: int | None = None
    reasoning: int | None = None
    cache: _Cache | None = None
    total: int | None = None


class _Time(msgspec.Struct):
    created: int | float | None = None
    completed: int | float | None = None


class _Path(msgspec.Struct):
    cwd: str | None = None
    root: str | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    sessionID: str | None = None
    role: str | None = None
    modelID: str | None = None
    providerID: str | None = None
    model: Any = None
    time: _Time | None = None
    cost: Decimal | None = None
    tokens: _Tokens | None = None
    path: _Path | None = None


_decode = msgspec.json.Decoder(_Message).decode


def _event(m: _Message, key: str | None, session: str | None, created_ms: int | None,
           directory: str | None, assistant: bool = False) -> UsageEvent | None:  # fmt: skip
    """The usage of one message, or None when it is not an assistant message or adds nothing."""
    if not (assistant or m.role == "assistant"):
        return None
    t = m.tokens or _Tokens()
    inp, out, reasoning = token_count(t.input), token_count(t.output), token_count(t.reasoning)
    read, write = (token_count(t.cache.read), token_count(t.cache.write)) if t.cache else (0, 0)
    cost = logged_cost(m.cost)
    cost = cost if cost is not None and cost > 0 else None
    if not (inp or out or reasoning or read or write or cost):
        if t.total:
            raise Skip("only a total")
        return None
    if t.total is None or t.total != inp + out + read + write:
        out += reasoning  # reasoning reported beside output (see the module docstring)
    created = m.time.created if m.time and m.time.created is not None else created_ms
    if not key:
        raise Skip("message without id")
    ref = m.model if isinstance(m.model, dict) else {}
    return check(UsageEvent(
        source=NAME, key=key, timestamp=instant_ms(created),
        model=m.modelID or ref.get("id") or "unknown", provider=m.providerID or ref.get("providerID"),
        input_tokens=inp, output_tokens=out, cache_read_tokens=read, cache_write_tokens=write,
        reasoning_tokens=min(reasoning, out), logged_cost_usd=cost, session_id=session,
        project=(m.path.cwd or m.path.root if m.path else None) or directory,
    ))  # fmt: skip


def _fingerprint(m: _Message, event: UsageEvent) -> tuple | None:
    """What a ``Session.fork`` copy shares with its original (None: not enough to tell copies apart)."""
    if not m.time or m.time.created is None or m.time.completed is None:
        return None
    e = event
    return (m.time.created, m.time.completed, e.model, e.provider, e.input_tokens, e.output_tokens,
            e.reasoning_tokens, e.cache_read_tokens, e.cache_write_tokens, e.logged_cost_usd)  # fmt: skip


def _fold_copies(found: list[tuple[UsageEvent, tuple | None]]) -> list[UsageEvent]:
    """Events of one database with fork copies keyed as their original and marked non-primary."""
    original: dict[tuple, UsageEvent] = {}
    for event, fp in found:
        if fp is not None and (fp not in original or event.key < original[fp].key):
            original[fp] = event
    for event, fp in found:
        first = original.get(fp) if fp is not None else None
        if first is not None and first is not event:
            event.key, event.primary = first.key, False
    return [event for event, _ in found]


def _session_directory(storage: Path, session: str | None) -> str | None:
    """``directory`` of ``storage/session/<projectID>/<session>.json``, for messages without ``path``."""
    if not session or not (storage / "session").is_dir():
        return None
    for project in (storage / "session").iterdir():
        text = read_text(project / f"{session}.json")
        try:
            info = json.loads(text) if text is not None else None
        except ValueError:
            continue
        if info is not None:
            return info.get("directory") if isinstance(info, dict) else None
    return None


def _parse_file(path: Path) -> ParseResult:
    data = read_regular(path)
    try:
        m = _decode(strip_bom(data))
        directory = None
        if m.role == "assistant" and not (m.path and (m.path.cwd or m.path.root)):
            directory = _session_directory(path.parent.parent.parent, m.sessionID)
        event = _event(m, m.id or path.stem, m.sessionID or path.parent.name, None, directory)
    except MALFORMED as exc:
        return ParseResult(events=[], end_offset=len(data), reasons={reason(exc): 1})
    return ParseResult(events=[event] if event else [], end_offset=len(data))


def _rows(conn, table: str, where: str):
    have = columns(conn, table)
    if not {"id", "session_id", "data"} <= have:
        return []
    created = "time_created" if "time_created" in have else "NULL"
    return conn.execute(f"SELECT id, session_id, {created}, data FROM {table} WHERE {where}").fetchall()


def _parse_db(path: Path) -> ParseResult:
    with read_only(path) as conn:
        directories = {}
        if {"id", "directory"} <= columns(conn, "session"):
            directories = dict(conn.execute("SELECT id, directory FROM session"))
        v1 = _rows(conn, "message", "1 = 1")
        v1_sessions = {row[1] for row in v1}
        v2 = [r for r in _rows(conn, "session_message", "type = 'assistant'") if r[1] not in v1_sessions]
    found: list[tuple[UsageEvent, tuple | None]] = []
    skips = Skips()
    for rows, assistant in ((v1, False), (v2, True)):
        for key, session, created, data in rows:
            try:
                raw = data.encode() if isinstance(data, str) else data
                message = _decode(raw)
                event = _event(message, key, session, created, directories.get(session), assistant)
            except MALFORMED as exc:
                skips.add(exc)
                continue
            if event is not None:
                found.append((event, _fingerprint(message, event)))
    merged: dict[str, UsageEvent] = {}
    for event in _fold_copies(found):
        previous = merged.get(event.key)
        merged[event.key] = event if previous is None else merge(previous, event)
    return ParseResult(events=list(merged.values()), end_offset=path.stat().st_size, reasons=skips)


def parse(path: Path, start: int = 0) -> ParseResult:
    if path.suffix == ".json":
        return _parse_file(path)
    return _parse_db(path)


def data_dirs(env: Env) -> list[Path]:
    configured = env.get("OPENCODE_DATA_DIR")
    if configured:
        return [env.expand(entry) for entry in configured.split(",") if entry.strip()]
    return [env.xdg_data_home / "opencode"]


def discover(env: Env) -> Discovery:
    dirs = data_dirs(env)
    files: list[Path] = []
    notices: list[str] = []
    for base in dirs:
        if not base.is_dir():
            if env.get("OPENCODE_DATA_DIR"):
                notices.append(f"OPENCODE_DATA_DIR entry {base} is not a directory")
            continue
        files.extend(sorted([*base.glob("opencode.db"), *base.glob("opencode-*.db")]))
        messages = base / "storage" / "message"
        if messages.is_dir():
            files.extend(find_files([messages], ".json"))
    return Discovery(roots=dirs, files=files, notices=notices)


SOURCE = Source(
    name=NAME,
    title="OpenCode",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=False,
)
