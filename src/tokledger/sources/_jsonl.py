"""Reading JSON Lines logs fast and safely: only the lines that can carry usage, only complete lines.

The file is read in large binary chunks; a line is handed on only when it holds ``needle`` (for example
``b'"usage"'``, which tolerates any JSON spacing), so the megabytes of tool output that make up most of a
transcript are never split or decoded. A last line without a newline may still be being written: it is
handed on (a whole record counts) but the offset stops before it, so it is read again next time. A line longer than ``MAX_LINE`` is skipped and
counted (memory stays bounded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from tokledger.events import UsageEvent, merge_into
from tokledger.sources import ParseResult

CHUNK = 1 << 22
MAX_LINE = 1 << 25


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
    with open(path, "rb", buffering=0) as f:
        if start:
            f.seek(start)
        carry = b""
        discarding = False
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
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


MALFORMED = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    UnicodeDecodeError,
    ValueError,
    OverflowError,
    TypeError,
)
"""What a line's decoder may raise for a malformed record: the line is skipped and counted."""


def read_events(
    path: Path, start: int, needle: bytes, to_event: Callable[[bytes], UsageEvent | None]
) -> ParseResult:
    """The loop every JSON Lines source shares.

    Each line holding ``needle`` is checked to be UTF-8 and handed to ``to_event``, which decodes it and
    returns its event, or None for a line that carries no usage, or raises one of :data:`MALFORMED` for a
    malformed record (skipped and counted — except the unterminated last line, which may still be being
    written). Events with the same key are merged (:func:`events.merge_into`).
    """
    state = ScanState(end_offset=start)
    merged: dict[str, UsageEvent] = {}
    skipped = 0
    for raw in scan(path, start, needle, state):
        try:
            if not raw.isascii():
                raw.decode("utf-8")
            event = to_event(raw)
        except MALFORMED:
            if not state.at_tail:
                skipped += 1
            continue
        if event is not None:
            previous = merged.get(event.key)
            merged[event.key] = event if previous is None else merge_into(previous, event)
    return ParseResult(list(merged.values()), state.end_offset, skipped=skipped + state.oversized)
