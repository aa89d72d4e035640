"""File checkpoints, source status, small state and the price cache: the ledger's bookkeeping beside events."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class FileState:
    id: int
    source: str
    path: str
    size: int
    mtime_ns: int
    inode: int
    offset: int
    tail_hash: bytes | None
    events: int
    skipped: int
    reasons_json: str = "{}"

    @property
    def reasons(self) -> dict[str, int]:
        """Why records of the file were skipped: reason → count."""
        try:
            found = json.loads(self.reasons_json or "{}")
        except ValueError:
            found = {}
        return found if isinstance(found, dict) else {}


_FILE_COLUMNS = 'id, source, path, size, mtime_ns, inode, "offset", tail_hash, events, skipped, skip_reasons'


class Bookkeeping:
    """Methods of :class:`tokledger.ledger.Ledger` (which gives ``conn``, ``who``, ``_own_id`` and ``transaction``)."""

    def file_states(self, source: str | None = None) -> dict[str, FileState]:
        """This host's file checkpoints (of one source, or all), by path."""
        host = self._own_id("host")
        if host is None:
            return {}
        sql = f"SELECT {_FILE_COLUMNS} FROM files WHERE host_id = ?"
        rows = (
            self.conn.execute(sql + " AND source = ?", (host, source))
            if source
            else self.conn.execute(sql, (host,))
        )
        return {row[2]: FileState(*row) for row in rows}

    def file_state(self, path: str) -> FileState | None:
        """This host's checkpoint of one file (by the path it was read under), or None."""
        host = self._own_id("host")
        if host is None:
            return None
        row = self.conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE host_id = ? AND path = ?", (host, path)
        ).fetchone()
        return FileState(*row) if row else None

    def save_file(
        self, source: str, path: str, *, size: int, mtime_ns: int, inode: int, offset: int,
        tail_hash: bytes | None, events: int, skipped: int, synced_ms: int, reasons: dict[str, int] | None = None,
    ) -> int:  # fmt: skip
        """Insert or update a file checkpoint (``reasons``: why its ``skipped`` records were skipped);
        returns the file id. Call inside a transaction."""
        row = self.conn.execute(
            'INSERT INTO files (host_id, source, path, size, mtime_ns, inode, "offset", tail_hash, events, skipped,'
            " synced_ms, skip_reasons) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (host_id, path) DO UPDATE SET"
            " source = excluded.source, size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode,"
            ' "offset" = excluded."offset", tail_hash = excluded.tail_hash, events = excluded.events,'
            " skipped = excluded.skipped, synced_ms = excluded.synced_ms, skip_reasons = excluded.skip_reasons"
            " RETURNING id",
            (
                self.who()[0],
                source,
                path,
                size,
                mtime_ns,
                inode,
                offset,
                tail_hash,
                events,
                skipped,
                synced_ms,
                json.dumps(reasons or {}, sort_keys=True),
            ),
        ).fetchone()
        return row[0]

    def save_source_status(self, source: str, synced_ms: int, roots_json: str, notices_json: str) -> None:
        self.conn.execute(
            "INSERT INTO source_status (host_id, source, synced_ms, roots, notices) VALUES (?,?,?,?,?)"
            " ON CONFLICT (host_id, source) DO UPDATE SET synced_ms = excluded.synced_ms, roots = excluded.roots,"
            " notices = excluded.notices",
            (self.who()[0], source, synced_ms, roots_json, notices_json),
        )

    # -- small state ---------------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (its own transaction unless one is open)."""
        sql = "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        if self.conn.in_transaction:
            self.conn.execute(sql, (key, value))
        else:
            with self.transaction():
                self.conn.execute(sql, (key, value))

    def price_cache(self, fingerprint: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT key, schedule FROM price_cache WHERE fingerprint = ?", (fingerprint,)
        )
        return dict(rows.fetchall())

    def save_price_cache(self, fingerprint: str, schedules: dict[str, str]) -> None:
        """Store computed price schedules (call inside a transaction); other tables' entries are dropped."""
        self.conn.execute("DELETE FROM price_cache WHERE fingerprint != ?", (fingerprint,))
        self.conn.executemany(
            "INSERT INTO price_cache (fingerprint, key, schedule) VALUES (?, ?, ?) ON CONFLICT (fingerprint, key)"
            " DO UPDATE SET schedule = excluded.schedule",
            [(fingerprint, k, v) for k, v in schedules.items()],
        )

    def clear_price_cache(self) -> None:
        self.conn.execute("DELETE FROM price_cache")
