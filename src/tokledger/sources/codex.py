"""Codex CLI (openai/codex): the JSONL rollout files of its sessions.

Where
    ``CODEX_HOME`` (a comma-separated list of homes, as ccusage accepts), else ``~/.codex``. In each home,
    every ``*.jsonl`` below ``sessions/`` (``YYYY/MM/DD/rollout-<time>-<uuid>.jsonl``) and below
    ``archived_sessions/`` (ccusage #1230). A rollout is archived by moving it, so a file whose name is
    also under ``sessions/`` is read once, from the active copy. Rollouts written before 2025-09-06 carry
    no ``token_count`` events; their usage cannot be recovered. Saved ``codex exec --json`` output is not
    read.

Records
    Each line is ``{"timestamp", "type", "payload"}``. Read: ``session_meta`` (``id``, ``cwd``,
    ``model_provider``, ``git.branch``, ``forked_from_id``, ``source.subagent.thread_spawn.parent_thread_id``),
    ``turn_context`` (``model``, else ``model_name`` or ``metadata.model``; ``cwd``) and ``event_msg`` with
    ``payload.type`` "token_count" (``info.total_token_usage`` — cumulative for the session — and
    ``info.last_token_usage`` — the latest increment). Usage fields and the aliases accepted:
    ``input_tokens`` (``prompt_tokens``, ``input``), ``cached_input_tokens`` (``cache_read_input_tokens``,
    ``cached_tokens``), ``output_tokens`` (``completion_tokens``, ``output``), ``reasoning_output_tokens``
    (``reasoning_tokens``), ``total_tokens``. Any JSON spacing is accepted.

Token semantics (OpenAI convention: cache and reasoning are inside the totals)
    cache read = ``cached_input_tokens`` clamped to at most ``input_tokens``; input = ``input_tokens`` −
    cache read; output = ``output_tokens`` (reasoning included, never billed twice); reasoning =
    ``reasoning_output_tokens`` (clamped to output); no cache writes. Totals serve only to detect change.

Delta rule, in line order
    The model is the one of the latest ``turn_context`` (it can change mid-session); a ``token_count``
    before the first ``turn_context`` takes the model of the turn that follows (as tokscale does), and
    only when no turn follows in the whole file is it recorded with model "unknown" — unpriced and visible
    in reports — rather than ccusage's guess of "gpt-5", which can be wrong by an order of magnitude. ``info: null`` (rate-limit-only events, the first
    event of a session) adds nothing. An event whose cumulative total equals the previous one adds nothing
    even when it carries ``last_token_usage``: Codex re-emits totals at turn start and on UI and rate-limit
    refreshes (ccusage #884, #1288). Otherwise the increment is ``last_token_usage``, else the difference
    of the totals (floored at 0). A total that moved backwards by at most 2 % or one increment is a stale
    snapshot and is skipped (as tokscale does); a larger drop is a counter reset and counts. All-zero
    increments are dropped. Each event is dated by its ``token_count`` line.

Forked and spawned sessions: only the child's own turns
    A fork (``forked_from_id``) or spawned subagent (``source.subagent.thread_spawn.parent_thread_id``)
    begins by replaying its ancestors' history: their ``session_meta`` lines, turns and ``token_count``
    events, which hold the parent's usage, not the child's (one case adds 750M tokens). Everything up to
    the child's first own ``turn_context`` is inherited and adds nothing; the largest cumulative totals seen
    there are the inherited baseline, and a later ``token_count`` whose totals are all within it is a
    replayed parent row and adds nothing either (tokscale's
    ``test_forked_child_ignores_inherited_records_before_turn_context``,
    ``test_forked_child_ignores_replayed_parent_rows_after_turn_context`` and
    ``test_forked_child_submit_cap_regression_skips_large_inherited_cache_replays``; ccusage's Codex loader
    skips the same replay). Once an ancestor's ``session_meta`` has been replayed, a ``turn_context`` is the
    child's own when its ``turn_id`` (a UUID v7) was minted in or after the millisecond of the child's id;
    in that same millisecond only for a user fork (``thread_source`` "user") or a turn a ``task_started``
    announced (tokscale's ``forked_child_turn_starts_own_session``); and, for a ``turn_context`` without
    a UUID v7 ``turn_id``, when it lies past the wall-clock second in which the child's ``session_meta``
    was written — the replay is written in one burst at the fork (ccusage's fallback).

Identity, forks and copies
    Key: the lineage root and the cumulative ``total_token_usage`` counters (input, cached, output,
    reasoning) after the request — a figure that is the same in every copy of a request and different for
    every request of a lineage, since the counters only grow. A fork (``forked_from_id``) or spawned
    subagent (``parent_thread_id``) starts by replaying its ancestors' rollouts: their ``session_meta``
    lines and their ``token_count`` events with the same cumulative totals, re-stamped to the fork instant
    (ccusage #988, #1218, #1349, #1370). The lineage root is found by following ``forked_from_id`` /
    ``parent_thread_id`` through the session metas the file holds, up to the first one it does not hold;
    the parent's own file finds the same root, so a replayed event has the key of its original and the
    ledger keeps one record, dated and attributed by the earlier (original) copy, when a replay is not
    recognised as one. Events after the fork continue the counters from the inherited totals, so they
    never meet the parent's. Archived and active
    copies (and the same session read from two homes) share session id and counters, hence keys. A
    ``token_count`` without totals is keyed by its timestamp and increment.

Reading incrementally
    Rollouts are append-only and read from the checkpoint offset. The delta rule and the lineage need
    the state of the earlier lines (latest model, previous totals, session metas), so a read that starts
    mid-file first passes over the bytes before the offset, handing on only lines that name
    ``session_meta``, ``turn_context``, ``task_started`` or ``token_count`` and decoding nothing else: a byte search at disk
    speed, much cheaper than re-reading the file and merging every event of it again.

Project and session
    Session = the file's first ``session_meta`` id (a fork's own; replayed metas never replace it), else
    the file name. Project = that meta's ``cwd``, else the latest ``turn_context`` ``cwd``. Provider hint =
    ``model_provider`` (default "openai"). Malformed usage lines are skipped and counted with their
    reason; a byte-order mark before the first ``session_meta`` is not part of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from tokledger.env import Env
from tokledger.events import FUTURE, UsageEvent, check, merge, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import BOM, find_files, open_regular
from tokledger.sources._jsonl import CHUNK, MAX_LINE, ScanState, lines_of, scan
from tokledger.sources._records import MALFORMED, Skips

NAME = "codex"
_MARKS = (b"token_count", b"turn_context", b"session_meta", b"task_started")


class _Envelope(msgspec.Struct):
    type: str | None = None
    timestamp: datetime | None = None
    payload: msgspec.Raw = msgspec.Raw()


class _Git(msgspec.Struct):
    branch: str | None = None


class _Meta(msgspec.Struct):
    id: str | None = None
    cwd: str | None = None
    model_provider: str | None = None
    forked_from_id: str | None = None
    source: Any = None
    thread_source: str | None = None
    git: _Git | None = None


class _ModelMeta(msgspec.Struct):
    model: str | None = None


class _TurnContext(msgspec.Struct):
    turn_id: str | None = None
    model: str | None = None
    model_name: str | None = None
    metadata: _ModelMeta | None = None
    cwd: str | None = None


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    prompt_tokens: int | None = None
    input: int | None = None
    cached_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    completion_tokens: int | None = None
    output: int | None = None
    reasoning_output_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None


class _Info(msgspec.Struct):
    total_token_usage: _Usage | None = None
    last_token_usage: _Usage | None = None


class _Event(msgspec.Struct):
    type: str | None = None
    info: _Info | None = None
    turn_id: str | None = None


_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_decode_meta = msgspec.json.Decoder(_Meta).decode
_decode_turn = msgspec.json.Decoder(_TurnContext).decode
_decode_event = msgspec.json.Decoder(_Event).decode


def _first(*values: int | None) -> int:
    """The first count given (aliases of one field), as :func:`events.token_count` reads it."""
    return token_count(next((v for v in values if v is not None), None))


def _counts(u: _Usage) -> tuple[int, int, int, int, int]:
    """(input, cached, output, reasoning, total), total as logged or input + output."""
    inp = _first(u.input_tokens, u.prompt_tokens, u.input)
    out = _first(u.output_tokens, u.completion_tokens, u.output)
    cached = _first(u.cached_input_tokens, u.cache_read_input_tokens, u.cached_tokens)
    reasoning = _first(u.reasoning_output_tokens, u.reasoning_tokens)
    return inp, cached, out, reasoning, _first(u.total_tokens) or inp + out


def _parent(meta: _Meta) -> str | None:
    if meta.forked_from_id:
        return meta.forked_from_id
    source = meta.source
    spawn = source.get("subagent") if isinstance(source, dict) else None
    spawn = spawn.get("thread_spawn") if isinstance(spawn, dict) else None
    parent = spawn.get("parent_thread_id") if isinstance(spawn, dict) else None
    return parent if isinstance(parent, str) and parent else None


def _v7_ms(value: str | None) -> int | None:
    """The millisecond a UUID v7 was minted in (its first 48 bits), else None."""
    parts = value.split("-") if isinstance(value, str) else []
    if [len(p) for p in parts] != [8, 4, 4, 4, 12] or not parts[2].startswith("7"):
        return None
    try:
        return int(parts[0] + parts[1], 16)
    except ValueError:
        return None


class _Fork:
    """A forked or spawned child's replay of its ancestors, while it lasts (see the module docstring)."""

    def __init__(self, meta: _Meta, second: datetime | None):
        self.child_ms = _v7_ms(meta.id)
        self.user = meta.thread_source == "user"
        self.second = second.replace(microsecond=0) if second else None
        self.replaying = True
        self.ancestor_seen = False
        self.announced: set[str] = set()
        self.baseline: tuple[int, ...] | None = None

    def own_turn(self, turn: _TurnContext, timestamp: datetime | None) -> bool:
        if not self.ancestor_seen:
            return True
        turn_ms = _v7_ms(turn.turn_id)
        if turn_ms is not None and self.child_ms is not None:
            if turn_ms != self.child_ms:
                return turn_ms > self.child_ms
            return self.user or turn.turn_id in self.announced
        if self.second is None or timestamp is None:
            return True
        return timestamp.replace(microsecond=0) > self.second

    def inherit(self, total: tuple[int, ...]) -> None:
        base = self.baseline
        self.baseline = total if base is None else tuple(max(a, b) for a, b in zip(base, total, strict=True))

    def within(self, total: tuple[int, ...]) -> bool:
        base = self.baseline
        return base is not None and all(t <= b for t, b in zip(total[:4], base[:4], strict=True))


