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


def _schema_2(path, ts: int) -> sqlite3.Connection:
    """A ledger at schema 2 holding one event at ``ts`` (an open connection to it)."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=2)
    conn.execute(
        "INSERT INTO events (source, event_key, ts, model, input_tokens, output_tokens, cache_write_tokens,"
        " cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd) VALUES"
        f" ('claude_code', 'msg_1', {ts}, 'm', 1, 2, 3, 0, 4, 0, 5)"
    )
    return conn


def test_schema_2_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    _schema_2(path, 1).close()
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
    conn = _schema_2(path, 1000)
    migrate(conn, target=7)
    # as schema 3 made it before it kept the spans (and with a sum that is off)
    columns = [c for c in rollups.TABLES["rollup_qh_model"].columns if c not in ("first_ts", "last_ts")]
    conn.execute(f"CREATE TABLE rollup_qh_model ({', '.join(columns)})")
    conn.execute(f"INSERT INTO rollup_qh_model VALUES ({', '.join('7' for _ in columns)})")
    conn.close()
    ledger = Ledger.open(path)
    assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert ledger.conn.execute("SELECT requests, first_ts, last_ts FROM rollup_qh_model").fetchall() == [
        (1, 1000, 1000)
    ]
    assert ledger.rollup_differences() == []


def test_schema_3_with_kept_zones_gets_hosts_and_exact_rollups(tmp_path):
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=3)
    conn.execute(
        "INSERT INTO dims (id, kind, value) VALUES (1, 'source', 'codex'), (2, 'model', 'gpt-5'), (3, 'project', '/a')"
    )
    conn.executemany(
        "INSERT INTO entries (source_id, event_key, ts, model_id, project_id, input_tokens, output_tokens,"
        " cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd)"
        " VALUES (1, ?, ?, 2, 3, 1, 2, 0, 0, 0, 0, 7)",
        [(f"k{i}", 1_760_000_000_000 + i * 3_600_000) for i in range(50)],
    )
    conn.execute(
        "INSERT INTO rollup_zones (name, added_ms) VALUES ('Europe/Berlin', 0)"
    )  # its days were kept
    conn.close()
    ledger = Ledger.open(path, host="laptop", user="ana")
    assert ledger.conn.execute("SELECT DISTINCT host_id, user_id FROM entries").fetchall() == [(-1, -2)]
    assert ledger.names([-1, -2])[-1] == "laptop" and ledger.names([-2])[-2] == "ana"
    assert ledger.conn.execute("SELECT SUM(requests) FROM rollup_day").fetchone() == (50,)
    assert ledger.rollup_differences() == []
    with ledger.transaction():
        ledger.conn.execute("SELECT 1")
    assert ledger.conn.execute("SELECT MIN(id) FROM dims WHERE id > 0").fetchone() == (1,)


def test_the_dialect_translates_a_migration_for_postgresql():
    from tokledger.ledger.dialect import POSTGRES, SQLITE

    sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, offset INTEGER NOT NULL, b BLOB, PRIMARY KEY (id)) WITHOUT ROWID"
    assert POSTGRES.ddl(sql) == (
        'CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "offset" BIGINT NOT NULL, b BYTEA,'
        " PRIMARY KEY (id))"
    )
    assert POSTGRES.ddl(
        "INSERT OR IGNORE INTO dims (kind, value) SELECT 'a', b FROM c WHERE b IS NOT NULL"
    ) == ("INSERT INTO dims (kind, value) SELECT 'a', b FROM c WHERE b IS NOT NULL ON CONFLICT DO NOTHING")
    assert SQLITE.ddl(sql) == sql


def test_a_schema_7_ledger_gains_hosts_and_keeps_what_later_releases_added(tmp_path):
    """``v7.db``: a ledger a schema-7 release left, with skip reasons, a claimed alert, plan limits and a
    billed record; after the upgrade its events are this host's, and nothing else is lost."""
    import shutil
    from pathlib import Path

    path = tmp_path / "v7.db"
    shutil.copyfile(Path(__file__).parent.parent / "fixtures" / "ledgers" / "v7.db", path)
    before = sqlite3.connect(path)
    events, files = before.execute("SELECT COUNT(*), COUNT(DISTINCT file_id) FROM entries").fetchone()
    assert before.execute("PRAGMA user_version").fetchone()[0] == 7
    before.close()
    ledger = Ledger.open(path, host="ana-laptop", user="ana")
    conn = ledger.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT file_id) FROM entries").fetchone() == (events, files)
    assert conn.execute("SELECT DISTINCT host, user FROM events").fetchall() == [("ana-laptop", "ana")]
    assert ledger.file_state(ledger.file_states()[next(iter(ledger.file_states()))].path) is not None
    reasons = {s.path: s.reasons for s in ledger.file_states().values() if s.reasons}
    assert list(reasons.values()) == [{"not json": 1}]
    assert conn.execute("SELECT key FROM alerts").fetchall() == [("daily:2025-03-01:warn",)]
    assert conn.execute("SELECT kind, used_percent FROM rate_limits").fetchall() == [("five_hour", 42.5)]
    assert conn.execute("SELECT event_key, cost_pusd FROM billed").fetchall() == [
        ("cost:2025-03-01", 1_500_000_000_000)
    ]
    assert len(ledger.billed_sources()) == 5
    assert ledger.rollup_differences() == []
