"""OpenCode: JSON storage, the SQLite database (both schemas), both at once; exact events expected."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, install_fixture, install_sql_fixture, json_out, sync_all
from tokledger.env import Env
from tokledger.sources import SOURCES, _sqlite, opencode

OC = FIXTURES / "opencode"
DATA = ".local/share/opencode"


def install(home: Path, case: str) -> None:
    """A fixture directory as OpenCode's data directory; each ``<name>.sql`` in it becomes ``<name>.db``."""
    install_fixture(home, "opencode", case, DATA)
    for script in sorted((OC / case).glob("*.sql")):
        install_sql_fixture(home, "opencode", f"{case}/{script.name}", f"{DATA}/{script.stem}.db")


def ledger_rows(ledger):
    return ledger.conn.execute(
        "SELECT event_key, session_id, project, ts, model, provider, input_tokens, cache_read_tokens,"
        " cache_write_tokens, output_tokens, reasoning_tokens, logged_cost_pusd FROM events"
        " WHERE source = 'opencode' ORDER BY ts"
    ).fetchall()


def usd(value: str) -> int:
    return int(Decimal(value) * 10**12)


JSON_ROWS = [
    ("msg_9f3e2a1b0c", "ses_4c1a7d2e9f", "/home/dev/acme-api", 1759413600000, "claude-sonnet-4-5", "anthropic",
     1200, 30000, 800, 410, 0, usd("0.01873")),
    # no path on the message: the session's directory; cost 0 is no logged cost; reasoning beside output
    ("msg_9f3e2a1d11", "ses_4c1a7d2e9f", "/home/dev/acme-api", 1759413700000, "gemini-2.5-pro", "google",
     5000, 0, 0, 450, 150, None),
]  # fmt: skip


def test_json_storage(ledger, home):
    install(home, "json_storage")
    report = sync_all(ledger, Env(home=home))
    # the user message and the step-finish part add nothing
    assert report.sources["opencode"].files == 3
    assert ledger_rows(ledger) == JSON_ROWS


def test_database_both_schemas_session_directory_and_aborted_message(ledger, home):
    install(home, "database")
    sync_all(ledger, Env(home=home))
    assert ledger_rows(ledger) == [
        # path absent: the session's directory; the step-finish part and the v2 copy of this session add nothing
        ("msg_db_a1", "ses_db1", "/home/dev/acme-web", 1759700010000, "claude-sonnet-4-5", "anthropic",
         800, 20000, 1000, 300, 0, usd("0.0123")),
        # total = input + output + cache: reasoning is already inside output
        ("msg_db_a2", "ses_db1", "/home/dev/acme-web/sub", 1759700020000, "gpt-5", "openai",
         3000, 9000, 0, 500, 200, usd("0.012")),
        # session_message (newer schema) for a session without message rows; model nested, router prefix kept
        ("sm_0002", "ses_v2only", "/home/dev/acme-cli", 1759700110000, "openrouter/anthropic/claude-sonnet-4.5",
         "openrouter", 400, 10000, 0, 100, 0, usd("0.0051")),
    ]  # fmt: skip
    prices = dict(ledger.conn.execute("SELECT event_key, cost_pusd FROM events"))
    # priced as claude-sonnet-4-5: 400 × $3 + 10,000 × $0.30 + 100 × $15 per Mtok
    assert prices["sm_0002"] == usd("0.0057")


def test_message_in_json_storage_and_databases_counts_once(ledger, home):
    install(home, "both_stores")
    report = sync_all(ledger, Env(home=home))
    assert report.sources["opencode"].files == 3  # opencode.db, opencode-beta.db, one message file
    assert [(r[0], r[6], r[9], r[11]) for r in ledger_rows(ledger)] == [
        ("msg_both1", 100, 50, usd("0.00345")),
        ("msg_both2", 200, 80, None),
    ]


def test_aborted_message_with_zero_tokens_adds_nothing():
    result = opencode.parse(OC / "aborted_zero/storage/message/ses_abort/msg_abort01.json")
    assert result.events == [] and result.skipped == 0


@pytest.mark.parametrize(
    ("name", "output", "reasoning"),
    [
        ("msg_r_separate", 140, 40),  # total counts reasoning beside output
        ("msg_r_inside", 100, 40),  # total without reasoning: already inside output
        ("msg_r_no_total", 140, 40),  # no total: taken as separate
    ],
)
def test_reasoning_inside_or_beside_output_decided_by_total(name, output, reasoning):
    [event] = opencode.parse(OC / f"reasoning_semantics/storage/message/ses_reason/{name}.json").events
    assert (event.key, event.input_tokens) == (name, 1000)
    assert (event.output_tokens, event.reasoning_tokens) == (output, reasoning)


