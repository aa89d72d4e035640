"""One daemon per ledger: an exclusive, non-blocking ``flock`` on a lock file beside the ledger.

The lock file is ``<ledger file name>.daemon.lock`` in the ledger's directory (a team ledger's is in the
temporary directory) and holds the owner's process
id (for the message a second instance prints). The kernel drops a ``flock`` when its process ends, however
it ends, so a crashed daemon never leaves a stale lock behind; the file itself is left in place (removing it
would race with a starting instance that already opened it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from tokledger.errors import TokledgerError


class AlreadyRunning(TokledgerError):
    """Another daemon holds this ledger's lock."""


def lock_path_for(ledger_path: Path | str) -> Path:
    """Beside the ledger file; for a team ledger (a URL), one lock per URL and user in the temporary
    directory (the digest names it, not the URL)."""
    if not isinstance(ledger_path, Path):
        import hashlib
        import tempfile

        digest = hashlib.sha256(str(ledger_path).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"tokledger-{os.getuid()}-{digest}.daemon.lock"
    return ledger_path.with_name(ledger_path.name + ".daemon.lock")


@contextlib.contextmanager
def single_instance(path: Path) -> Iterator[None]:
    """Hold the lock at ``path`` for the duration of the block, or raise :class:`AlreadyRunning`."""
    import fcntl  # POSIX only: imported here so that importing the daemon package works everywhere

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (pid {owner})" if owner.isdigit() else ""
            raise AlreadyRunning(
                f"a tokledger daemon is already running for this ledger{who}; lock file {path}"
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
