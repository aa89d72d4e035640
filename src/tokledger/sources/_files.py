"""Finding log files: walk roots recursively, follow symlinked directories once, read each file once.

Roots are resolved to real paths and every file is identified by (device, inode), so the same history
reached through two roots (``~/.config/claude`` linked to ``~/.claude``, a repeated ``CLAUDE_CONFIG_DIR``
entry) is listed once. Only directory entries are examined — no per-file ``realpath`` — so listing
thousands of transcripts costs a few milliseconds.

Only regular files are ever opened: a FIFO, socket or device where a log or an index file is expected
would block a read forever, so :func:`open_regular` opens without blocking and checks what it opened
(:class:`NotRegular`, an :class:`OSError` that becomes a one-line notice). :func:`read_document` reads a
whole JSON document that way, without the byte-order mark some editors put in front.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"


class NotRegular(OSError):
    """The path names a FIFO, socket, device or directory, not a file."""


def open_regular(path: Path | str) -> BinaryIO:
    """``path`` opened for binary reading — only if it is a regular file (never blocks on a FIFO)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(f"not a regular file ({_kind(mode)})")
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return name
    return "not a file"


def check_regular(path: Path | str) -> os.stat_result:
    """``os.stat(path)``, or :class:`NotRegular` when it is not a regular file."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegular(f"not a regular file ({_kind(st.st_mode)})")
    return st


def read_regular(path: Path | str) -> bytes:
    """The bytes of a regular file (see :func:`open_regular`)."""
    with open_regular(path) as f:
        return f.read()


def strip_bom(data: bytes) -> bytes:
    """A document without the byte-order mark some editors put in front of it."""
    return data.removeprefix(BOM)


def read_document(path: Path | str) -> bytes:
    """A whole JSON document, without a leading byte-order mark."""
    return strip_bom(read_regular(path))


def read_text(path: Path | str) -> str | None:
    """A small text file (an index, a marker, a config) as text; None when it is missing, not a regular
    file, or not UTF-8."""
    try:
        return read_document(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def find_files(roots: Iterable[Path], suffix: str, notices: list[str] | None = None) -> list[Path]:
    """Every file ending in ``suffix`` below the roots, each physical file once, sorted within each root.

    A directory that cannot be listed adds a one-line notice to ``notices`` (when given) and is passed over.
    """
    return [Path(p) for p in find_paths(roots, suffix, notices)]


def find_paths(roots: Iterable[Path], suffix: str, notices: list[str] | None = None) -> list[str]:
    """:func:`find_files` as plain strings: a source whose files need no path arithmetic saves building
    thousands of ``Path`` objects on every sync."""
    seen_files: set[tuple[int, int]] = set()
    seen_dirs: set[tuple[int, int]] = set()
    found: list[str] = []
    for root in roots:
        real = os.path.realpath(root)
        batch: list[str] = []
        _walk(real, suffix, batch, seen_files, seen_dirs, notices)
        found.extend(sorted(batch))
    return found


def _walk(
    top: str, suffix: str, out: list[str], seen_files: set, seen_dirs: set, notices: list | None
) -> None:
    try:
        st = os.stat(top)
    except OSError:
        return
    device = st.st_dev
    if (device, st.st_ino) in seen_dirs:
        return
    seen_dirs.add((device, st.st_ino))
    try:
        entries = list(os.scandir(top))
    except OSError as exc:
        if notices is not None:
            notices.append(f"cannot list {top}: {exc.strerror or exc}")
        return
    for entry in entries:
        try:
            if entry.is_dir():
                _walk(entry.path, suffix, out, seen_files, seen_dirs, notices)
            elif entry.name.endswith(suffix) and entry.is_file():
                if entry.is_symlink():
                    s = entry.stat()
                    key = (s.st_dev, s.st_ino)
                else:  # the inode comes with the directory listing: no system call per file
                    key = (device, entry.inode())
                if key not in seen_files:
                    seen_files.add(key)
                    out.append(entry.path)
        except OSError:
            continue