def test_malformed_message_file_is_skipped_and_counted(tmp_path):
    path = tmp_path / "msg_bad.json"
    path.write_text('{"id": "msg_bad", "role": "assistant", "tokens": {"input": "many"}}')
    result = opencode.parse(path)
    assert result.events == [] and result.skipped == 1


def test_logged_cost_modes_through_the_cli(run_cli, home):
    install(home, "json_storage")

    def cost(mode: str) -> dict:
        totals = json_out(run_cli("daily", "--json", "--source", "opencode", "--mode", mode))["totals"]
        return {k: totals[k] for k in ("cost_usd", "cost_usd_priced", "unpriced_requests", "requests")}

    # calculated: claude-sonnet-4-5 0.02175 + gemini-2.5-pro 0.01075
    assert cost("calculate") == {
        "cost_usd": 0.0325,
        "cost_usd_priced": 0.0325,
        "unpriced_requests": 0,
        "requests": 2,
    }
    # auto: the logged 0.01873 where there is one, else calculated
    assert cost("auto") == {
        "cost_usd": 0.02948,
        "cost_usd_priced": 0.02948,
        "unpriced_requests": 0,
        "requests": 2,
    }
    # logged only: the gemini message logged no cost, so it is unpriced
    assert cost("logged") == {
        "cost_usd": None,
        "cost_usd_priced": 0.01873,
        "unpriced_requests": 1,
        "requests": 2,
    }


def test_opencode_data_dir_list_and_xdg_data_home(ledger, tmp_path):
    home = tmp_path / "h"
    install_fixture(home, "opencode", "json_storage", "one")
    install_fixture(home, "opencode", "json_storage", "xdg/opencode")
    env = Env(home=home, environ={"OPENCODE_DATA_DIR": f"{home}/one,~/missing"})
    found = opencode.discover(env)
    assert len(found.files) == 3
    assert found.notices == [f"OPENCODE_DATA_DIR entry {home}/missing is not a directory"]
    xdg = Env(home=home, environ={"XDG_DATA_HOME": str(home / "xdg")})
    assert len(opencode.discover(xdg).files) == 3
    sync_all(ledger, env)
    sync_all(ledger, xdg)
    assert [r[0] for r in ledger_rows(ledger)] == ["msg_9f3e2a1b0c", "msg_9f3e2a1d11"]


def test_locked_database_is_a_notice_and_read_next_time(ledger, home, monkeypatch):
    monkeypatch.setattr(_sqlite, "BUSY_TIMEOUT_S", 0.05)
    db = install_sql_fixture(home, "opencode", "both_stores/opencode.sql", f"{DATA}/opencode.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    report = sync_all(ledger, Env(home=home))
    [notice] = report.sources["opencode"].notices
    assert notice.startswith(f"{db}: cannot read: database is busy") and "\n" not in notice
    assert ledger_rows(ledger) == []
    holder.execute("ROLLBACK")
    holder.close()
    sync_all(ledger, Env(home=home))
    assert [r[0] for r in ledger_rows(ledger)] == ["msg_both1", "msg_both2"]


def test_writes_still_in_the_wal_file_are_read(ledger, home):
    script = (OC / "both_stores/opencode.sql").read_text()
    db = home / DATA / "opencode.db"
    db.parent.mkdir(parents=True)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.executescript(script)
    sync_all(ledger, Env(home=home))
    assert [r[0] for r in ledger_rows(ledger)] == ["msg_both1", "msg_both2"]
    main = db.stat()
    data = {"role": "assistant", "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
            "time": {"created": 1759800120000}, "cost": 0.001, "tokens": {"input": 10, "output": 5}}  # fmt: skip
    writer.execute(
        "INSERT INTO message VALUES ('msg_both3', 'ses_both', 1759800120000, 1, ?)", (json.dumps(data),)
    )
    assert (db.stat().st_size, db.stat().st_mtime_ns) == (main.st_size, main.st_mtime_ns)
    report = sync_all(ledger, Env(home=home))
    assert [Path(f.path).name for f in report.files if f.action == "reread"] == ["opencode.db"]
    assert [r[0] for r in ledger_rows(ledger)] == ["msg_both1", "msg_both2", "msg_both3"]
    writer.close()


def test_registered_and_listed(run_cli):
    assert "opencode" in SOURCES and not SOURCES["opencode"].append_only
    listed = [s["source"] for s in json_out(run_cli("sources", "--json"))]
    assert {"codex", "gemini", "opencode"} <= set(listed)
