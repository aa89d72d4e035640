"""Schema migrations: from an empty file, from the previous schema with data in it, and a newer ledger."""

from __future__ import annotations

import sqlite3

import pytest

from tokledger.errors import LedgerError
from tokledger.ledger import Ledger, rollups
from tokledger.ledger.migrations import MIGRATIONS, SCHEMA_VERSION, migrate


def tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_empty_file_gets_the_whole_schema(tmp_path):
    ledger = Ledger.open(tmp_path / "new.db")
    assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert {"entries", "dims", "files", "source_status", "state", *rollups.TABLES} <= tables(ledger.conn)
    assert ledger.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_2_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=2)
    conn.execute(
        "INSERT INTO events (source, event_key, ts, model, input_tokens, output_tokens, cache_write_tokens,"
        " cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd) VALUES"
        " ('claude_code', 'msg_1', 1, 'm', 1, 2, 3, 0, 4, 0, 5)"
    )
    conn.close()
    ledger = Ledger.open(path)
    assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert ledger.conn.execute("SELECT event_key, cost_pusd FROM events").fetchall() == [("msg_1", 5)]
    assert "source_status" in tables(ledger.conn)
    assert ledger.conn.execute("SELECT requests, calc_lo FROM rollup_total").fetchall() == [(1, 5)]
    assert ledger.rollup_differences() == []


def test_reopening_is_a_no_op(tmp_path):
    Ledger.open(tmp_path / "a.db").close()
    ledger = Ledger.open(tmp_path / "a.db")
    assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_ledger_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(LedgerError, match="newer than this tokledger"):
        Ledger.open(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="cannot open the ledger"):
        Ledger.open(path)


def test_a_ledger_without_quarter_hour_model_spans_gets_them(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=2)
    conn.execute(
        "INSERT INTO events (source, event_key, ts, model, input_tokens, output_tokens, cache_write_tokens,"
        " cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd) VALUES"
        " ('claude_code', 'msg_1', 1000, 'm', 1, 2, 3, 0, 4, 0, 5)"
    )
    migrate(conn, target=7)
    conn.execute("DROP TABLE rollup_qh_model")  # as schema 3 made it before it kept the spans
    columns = [c for c in rollups.TABLES["rollup_qh_model"].columns if c not in ("first_ts", "last_ts")]
    conn.execute(f"CREATE TABLE rollup_qh_model ({', '.join(columns)})")
    conn.execute("INSERT INTO rollup_qh_model SELECT " + ", ".join(columns) + " FROM rollup_qh")
    conn.close()
    ledger = Ledger.open(path)
    assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    assert ledger.conn.execute("SELECT requests, first_ts, last_ts FROM rollup_qh_model").fetchall() == [
        (1, 1000, 1000)
    ]
    assert ledger.rollup_differences() == []