class _Reader:
    """The state of one rollout as its lines go by, and the events found after the start offset."""

    def __init__(self, path: Path):
        self.path = path
        self.own: _Meta | None = None
        self.links: dict[str, str | None] = {}
        self.model: str | None = None
        self.turn_cwd: str | None = None
        self.prev: tuple[int, ...] | None = None
        self.fork: _Fork | None = None
        self.found: list[tuple[tuple, UsageEvent]] = []
        self.pending: list[UsageEvent] = []  # found before the first turn_context: the model comes later
        self.latest = datetime.now(UTC) + FUTURE

    def feed(self, raw: bytes, collect: bool) -> None:
        if not raw.isascii():
            raw.decode("utf-8")
        line = _decode_envelope(raw)
        if not line.payload:
            return
        fork = self.fork
        if line.type == "session_meta":
            meta = _decode_meta(line.payload)
            if meta.id:
                self.links.setdefault(meta.id, _parent(meta))
                if self.own is None:
                    self.own = meta
                    if _parent(meta):
                        self.fork = _Fork(meta, line.timestamp)
                elif fork is not None and fork.replaying and meta.id != self.own.id:
                    fork.ancestor_seen = True
        elif line.type == "turn_context":
            turn = _decode_turn(line.payload)
            if fork is not None and fork.replaying:
                if not fork.own_turn(turn, line.timestamp):
                    return
                fork.replaying = False
                self.prev = fork.baseline
            named = turn.model or turn.model_name or (turn.metadata.model if turn.metadata else None)
            self.model = named or self.model
            self.turn_cwd = turn.cwd or self.turn_cwd
            if self.model:
                for event in self.pending:
                    event.model = self.model
                self.pending.clear()
        elif line.type == "event_msg":
            event = _decode_event(line.payload)
            if event.type == "task_started" and fork is not None and fork.replaying and event.turn_id:
                fork.announced.add(event.turn_id)
            elif event.type == "token_count" and event.info is not None:
                self._token_count(line.timestamp, event.info, collect)

    def _token_count(self, timestamp: datetime | None, info: _Info, collect: bool) -> None:
        last = _counts(info.last_token_usage) if info.last_token_usage is not None else None
        fork = self.fork
        if info.total_token_usage is None:
            if last is None or (fork is not None and fork.replaying):
                return
            increment, ident = last, ("at",)
        else:
            total = _counts(info.total_token_usage)
            if fork is not None:
                if fork.replaying:
                    fork.inherit(total)
                    return
                if fork.within(total):
                    return  # a replayed parent row after the child's first turn
            prev = self.prev
            if total == prev:
                return
            if prev is not None and total[4] < prev[4]:
                if prev[4] - total[4] <= max(prev[4] // 50, last[4] if last else 0):
                    return  # a stale snapshot: keep the baseline
                prev = None  # the counters were reset
            self.prev = total
            base = prev or (0, 0, 0, 0, 0)
            delta = tuple(max(0, t - b) for t, b in zip(total, base, strict=True))
            increment = last if last is not None else delta
            ident = ("total", *total[:4])
        if not collect or not any(increment[:4]):
            return
        if timestamp is None:
            raise ValueError("token_count without a timestamp")
        inp, cached, out, reasoning, _ = increment
        cached = min(cached, inp)
        event = UsageEvent(
            source=NAME, key="", timestamp=timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC),
            model=self.model or "unknown", input_tokens=inp - cached, cache_read_tokens=cached,
            output_tokens=out, reasoning_tokens=min(reasoning, out),
        )  # fmt: skip
        check(event, self.latest)
        if self.model is None:
            self.pending.append(event)
        self.found.append((ident, event))

    def root(self) -> str:
        node = self.own.id if self.own else self.path.stem
        seen: set[str] = set()
        while node in self.links and self.links[node] and node not in seen:
            seen.add(node)
            node = self.links[node]
        return node

    def events(self) -> list[UsageEvent]:
        root, own = self.root(), self.own
        session = own.id if own else self.path.stem
        project = (own.cwd if own else None) or self.turn_cwd
        branch = own.git.branch if own and own.git else None
        provider = (own.model_provider if own else None) or "openai"
        merged: dict[str, UsageEvent] = {}
        for ident, event in self.found:
            if ident == ("at",):
                ident = ("at", event.timestamp.isoformat(), event.input_tokens, event.cache_read_tokens,
                         event.output_tokens)  # fmt: skip
            event.key = ":".join(map(str, (root, *ident)))
            event.session_id, event.project = session, project
            event.git_branch, event.provider = branch, provider
            previous = merged.get(event.key)
            merged[event.key] = event if previous is None else merge(previous, event)
        return list(merged.values())


