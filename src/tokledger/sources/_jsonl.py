"""Reading JSON Lines logs fast and safely: only the lines that can carry usage, only complete lines.

The file is read in large binary chunks; a line is handed on only when it holds ``needle`` (for example
``b'"usage"'``, which tolerates any JSON spacing), so the megabytes of tool output that make up most of a
transcript are never split or decoded. A last line without a newline may still be being written: it is
handed on (a whole record counts) but the offset stops before it, so it is read again next time. A line
longer than ``MAX_LINE`` is skipped and counted (memory stays bounded). A byte-order mark at the start of
the file is not part of the first record, and a file written with carriage returns alone (old Mac line
ends) is split at them: a raw CR cannot occur inside a JSON record, only between records.

:func:`read_events` hands the events on in batches of at most :data:`BATCH` (see
:class:`~tokledger.sources.ParseResult`), each event checked against the bounds of
:func:`tokledger.events.check`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tokledger.events import FUTURE, UsageEvent, check, merge_into
from tokledger.sources import ParseResult
from tokledger.sources._files import BOM, open_regular
from tokledger.sources._records import MALFORMED, Skips

CHUNK = 1 << 22
MAX_LINE = 1 << 25
BATCH = 16384


@dataclass
class ScanState:
    end_offset: int
    oversized: int = 0
    at_tail: bool = False
    """True while the line being handed on is the unterminated last line (maybe still being written)."""


def scan(path: Path, start: int, needle: bytes, state: ScanState) -> Iterator[bytes]:
    """Yield each complete line after byte ``start`` that contains ``needle`` (without its newline).

    ``state.end_offset`` is kept at the offset just after the last complete line consumed.
    """
    pos = start
    with open_regular(path) as f:
        if start:
            f.seek(start)
        carry = b""
        discarding = False
        first = start == 0
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            chunk = lines_of(chunk)
            if first:
                first = False
                if chunk.startswith(BOM):  # not part of the first record; offsets stay those of the file
                    chunk = b" " * len(BOM) + chunk[len(BOM) :]
            if discarding:
                nl = chunk.find(b"\n")
                if nl < 0:
                    pos += len(chunk)
                    continue
                pos += nl + 1
                state.end_offset = pos
                chunk = chunk[nl + 1 :]
                discarding = False
            buf = carry + chunk if carry else chunk
            last = buf.rfind(b"\n")
            if last < 0:
                if len(buf) > MAX_LINE:
                    state.oversized += 1
                    pos += len(buf)
                    carry, discarding = b"", True
                else:
                    carry = buf
                continue
            i = buf.find(needle, 0, last)
            while i >= 0:
                begin = buf.rfind(b"\n", 0, i) + 1
                end = buf.find(b"\n", i)
                if end - begin > MAX_LINE:
                    state.oversized += 1
                else:
                    yield buf[begin:end]
                i = buf.find(needle, end, last)
            pos += last + 1
            state.end_offset = pos
            carry = buf[last + 1 :]
            if len(carry) > MAX_LINE:
                state.oversized += 1
                pos += len(carry)
                carry, discarding = b"", True
        if carry and needle in carry:
            # Counted if it is already whole, but the offset stays before it: it is read again next
            # time, which the idempotent merge makes harmless, and a half-written line is not an error.
            state.at_tail = True
            yield carry


def lines_of(chunk: bytes) -> bytes:
    """A chunk with every bare carriage return made a line end (same length, so offsets do not move)."""
    return chunk.replace(b"\r", b"\n") if b"\r" in chunk else chunk


def read_events(
    path: Path, start: int, needle: bytes, to_event: Callable[[bytes], UsageEvent | None]
) -> ParseResult:
    """The loop every JSON Lines source shares.

    Each line holding ``needle`` is checked to be UTF-8 and handed to ``to_event``, which decodes it and
    returns its event, or None for a line that carries no usage, or raises one of :data:`MALFORMED` for a
    malformed record (skipped and counted with its reason — except the unterminated last line, which may
    still be being written). Events with the same key are merged (:func:`events.merge_into`).
    """
    return ParseResult(batches=_batches(path, start, needle, to_event))


def _batches(
    path: Path, start: int, needle: bytes, to_event: Callable[[bytes], UsageEvent | None]
) -> Iterator[list[UsageEvent]]:
    state = ScanState(end_offset=start)
    merged: dict[str, UsageEvent] = {}
    skips = Skips()
    latest = datetime.now(UTC) + FUTURE
    for raw in scan(path, start, needle, state):
        try:
            if not raw.isascii():
                raw.decode("utf-8")
            event = to_event(raw)
            if event is None:
                continue
            check(event, latest)
        except MALFORMED as exc:
            if not state.at_tail:
                skips.add(exc)
            continue
        previous = merged.get(event.key)
        if previous is not None:
            merged[event.key] = merge_into(previous, event)
        elif len(merged) < BATCH:
            merged[event.key] = event
        else:
            # The lines of one response are adjacent: the newest event stays to meet its next lines.
            newest = merged.popitem()
            yield list(merged.values())
            merged = dict([newest])
            merged[event.key] = event
    if merged:
        yield list(merged.values())
    if state.oversized:
        skips.add("line over 32 MiB", state.oversized)
    return state.end_offset, skips.total, skips
