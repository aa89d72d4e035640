"""Sync: discover each source's files, read only what is new, price it, and record it — per file, atomically.

For every file a checkpoint (size, mtime, inode, offset of the last complete line, digest of the bytes
just before that offset) decides what to do:

- unchanged size, mtime and inode: nothing (one ``stat``);
- an append-only log that grew, same inode, same bytes before the offset: read from the offset;
- anything else (shrunk, replaced, rewritten in place) — including a new mtime with the same size, the mark
  of an edit in place anywhere in the file, which the digest of the last KiB cannot see: read the whole
  file again. That costs one full read of such a file, and only then; a log that only grows never pays it.

Only regular files are read (a FIFO or device where a log should be is a notice, never a hang).

New records are merged into what the ledger already holds under the same key (:func:`events.merge`), so
reading a file twice, a copy of it, or a later version of it never adds twice; records that disappear
from disk stay. A file's events and its checkpoint are always written in the same transaction (a batch
of files per transaction): a process killed at any point leaves every file either wholly recorded or not
at all, and the next sync finishes the job.
A large first import parses files on every core while the main process writes, in path order.

Memory stays bounded whatever a file holds: a file of more than :data:`STREAM_MIN_BYTES` to read is
parsed in the main process and its events are priced and written in batches as its parser hands them on
(:meth:`tokledger.sources.ParseResult.stream`; the JSON Lines sources built on ``_jsonl.read_events`` hand
on at most 16,384 at a time, the others one batch), all in one transaction with its checkpoint, so it is
still recorded wholly or not at all; smaller files go to the parser processes and are written several
per transaction. Every event is checked against the bounds of :func:`tokledger.events.check` and its
calculated cost against :data:`MAX_COST_PUSD`; one outside them is skipped and counted with its reason.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import blake2b
from pathlib import Path

from tokledger.env import Env
from tokledger.errors import SourceError
from tokledger.events import FUTURE, MAX_COST_USD, Skip, UsageEvent, check, merge
from tokledger.ledger import PUSD_PER_USD, EventRow, FileState, Ledger
from tokledger.ledger.rows import decode_rows, encode_rows
from tokledger.pricing import Pricer
from tokledger.sources import SOURCES, ParseResult, Source
from tokledger.sources._files import NotRegular
from tokledger.sources._records import Skips, plus, reason_text
from tokledger.sync_result import FileReport, SourceReport, SyncReport

__all__ = ["FileReport", "ProgressFn", "SourceReport", "SyncReport", "reprice", "sync"]

TAIL = 1024
PARALLEL_MIN_BYTES = 8 << 20
STREAM_MIN_BYTES = 32 << 20
MAX_COST_PUSD = int(MAX_COST_USD) * PUSD_PER_USD


@dataclass(frozen=True)
class _Task:
    source: str
    path: str
    start: int
    size: int
    mtime_ns: int
    inode: int
    action: str


def _tail_hash(path: str, offset: int) -> bytes | None:
    if offset <= 0:
        return None
    with open(path, "rb") as f:
        f.seek(max(0, offset - TAIL))
        return blake2b(f.read(min(offset, TAIL)), digest_size=16).digest()


_DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def _plan(source: Source, path: Path, state: FileState | None) -> _Task | None:
    key = os.fspath(path)
    st = os.stat(key)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegular("not a regular file")
    try:
        key.encode()
    except UnicodeEncodeError:
        raise OSError("its name is not valid UTF-8") from None
    size, mtime_ns = st.st_size, st.st_mtime_ns
    if not source.append_only and key.endswith(_DATABASE_SUFFIXES):
        # A SQLite database in WAL mode takes new rows in its "-wal" file first: the main file's size and
        # mtime do not move until a checkpoint, so the pair is what says whether anything changed.
        try:
            wal = os.stat(key + "-wal")
            size, mtime_ns = size + wal.st_size, max(mtime_ns, wal.st_mtime_ns)
        except OSError:
            pass
    if state and (state.size, state.mtime_ns, state.inode) == (size, mtime_ns, st.st_ino):
        return None
    start, action = 0, "new" if state is None else "reread"
    if (
        state is not None
        and source.append_only
        and state.inode == st.st_ino
        and st.st_size != state.size  # the same size with a new mtime is an edit in place: read it all
        and st.st_size >= state.offset > 0
        and _tail_hash(key, state.offset) == state.tail_hash
    ):
        start, action = state.offset, "appended"
    return _Task(source.name, key, start, size, mtime_ns, st.st_ino, action)


@dataclass
class _Parsed:
    """One file's parse, priced: its :class:`EventRow` s as one msgpack message, and the checkpoint to store."""

    rows: bytes
    end_offset: int
    reasons: dict[str, int]
    tail: bytes | None
    schedules: dict[str, str]

    @property
    def skipped(self) -> int:
        return sum(self.reasons.values())


