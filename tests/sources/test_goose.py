"""Goose's sessions.db: cumulative per-session counters, moving schemas, WAL and locks."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

from tests.conftest import install_sql_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import _sqlite, goose

DB = ".local/share/goose/sessions/sessions.db"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_accumulated_totals_count_not_the_last_call_and_cost_is_logged(home):
    db = install_sql_fixture(home, "goose", "cumulative_v13.sql", DB)
    result = goose.parse(db)
    assert sorted(result.events, key=lambda e: e.key) == [
        UsageEvent(source="goose", key="20251002_1", timestamp=at("2025-10-02 14:00:00"),
                   model="claude-sonnet-4-5-20250929", input_tokens=50000, output_tokens=2400,
                   session_id="20251002_1", project="/home/dev/acme-api", provider="anthropic",
                   logged_cost_usd=Decimal("0.186")),
        # A sub-agent session stays its own event; a session without usage gives none.
        UsageEvent(source="goose", key="20251002_2", timestamp=at("2025-10-02 14:10:00"), model="gpt-4.1",
                   input_tokens=3000, output_tokens=300, session_id="20251002_2", project="/home/dev/acme-api",
                   provider="openai"),
    ]  # fmt: skip
    assert (result.skipped, result.end_offset) == (0, db.stat().st_size)


def test_early_schema_without_model_provider_or_cost(home):
    db = install_sql_fixture(home, "goose", "schema_v5.sql", DB)
    [event] = goose.parse(db).events
    assert (event.key, event.model, event.provider, event.logged_cost_usd) == ("20250801_1", "unknown", None, None)  # fmt: skip
    assert (event.input_tokens, event.output_tokens, event.timestamp) == (6500, 500, at("2025-08-01 08:00:00"))  # fmt: skip


def test_row_without_running_totals_falls_back_to_last_call_and_bad_rows_count(home):
    db = install_sql_fixture(home, "goose", "no_accumulated.sql", DB)
    result = goose.parse(db)
    [event] = result.events
    assert (event.key, event.input_tokens, event.output_tokens) == ("20250901_1", 800, 40)
    assert event.model == "unknown"  # model_config_json that is not JSON
    assert event.timestamp == at("2025-09-01 10:00:00")
    assert result.skipped == 1  # no created_at: the session cannot be dated


def test_grown_session_replaces_its_total_instead_of_adding(ledger, env, home):
    db = install_sql_fixture(home, "goose", "cumulative_v13.sql", DB)
    sync_all(ledger, env)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET accumulated_input_tokens = 61000, accumulated_output_tokens = 2900, "
                 "accumulated_cost = 0.25, updated_at = '2025-10-03 08:00:00' WHERE id = '20251002_1'")  # fmt: skip
    conn.commit()
    conn.close()
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 10**9))
    report = sync_all(ledger, env)
    assert [f.action for f in report.files] == ["reread"]
    rows = ledger.conn.execute(
        "SELECT event_key, ts, input_tokens, output_tokens, logged_cost_pusd FROM events ORDER BY event_key"
    ).fetchall()
    assert rows == [
        ("20251002_1", 1759413600000, 61000, 2900, 250_000_000_000),
        ("20251002_2", 1759414200000, 3000, 300, None),
    ]


def test_rows_still_in_the_wal_file_are_read(home):
    db = home / DB
    db.parent.mkdir(parents=True)
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, working_dir TEXT, created_at TIMESTAMP, "
                   "accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER)")  # fmt: skip
    writer.execute("INSERT INTO sessions VALUES ('20251101_1', '/w', '2025-11-01 09:00:00', 10, 2)")
    writer.commit()
    try:
        assert db.with_name("sessions.db-wal").stat().st_size > 0
        [event] = goose.parse(db).events
        assert (event.key, event.input_tokens, event.output_tokens) == ("20251101_1", 10, 2)
    finally:
        writer.close()


def test_locked_database_is_a_one_line_notice_and_read_next_time(ledger, env, home, monkeypatch):
    monkeypatch.setattr(_sqlite, "BUSY_TIMEOUT_S", 0.05)
    db = install_sql_fixture(home, "goose", "cumulative_v13.sql", DB)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        report = sync_all(ledger, env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    [notice] = report.sources["goose"].notices
    assert "database is busy" in notice and "\n" not in notice and "Traceback" not in notice
    assert ledger.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*) FROM events WHERE source = 'goose'").fetchone() == (2,)


def test_not_a_database_is_a_notice(ledger, env, home):
    (home / DB).parent.mkdir(parents=True)
    (home / DB).write_bytes(b"this is not sqlite at all" * 100)
    [notice] = sync_all(ledger, env).sources["goose"].notices
    assert "not a readable SQLite database" in notice


def test_goose_path_root_must_be_absolute(home, tmp_path):
    root = tmp_path / "goose-root"
    install_sql_fixture(root, "goose", "schema_v5.sql", "data/sessions/sessions.db")
    found = goose.discover(Env(home=home, environ={"GOOSE_PATH_ROOT": str(root)}))
    assert found.files == [root / "data/sessions/sessions.db"]
    relative = goose.discover(Env(home=home, environ={"GOOSE_PATH_ROOT": "relative/root"}))
    assert home / ".local/share/goose/sessions" in relative.roots and relative.files == []
