"""Finding log files: walk roots recursively, follow symlinked directories once, read each file once.

Roots are resolved to real paths and every file is identified by (device, inode), so the same history
reached through two roots (``~/.config/claude`` linked to ``~/.claude``, a repeated ``CLAUDE_CONFIG_DIR``
entry) is listed once. Only directory entries are examined — no per-file ``realpath`` — so listing
thousands of transcripts costs a few milliseconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


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
