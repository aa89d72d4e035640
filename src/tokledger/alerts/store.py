"""An :class:`~tokledger.alerts.AlertStore` on a SQLite file: the claim the ledger makes, on its own.

``claim(key)`` runs ``INSERT INTO alert_claims ... ON CONFLICT (key) DO NOTHING`` inside ``BEGIN
IMMEDIATE``: the write lock serialises claimants across processes (WAL, busy timeout), and only the
transaction that inserted the row sees one changed row. The ledger offers the same method over a table
of its own; this class serves tests and any face that keeps alert state beside the ledger.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_S = 60.0
SCHEMA = "CREATE TABLE IF NOT EXISTS alert_claims (key TEXT PRIMARY KEY, claimed_ms INTEGER NOT NULL)"


class SqliteClaimStore:
    def __init__(self, path: Path):
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(SCHEMA)
            self._conn = conn
        return self._conn

    def claim(self, key: str) -> bool:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(
                "INSERT INTO alert_claims (key, claimed_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, int(time.time() * 1000)),
            )
            won = cursor.rowcount == 1
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return won

    def claimed(self) -> list[str]:
        return [row[0] for row in self._connection().execute("SELECT key FROM alert_claims ORDER BY key")]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