def _priced_rows(events: list[UsageEvent], pricer: Pricer, skips: Skips) -> list[EventRow]:
    """The events within bounds, priced; the others counted in ``skips``."""
    rows = []
    latest = datetime.now(UTC) + FUTURE
    for event in events:
        try:
            check(event, latest)
            priced = pricer.price(event)
            if priced.cost_pusd is not None and priced.cost_pusd > MAX_COST_PUSD:
                raise Skip("cost out of range")
            rows.append(EventRow.of(event, priced.cost_pusd, priced.basis))
        except Skip as exc:
            skips.add(str(exc))
    return rows


# The pricer of a parser process, set once when the process starts (its caches then live as long as it).
_worker_pricer: Pricer | None = None


def _init_worker(pricer: Pricer, parent: int) -> None:
    global _worker_pricer
    _worker_pricer = pricer
    threading.Thread(target=_exit_with, args=(parent,), name="tokledger-orphan-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """A forked parser holds both ends of its task pipe, so it never sees EOF when the sync is killed: it
    watches its parent instead and exits once the parent is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _parse(task: _Task, pricer: Pricer | None = None) -> _Parsed | str:
    """Parse and price one file (in a parser process or in-line); an error comes back as its message."""
    pricer = pricer or _worker_pricer
    try:
        result = SOURCES[task.source].parse(Path(task.path), task.start)
        events = result.events
        tail = _tail_hash(task.path, result.end_offset)
    except FileNotFoundError:
        return VANISHED
    except Exception as exc:  # noqa: BLE001 -- a parser bug must not stop the other files
        return _failure(exc)
    skips = Skips(result.reasons)
    rows = _priced_rows(events, pricer, skips)
    return _Parsed(encode_rows(rows), result.end_offset, dict(skips), tail, pricer.drain())


def _failure(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


VANISHED = "vanished while being read"


@dataclass(frozen=True)
class _Streamed:
    """A large file, parsed by the writer itself batch by batch (see the module docstring)."""

    task: _Task


def _streams(task: _Task) -> bool:
    return task.size - task.start >= STREAM_MIN_BYTES


def _parsed(tasks: Sequence[_Task], jobs: int | None, pricer: Pricer) -> Iterator[_Parsed | _Streamed | str]:
    """Each task's parse, in task order; large files are left to the writer (:class:`_Streamed`)."""
    results = _parse_all([t for t in tasks if not _streams(t)], jobs, pricer)
    try:
        for task in tasks:
            yield _Streamed(task) if _streams(task) else next(results)
    finally:
        results.close()


def _parse_all(tasks: Sequence[_Task], jobs: int | None, pricer: Pricer) -> Iterator[_Parsed | str]:
    total = sum(t.size - t.start for t in tasks)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < 2 or total < PARALLEL_MIN_BYTES or os.name != "posix":
        yield from (_parse(task, pricer) for task in tasks)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pricer.prepare()  # load the price table once here rather than once in every parser process

    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("fork"),
        initializer=_init_worker,
        initargs=(pricer, os.getpid()),
    ) as pool:
        yield from pool.map(_parse, tasks, chunksize=8)


class _Writer:
    """Writes parsed files, several per transaction; each file's rows and checkpoint always commit together."""

    BATCH_FILES = 256
    BATCH_ROWS = 20_000

    def __init__(self, ledger: Ledger, pricer: Pricer):
        self.ledger = ledger
        self.pricer = pricer
        self.pending: list[tuple[_Task, list[EventRow], _Parsed, FileState | None]] = []
        self.pending_rows = 0
        self.changed: dict[str, int] = {}
        # A source whose every recorded event was written by this sync needs no look-up of stored events
        # except for the keys it wrote; checked again under the write lock of every batch, so another
        # process importing at the same time turns the look-ups back on.
        self.empty = {s for s in SOURCES if not ledger.has_events(s)}
        self.written: set[tuple[str, str]] = set()
        self.written_count: dict[str, int] = {}

    def add(self, task: _Task, parsed: _Parsed, state: FileState | None) -> None:
        rows = decode_rows(parsed.rows)
        self.pending.append((task, rows, parsed, state))
        self.pending_rows += len(rows)
        if len(self.pending) >= self.BATCH_FILES or self.pending_rows >= self.BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with self.ledger.transaction():
            for source in list(self.empty):
                if self.ledger.count_events(source) != self.written_count.get(source, 0):
                    self.empty.discard(source)
            for task, rows, parsed, state in self.pending:
                self.changed[task.path] = self._record(task, rows, parsed, state)
        self.pending, self.pending_rows = [], 0

    def stream(self, task: _Task, state: FileState | None) -> _Parsed | str:
        """Parse, price and write one large file batch by batch, in one transaction with its checkpoint;
        returns what a parser process would have (without rows), or the error that stopped it."""
        self.flush()
        self.empty.discard(task.source)  # keys may repeat across batches: look every one up
        skips = Skips()
        try:
            result: ParseResult = SOURCES[task.source].parse(Path(task.path), task.start)
            with self.ledger.transaction():
                file_id = self._save(task, state, task.start, state.tail_hash if state else None, 0, {})
                changed = count = 0
                for batch in result.stream():
                    rows = _priced_rows(batch, self.pricer, skips)
                    count += len(rows)
                    changed += self._write(task.source, rows, file_id, [r.key for r in rows])[0]
                skips = plus(result.reasons, skips)
                tail = _tail_hash(task.path, result.end_offset)
                self._save(task, state, result.end_offset, tail, count, dict(skips))
        except FileNotFoundError:
            return VANISHED
        except Exception as exc:  # noqa: BLE001 -- a parser bug must not stop the other files
            return _failure(exc)
        self.changed[task.path] = changed
        return _Parsed(b"", result.end_offset, dict(skips), tail, {})

    def _save(self, task: _Task, state: FileState | None, offset: int, tail: bytes | None, events: int,
              reasons: dict[str, int]) -> int:  # fmt: skip
        appended = task.action == "appended" and state is not None
        if appended:
            events += state.events
            reasons = plus(state.reasons, reasons)
        return self.ledger.save_file(
            task.source, task.path, size=task.size, mtime_ns=task.mtime_ns, inode=task.inode, offset=offset,
            tail_hash=tail, events=events, skipped=sum(reasons.values()), reasons=reasons,
            synced_ms=int(time.time() * 1000),
        )  # fmt: skip

    def _record(self, task: _Task, rows: list[EventRow], parsed: _Parsed, state: FileState | None) -> int:
        keys = [row.key for row in rows]
        if task.source in self.empty:
            lookup = [k for k in keys if (task.source, k) in self.written]
            fresh = {(task.source, k) for k in keys} - self.written
            self.written |= fresh
            self.written_count[task.source] = self.written_count.get(task.source, 0) + len(fresh)
        else:
            lookup = keys
        stored = self.ledger.stored_events(task.source, lookup) if lookup else {}
        appended = task.action == "appended" and state is not None
        events = sum(k not in stored for k in keys) if appended else len(keys)
        file_id = self._save(task, state, parsed.end_offset, parsed.tail, events, parsed.reasons)
        return self._write(task.source, rows, file_id, None, stored)[0]

    def _write(self, source: str, rows: list[EventRow], file_id: int, lookup: list[str] | None,
               stored: dict | None = None) -> tuple[int, int]:  # fmt: skip
        """Record rows, merged into what the ledger holds under their keys; (rows changed, rows new)."""
        if stored is None:
            stored = self.ledger.stored_events(source, lookup) if lookup else {}
        return _upsert(self.ledger, self.pricer, rows, stored, file_id)


def _upsert(ledger: Ledger, pricer: Pricer, rows: Sequence[EventRow], stored: dict[str, tuple[int, EventRow]],
            file_id: int | None) -> tuple[int, int]:  # fmt: skip
    """Add the rows the ledger lacks and merge the others into their stored copies (:func:`events.merge`);
    returns (rows added or changed, rows added). Call inside a transaction."""
    new: list[EventRow] = []
    replaced: list[tuple[int, EventRow, EventRow]] = []
    for row in rows:
        found = stored.get(row.key)
        if found is None:
            new.append(row)
            continue
        row_id, old = found
        old_event, new_event = old.event(), row.event()
        event = merge(old_event, new_event)
        if event == old_event:
            continue
        if event != new_event:  # a mix of both copies: price the merged request
            priced = pricer.price(event)
            row = EventRow.of(event, priced.cost_pusd, priced.basis)
        replaced.append((row_id, old, row))
    ledger.add_events(new, file_id)
    if replaced:
        ledger.replace_events(replaced, file_id)
    return len(new) + len(replaced), len(new)


ProgressFn = Callable[[int, int], None]


def sync(
    ledger: Ledger,
    env: Env,
    pricer: Pricer,
    *,
    only: Sequence[str] | None = None,
    jobs: int | None = None,
    strict: bool = False,
    progress: ProgressFn | None = None,
    fingerprint: str | None = None,
) -> SyncReport:
    """Bring the ledger up to date with every (or ``only`` the named) source's files.

    With ``fingerprint`` (see :func:`pricing.table_fingerprint`), the price schedules computed while pricing
    are stored in the ledger, so later runs price known models without loading the price table.
    """
    started = time.perf_counter()
    report = SyncReport()
    tasks: list[_Task] = []
    states: dict[str, FileState] = ledger.file_states()
    for name, source in SOURCES.items():
        if only and name not in only:
            continue
        sr = report.sources[name] = SourceReport(name)
        try:
            found = source.discover(env)
        except OSError as exc:
            sr.notices.append(f"cannot list files: {exc.strerror or exc}")
            continue
        sr.roots, sr.files, sr.notices = found.roots, len(found.files), list(found.notices)
        for path in found.files:
            try:
                task = _plan(source, path, states.get(str(path)))
            except OSError as exc:
                sr.notices.append(f"{path}: cannot read: {exc.strerror or exc}")
                continue
            if task is None:
                report.files.append(FileReport(name, str(path), "unchanged"))
            else:
                tasks.append(task)

    total = sum(t.size - t.start for t in tasks)
    if progress and tasks:
        progress(0, total)
    done = 0
    writer = _Writer(ledger, pricer)
    schedules_seen: dict[str, str] = {}
    read: list[FileReport] = []  # filled in with the rows changed once the file's batch is written
    for task, parsed in zip(tasks, _parsed(tasks, jobs, pricer), strict=True):
        sr = report.sources[task.source]
        done += task.size - task.start
        streamed = isinstance(parsed, _Streamed)
        if streamed:
            parsed = writer.stream(task, states.get(task.path))
        if progress:
            progress(done, total)
        if isinstance(parsed, str):
            report.files.append(FileReport(task.source, task.path, "error", error=parsed))
            if parsed != VANISHED:
                sr.notices.append(f"{task.path}: {parsed}")
            continue
        read.append(FileReport(task.source, task.path, task.action, parsed.end_offset - task.start, 0,
                               parsed.skipped, reasons=parsed.reasons))  # fmt: skip
        schedules_seen.update(parsed.schedules)
        if not streamed:
            writer.add(task, parsed, states.get(task.path))
    writer.flush()
    schedules = pricer.drain()
    for file in read:
        sr = report.sources[file.source]
        file.events = writer.changed.pop(file.path)
        sr.read += 1
        sr.events += file.events
        sr.skipped += file.skipped
        sr.reasons = dict(plus(sr.reasons, file.reasons))
        report.files.append(file)

    now = int(time.time() * 1000)
    schedules.update(schedules_seen)
    with ledger.transaction():
        if schedules and fingerprint:
            ledger.save_price_cache(fingerprint, schedules)
        for sr in report.sources.values():
            ledger.save_source_status(
                sr.name, now, json.dumps([str(r) for r in sr.roots]), json.dumps(sr.notices)
            )
    report.seconds = time.perf_counter() - started
    if strict:
        problems = [f"{sr.name}: {n}" for sr in report.sources.values() for n in sr.notices]
        problems += [
            f"{f.path}: {f.skipped} malformed lines skipped ({reason_text(f.reasons)})"
            for f in report.files
            if f.skipped
        ]
        if problems:
            raise SourceError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return report


def reprice(ledger: Ledger, pricer: Pricer, fingerprint: str | None = None) -> tuple[int, int]:
    """Recompute every stored calculated cost with the current prices; returns (events, changed).

    ``pricer`` should carry no cached schedules: the price cache is rebuilt from what it computes. The
    rollups of every quarter-hour that held a changed event are rebuilt in the same transaction."""
    changes, count = [], 0
    for row_id, row in ledger.all_events():
        count += 1
        priced = pricer.price(row.event())
        if (priced.cost_pusd, priced.basis) != (row.cost_pusd, row.basis):
            changes.append((row_id, row, priced.cost_pusd, priced.basis))
    with ledger.transaction():
        ledger.update_costs(changes)
        ledger.clear_price_cache()
        if fingerprint:
            ledger.save_price_cache(fingerprint, pricer.drain())
    return count, len(changes)


def sync_file(ledger: Ledger, source: str, path: str, pricer: Callable[[], Pricer],
              fingerprint: str | None = None) -> SyncReport:  # fmt: skip
    """Bring one file of ``source`` up to date (a transcript a hook names), exactly as :func:`sync` would:
    from its checkpoint, atomically. ``pricer`` is called only when there is something to price."""
    report = SyncReport()
    sr = report.sources[source] = SourceReport(source, files=1)
    state = ledger.file_state(path)
    task = _plan(SOURCES[source], Path(path), state)
    if task is None:
        report.files.append(FileReport(source, path, "unchanged"))
        return report
    prices = pricer()
    parsed = _parse(task, prices)
    if isinstance(parsed, str):
        report.files.append(FileReport(source, path, "error", error=parsed))
        sr.notices.append(f"{path}: {parsed}")
        return report
    writer = _Writer(ledger, prices)
    writer.add(task, parsed, state)
    writer.flush()
    events = writer.changed.pop(task.path)
    report.files.append(
        FileReport(source, path, task.action, parsed.end_offset - task.start, events, parsed.skipped)
    )
    sr.read, sr.events, sr.skipped = 1, events, parsed.skipped
    schedules = {**parsed.schedules, **prices.drain()}
    if schedules and fingerprint:
        with ledger.transaction():
            ledger.save_price_cache(fingerprint, schedules)
    return report


def record(
    ledger: Ledger, pricer: Pricer, events: Sequence[UsageEvent], fingerprint: str | None = None
) -> int:
    """Price and record events captured outside any log file (hooks, the drop directory, tmux panes) in one
    transaction: copies of a key — in ``events`` or already in the ledger — merge as :func:`events.merge`
    says (a running total recorded again keeps each count's maximum). Returns the events added or changed."""
    merged: dict[tuple[str, str], UsageEvent] = {}
    for event in events:
        key = (event.source, event.key)
        merged[key] = merge(merged[key], event) if key in merged else event
    by_source: dict[str, list[EventRow]] = {}
    for event in merged.values():
        priced = pricer.price(event)
        by_source.setdefault(event.source, []).append(EventRow.of(event, priced.cost_pusd, priced.basis))
    changed = 0
    with ledger.transaction():
        for source, rows in by_source.items():
            stored = ledger.stored_events(source, [row.key for row in rows])
            changed += _upsert(ledger, pricer, rows, stored, None)[0]
        schedules = pricer.drain()
        if schedules and fingerprint:
            ledger.save_price_cache(fingerprint, schedules)
    return changed
