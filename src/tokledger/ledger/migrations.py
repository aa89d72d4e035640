"""Numbered schema migrations of the SQLite ledger, applied in order and recorded in ``user_version``.

A migration is never edited once released; a change to the schema is a new entry at the end.
Times are UTC milliseconds since the epoch; money is integer picodollars (1e-12 USD), so sums are exact.
"""

from __future__ import annotations

import sqlite3

from tokledger.errors import LedgerError

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_events_and_files",
        """
        CREATE TABLE files (
            id           INTEGER PRIMARY KEY,
            source       TEXT    NOT NULL,
            path         TEXT    NOT NULL UNIQUE,
            size         INTEGER NOT NULL,
            mtime_ns     INTEGER NOT NULL,
            inode        INTEGER NOT NULL,
            offset       INTEGER NOT NULL,   -- bytes read: the end of the last complete line
            tail_hash    BLOB,               -- digest of the bytes just before offset (detects rewrites)
            events       INTEGER NOT NULL DEFAULT 0,
            skipped      INTEGER NOT NULL DEFAULT 0,
            synced_ms    INTEGER NOT NULL
        );
        CREATE TABLE events (
            id                    INTEGER PRIMARY KEY,
            source                TEXT    NOT NULL,
            event_key             TEXT    NOT NULL,
            ts                    INTEGER NOT NULL,
            model                 TEXT    NOT NULL,
            provider              TEXT,
            session_id            TEXT,
            project               TEXT,
            git_branch            TEXT,
            request_id            TEXT,
            input_tokens          INTEGER NOT NULL,
            output_tokens         INTEGER NOT NULL,
            cache_write_tokens    INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens     INTEGER NOT NULL,
            reasoning_tokens      INTEGER NOT NULL,
            cost_pusd             INTEGER,   -- calculated at ingest; NULL when the model has no price
            price_basis           TEXT,      -- which price entry and rule produced cost_pusd
            logged_cost_pusd      INTEGER,   -- the cost the source itself recorded, if any
            is_primary            INTEGER NOT NULL DEFAULT 1,
            speed                 TEXT,
            file_id               INTEGER REFERENCES files(id),
            UNIQUE (source, event_key)
        );
        -- Covers the report queries (time range, grouping, sums) so they never read the wide rows.
        CREATE INDEX events_report ON events (ts, source, model, input_tokens, output_tokens,
            cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd,
            logged_cost_pusd);
        """,
    ),
    (
        "0002_source_status_and_price_cache",
        """
        CREATE TABLE source_status (
            source     TEXT PRIMARY KEY,
            synced_ms  INTEGER NOT NULL,
            roots      TEXT NOT NULL,       -- JSON list of the paths looked at
            notices    TEXT NOT NULL        -- JSON list of one-line notices from the last sync
        );
        CREATE TABLE price_cache (
            fingerprint TEXT NOT NULL,       -- which price table (and tokledger) computed it
            key         TEXT NOT NULL,       -- model, provider hint and speed
            schedule    TEXT NOT NULL,       -- JSON price periods, or null for an unpriced model
            PRIMARY KEY (fingerprint, key)
        );
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def _statements(sql: str) -> list[str]:
    """Split a script into statements (comments dropped first, so they may hold semicolons)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to ``target``; safe when several processes open a new ledger at once."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger has schema version {version}, newer than this tokledger knows ({SCHEMA_VERSION}); "
            "upgrade tokledger"
        )
    if version >= target:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, target):
            _name, sql = MIGRATIONS[number]
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target
