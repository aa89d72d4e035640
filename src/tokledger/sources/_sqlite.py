"""Reading another program's SQLite database without disturbing it.

The database is opened through a ``file:…?mode=ro`` URI, so SQLite itself reads the ``-wal`` file of a
database in WAL mode (copying the main file alone would miss the newest writes) and nothing is ever
created or written. A database that stays locked past a short busy timeout, or a file that is not a
database, becomes an :class:`OSError` with a one-line message: the sync records it as a notice for that
file and reads it again next time, instead of printing a traceback. Schemas of other programs move, so
callers ask :func:`columns` which columns exist and select only those. Only a regular file is opened (a
FIFO would block forever), and text that is not valid UTF-8 is read with replacement characters rather
than failing the whole query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tokledger.sources._files import check_regular

BUSY_TIMEOUT_S = 2.0


def _unreadable(exc: sqlite3.Error) -> OSError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return OSError(f"database is busy ({text}); it is read again on the next sync")
    return OSError(f"not a readable SQLite database ({text})")


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``path``; SQLite errors leave as one-line :class:`OSError` s."""
    check_regular(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise _unreadable(exc) from None
    conn.text_factory = _text
    try:
        yield conn
    except sqlite3.Error as exc:
        raise _unreadable(exc) from None
    finally:
        conn.close()


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The column names of ``table`` (empty when the table does not exist)."""
    return {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
