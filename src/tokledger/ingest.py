"""Sync: discover each source's files, read only what is new, price it, and record it — per file, atomically.

For every file a checkpoint (size, mtime, inode, offset of the last complete line, digest of the bytes
just before that offset) decides what to do:

- unchanged size, mtime and inode: nothing (one ``stat``);
- an append-only log that grew, same inode, same bytes before the offset: read from the offset;
- anything else (shrunk, replaced, rewritten in place): read the whole file again.

New records are merged into what the ledger already holds under the same key (:func:`events.merge`), so
reading a file twice, a copy of it, or a later version of it never adds twice; records that disappear
from disk stay. A file's events and its checkpoint are always written in the same transaction (a batch
of files per transaction): a process killed at any point leaves every file either wholly recorded or not
at all, and the next sync finishes the job.
A large first import parses files on every core while the main process writes, in path order.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path

from tokledger.env import Env
from tokledger.errors import SourceError
from tokledger.events import UsageEvent, merge
from tokledger.ledger import EventRow, FileState, Ledger
from tokledger.ledger.rows import decode_rows, encode_rows
from tokledger.pricing import Pricer
from tokledger.sources import SOURCES, Source

TAIL = 1024
PARALLEL_MIN_BYTES = 8 << 20


@dataclass
class FileReport:
    source: str
    path: str
    action: str  # "new", "appended", "reread", "unchanged", "error"
    bytes_read: int = 0
    events: int = 0
    skipped: int = 0
    error: str | None = None


@dataclass
class SourceReport:
    name: str
    roots: list[Path] = field(default_factory=list)
    files: int = 0
    read: int = 0
    events: int = 0
    skipped: int = 0
    notices: list[str] = field(default_factory=list)


@dataclass
class SyncReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(f.action not in ("unchanged", "error") for f in self.files)


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
    skipped: int
    tail: bytes | None
    schedules: dict[str, str]


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
        tail = _tail_hash(task.path, result.end_offset)
    except FileNotFoundError:
        return VANISHED
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 -- a parser bug must not stop the other files
        return f"{type(exc).__name__}: {exc}"
    rows = []
    for event in result.events:
        priced = pricer.price(event)
        rows.append(EventRow.of(event, priced.cost_pusd, priced.basis))
    return _Parsed(encode_rows(rows), result.end_offset, result.skipped, tail, pricer.drain())


VANISHED = "vanished while being read"


def _parsed(tasks: Sequence[_Task], jobs: int | None, pricer: Pricer) -> Iterator[_Parsed | str]:
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
        file_id = self.ledger.save_file(
            task.source, task.path, size=task.size, mtime_ns=task.mtime_ns, inode=task.inode,
            offset=parsed.end_offset, tail_hash=parsed.tail,
            events=state.events + sum(k not in stored for k in keys) if appended else len(keys),
            skipped=parsed.skipped + (state.skipped if appended else 0),
            synced_ms=int(time.time() * 1000),
        )  # fmt: skip
        return _upsert(self.ledger, self.pricer, rows, stored, file_id)


def _upsert(ledger: Ledger, pricer: Pricer, rows: Sequence[EventRow], stored: dict[str, tuple[int, EventRow]],
            file_id: int | None) -> int:  # fmt: skip
    """Add the rows the ledger lacks and merge the others into their stored copies (:func:`events.merge`);
    returns how many rows were added or changed. Call inside a transaction."""
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
    return len(new) + len(replaced)


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
            sr.notices.append(f"cannot list files: {exc}")
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
        if progress:
            progress(done, total)
        if isinstance(parsed, str):
            report.files.append(FileReport(task.source, task.path, "error", error=parsed))
            if parsed != VANISHED:
                sr.notices.append(f"{task.path}: {parsed}")
            continue
        read.append(
            FileReport(task.source, task.path, task.action, parsed.end_offset - task.start, 0, parsed.skipped)
        )
        schedules_seen.update(parsed.schedules)
        writer.add(task, parsed, states.get(task.path))
    writer.flush()
    schedules = pricer.drain()
    for file in read:
        sr = report.sources[file.source]
        file.events = writer.changed.pop(file.path)
        sr.read += 1
        sr.events += file.events
        sr.skipped += file.skipped
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
        problems += [f"{f.path}: {f.skipped} malformed lines skipped" for f in report.files if f.skipped]
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
            changed += _upsert(ledger, pricer, rows, stored, None)
        schedules = pricer.drain()
        if schedules and fingerprint:
            ledger.save_price_cache(fingerprint, schedules)
    return changed
