"""Crush project databases: cost only, root sessions only (children are rolled into parents)."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

from tests.conftest import install_sql_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import crush

ROOT = "0b6e1d2a-0000-4000-8000-000000000001"


def register(index_dir, projects):
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / "projects.json").write_text(json.dumps({"projects": projects}))


def test_root_session_cost_is_logged_without_tokens(home):
    db = install_sql_fixture(home, "crush", "sessions.sql", "code/app/.crush/crush.db")
    register(home / ".local/share/crush", [{"path": str(home / "code/app"), "data_dir": str(home / "code/app/.crush"),
                                            "last_accessed": "2025-10-02T15:00:00Z"}])  # fmt: skip
    assert crush.discover(Env(home=home)).files == [db]
    result = crush.parse(db)
    assert result.events == [
        UsageEvent(source="crush", key=ROOT, timestamp=datetime(2025, 10, 2, 14, 0, tzinfo=UTC),
                   model="claude-sonnet-4-5-20250929", session_id=ROOT, project=str(home / "code/app"),
                   provider="anthropic", logged_cost_usd=Decimal("0.4215")),
    ]  # fmt: skip
    assert result.skipped == 0


def test_cost_reaches_the_ledger_and_a_rise_replaces_it(ledger, home):
    db = install_sql_fixture(home, "crush", "sessions.sql", "app/.crush/crush.db")
    register(home / "data", [{"path": str(home / "app"), "data_dir": ".crush"}])  # relative data_dir
    env = Env(home=home, environ={"CRUSH_GLOBAL_DATA": str(home / "data")})
    sync_all(ledger, env)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET cost = 0.5 WHERE id = ?", (ROOT,))
    conn.commit()
    conn.close()
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 10**9))
    sync_all(ledger, env)
    query = "SELECT event_key, input_tokens, output_tokens, logged_cost_pusd FROM events"
    rows = ledger.conn.execute(query).fetchall()
    assert rows == [(ROOT, 0, 0, 500_000_000_000)]


def test_unreadable_project_list_is_a_notice(home):
    register(home / ".local/share/crush", [])
    (home / ".local/share/crush/projects.json").write_text("{not json")
    found = crush.discover(Env(home=home))
    assert found.files == [] and len(found.notices) == 1 and "projects.json" in found.notices[0]
