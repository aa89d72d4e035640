"""Reading JSON Lines logs fast and safely: only the lines that can carry usage, only complete lines.

The file is read in large binary chunks; a line is handed on only when it holds ``needle`` (for example
``b'"usage"'``, which tolerates any JSON spacing), so the megabytes of tool output that make up most of a
transcript are never split or decoded. A last line without a newline may still be being written: it is
handed on (a whole record counts) but the offset stops before it, so it is read again next time. A line longer than ``MAX_LINE`` is skipped and
counted (memory stays bounded).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
