"""Sync: discover each source's files, read only what is new, price it, and record it — per file, atomically.

For every file a checkpoint (size, mtime, inode, offset of the last complete line, digest of the bytes
just before that offset) decides what to do:

- unchanged size, mtime and inode: nothing (one ``stat``);
- an append-only log that grew, same inode, same bytes before the offset: read from the offset;
- anything else (shrunk, replaced, rewritten in place): read the whole file again.

New records are merged into what the ledger already holds under the same key (:func:`events.merge`), so
reading a file twice, a copy of it, or a later version of it never adds twice; records that disappear
from disk stay. Each file's events and its checkpoint are written in one transaction: a process killed
at any point leaves every file either wholly recorded or not at all, and the next sync finishes the job.
A large first import parses files on every core while the main process writes, in path order.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from hashlib import blake2b
from multiprocessing import get_context
from pathlib import Path

from tokledger.env import Env
from tokledger.errors import SourceError
from tokledger.events import merge
from tokledger.ledger import FileState, Ledger, event_row
from tokledger.pricing import Pricer
from tokledger.sources import SOURCES, ParseResult, Source

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


def _plan(source: Source, path: Path, state: FileState | None) -> _Task | None:
    st = path.stat()
    key = str(path)
    if state and (state.size, state.mtime_ns, state.inode) == (st.st_size, st.st_mtime_ns, st.st_ino):
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
    return _Task(source.name, key, start, st.st_size, st.st_mtime_ns, st.st_ino, action)


def _parse(task: _Task) -> tuple[ParseResult | None, bytes | None, str | None]:
    try:
        result = SOURCES[task.source].parse(Path(task.path), task.start)
        return result, _tail_hash(task.path, result.end_offset), None
    except FileNotFoundError:
        return None, None, "vanished while being read"
    except OSError as exc:
        return None, None, f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # a parser bug must not stop the other files
        return None, None, f"{type(exc).__name__}: {exc}"


def _parsed(tasks: Sequence[_Task], jobs: int | None) -> Iterable[tuple]:
    total = sum(t.size - t.start for t in tasks)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < 2 or total < PARALLEL_MIN_BYTES or os.name != "posix":
        yield from map(_parse, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        yield from pool.map(_parse, tasks, chunksize=4)


def _record(ledger: Ledger, pricer: Pricer, task: _Task, result: ParseResult, tail: bytes | None,
            state: FileState | None) -> int:  # fmt: skip
    """Write one file's events and checkpoint in one transaction; returns how many rows changed."""
    appended = task.action == "appended" and state is not None
    with ledger.transaction():
        stored = ledger.stored_events(task.source, [e.key for e in result.events])
        new_keys = sum(1 for e in result.events if e.key not in stored)
        file_id = ledger.save_file(
            task.source, task.path, size=task.size, mtime_ns=task.mtime_ns, inode=task.inode,
            offset=result.end_offset, tail_hash=tail,
            lines=result.lines + (state.lines if appended else 0),
            events=state.events + new_keys if appended else len(result.events),
            skipped=result.skipped + (state.skipped if appended else 0),
            synced_ms=int(time.time() * 1000),
        )  # fmt: skip
        rows = []
        for event in result.events:
            old = stored.get(event.key)
            if old is not None:
                event = merge(old.event, event)
                if event == old.event:
                    continue
            priced = pricer.price(event)
            rows.append(event_row(event, priced.cost_pusd, priced.basis, file_id))
        ledger.upsert_events(rows)
    return len(rows)


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
) -> SyncReport:
    """Bring the ledger up to date with every (or ``only`` the named) source's files."""
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
    for task, (result, tail, error) in zip(tasks, _parsed(tasks, jobs), strict=True):
        sr = report.sources[task.source]
        done += task.size - task.start
        if progress:
            progress(done, total)
        if result is None:
            report.files.append(FileReport(task.source, task.path, "error", error=error))
            if error != "vanished while being read":
                sr.notices.append(f"{task.path}: {error}")
            continue
        changed = _record(ledger, pricer, task, result, tail, states.get(task.path))
        sr.read += 1
        sr.events += changed
        sr.skipped += result.skipped
        report.files.append(
            FileReport(task.source, task.path, task.action, result.end_offset - task.start, changed, result.skipped)
        )

    now = int(time.time() * 1000)
    with ledger.transaction():
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


def reprice(ledger: Ledger, pricer: Pricer) -> tuple[int, int]:
    """Recompute every stored calculated cost with the current prices; returns (events, changed)."""
    changes, count = [], 0
    for row_id, stored in ledger.all_events():
        count += 1
        priced = pricer.price(stored.event)
        if (priced.cost_pusd, priced.basis) != (stored.cost_pusd, stored.price_basis):
            changes.append((priced.cost_pusd, priced.basis, row_id))
    with ledger.transaction():
        ledger.update_costs(changes)
    return count, len(changes)