def _earlier_lines(path: Path, end: int) -> Iterator[bytes]:
    """The complete lines in the first ``end`` bytes that can change the reader's state, in file order.

    Lines are located from the marks (a byte search per mark), so the bulk of a rollout — tool output and
    messages — is never split into lines or copied.
    """
    with open_regular(path) as f:
        carry, left, discarding, first = b"", end, False, True
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            chunk = lines_of(chunk)
            if first and chunk.startswith(BOM):
                chunk = b" " * len(BOM) + chunk[len(BOM) :]
            first = False
            if discarding:  # the rest of an oversized line
                nl = chunk.find(b"\n")
                if nl < 0:
                    continue
                chunk, discarding = chunk[nl + 1 :], False
            buf = carry + chunk if carry else chunk
            last = buf.rfind(b"\n") + 1
            starts: set[int] = set()
            for mark in _MARKS:
                i = buf.find(mark, 0, last)
                while i >= 0:
                    starts.add(buf.rfind(b"\n", 0, i) + 1)
                    i = buf.find(mark, buf.find(b"\n", i), last)
            for begin in sorted(starts):
                yield buf[begin : buf.find(b"\n", begin)]
            carry = buf[last:]
            if len(carry) > MAX_LINE:
                carry, discarding = b"", True


def parse(path: Path, start: int = 0) -> ParseResult:
    reader = _Reader(path)
    for raw in _earlier_lines(path, start) if start else ():
        try:
            reader.feed(raw, collect=False)
        except MALFORMED:
            continue  # counted when it was first read
    state = ScanState(end_offset=start)
    skips = Skips()
    for raw in scan(path, start, b'"type"', state):
        if not (
            b"token_count" in raw
            or b"turn_context" in raw
            or b"session_meta" in raw
            or b"task_started" in raw
        ):
            continue
        try:
            reader.feed(raw, collect=True)
        except MALFORMED as exc:
            if not state.at_tail:
                skips.add(exc)
    if state.oversized:
        skips.add("line over 32 MiB", state.oversized)
    return ParseResult(events=reader.events(), end_offset=state.end_offset, reasons=skips)


def homes(env: Env) -> tuple[list[Path], list[str]]:
    configured = env.get("CODEX_HOME")
    if not configured:
        return [env.home / ".codex"], []
    found, notices = [], []
    for base in (env.expand(entry) for entry in configured.split(",") if entry.strip()):
        if (base / "sessions").is_dir() or (base / "archived_sessions").is_dir():
            found.append(base)
        else:
            notices.append(f"CODEX_HOME entry {base} has no sessions/ or archived_sessions/ directory")
    return found, notices


def discover(env: Env) -> Discovery:
    bases, notices = homes(env)
    active = find_files([b / "sessions" for b in bases if (b / "sessions").is_dir()], ".jsonl")
    known = {p.name for p in active} | {str(p) for p in active}
    archived = find_files(
        [b / "archived_sessions" for b in bases if (b / "archived_sessions").is_dir()], ".jsonl"
    )
    files = active + [p for p in archived if p.name not in known and str(p) not in known]
    roots = [b / sub for b in bases for sub in ("sessions", "archived_sessions")]
    return Discovery(roots=roots, files=files, notices=notices)


SOURCE = Source(
    name=NAME,
    title="Codex CLI",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
