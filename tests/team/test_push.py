"""push: exact, idempotent, resumable, with a watermark; merges like a sync; a renamed host stays one history."""

from __future__ import annotations

import pytest

from tests.team.helpers import grow, held, laptop, record, rows, team_config
from tokledger.errors import ConfigError, LedgerError
from tokledger.ledger import Ledger
from tokledger.workspace import Workspace


def test_a_push_sends_everything_once_and_a_second_push_nothing(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a")
    record(ws.ledger, rows(1, 250))
    first = ws.push(pg_url, batch=40)
    assert (first.sent, first.added, first.updated) == (250, 250, 0) and first.batches == 7
    again = ws.push(pg_url)
    assert again.sent == 0
    team = Ledger.open(pg_url)
    assert held(team, "laptop-a") == held(ws.ledger)
    assert team.rollup_differences() == []
    ws.close()


def test_a_week_offline_catches_up_exactly_and_changed_events_follow(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a")
    record(ws.ledger, rows(1, 100))
    ws.push(pg_url)
    record(ws.ledger, rows(2, 300, first=100))  # a week of work without the network
    grow(ws.ledger, [f"k{i}" for i in range(0, 100, 3)], "claude_code")  # old requests read again, longer
    grow(ws.ledger, [f"k{i}" for i in range(0, 100, 3)], "codex")
    report = ws.push(pg_url, batch=64)
    assert report.added == 300 and report.updated > 0
    team = Ledger.open(pg_url)
    assert held(team, "laptop-a") == held(ws.ledger)
    assert team.rollup_differences() == []
    assert ws.push(pg_url).sent == 0
    ws.close()


def test_a_repriced_ledger_pushes_its_new_costs(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a")
    record(ws.ledger, rows(1, 60))
    ws.push(pg_url)
    with ws.ledger.transaction():
        ws.ledger.update_costs([(i, row, 5, "repriced") for i, row in ws.ledger.all_events() if i % 2])
    assert ws.push(pg_url).updated == 30
    team = Ledger.open(pg_url)
    assert held(team, "laptop-a") == held(ws.ledger)
    assert team.rollup_differences() == []


def test_the_team_copy_keeps_the_more_complete_record(tmp_path, pg_url):
    first = laptop(tmp_path, "laptop-a")
    record(first.ledger, rows(1, 20))
    grow(first.ledger, [f"k{i}" for i in range(20)], "claude_code", extra=500)
    grow(first.ledger, [f"k{i}" for i in range(20)], "codex", extra=500)
    first.push(pg_url)
    complete = held(Ledger.open(pg_url), "laptop-a")
    # The same laptop's ledger made again from logs that lost their last lines: shorter copies of the same
    # requests. They merge into the team's copies, which keep the larger counts.
    (tmp_path / "again").mkdir()
    again = laptop(tmp_path / "again", "laptop-a")
    record(again.ledger, rows(1, 20))
    report = again.push(pg_url)
    assert report.sent == 20 and report.added == 0 and report.updated == 0
    team = Ledger.open(pg_url)
    assert held(team, "laptop-a") == complete
    assert team.rollup_differences() == []


def test_renaming_the_host_keeps_one_history(tmp_path, pg_url):
    ws = laptop(tmp_path, "old-name")
    record(ws.ledger, rows(1, 30))
    ws.push(pg_url)
    ws.close()
    renamed = Workspace(ws.env, db_path=ws.db_path, config=team_config("new-name", "ana"))
    assert renamed.hosts() == ["new-name"]  # the personal ledger follows the configuration at once
    assert renamed.report("model", renamed.query({}), parts="host").rows[0].by.keys() == {"new-name"}
    with pytest.raises(LedgerError, match="as host 'old-name', but \\[team\\] host is now 'new-name'"):
        renamed.push(pg_url)
    team = Ledger.open(pg_url)
    team.conn.execute("UPDATE dims SET value = 'new-name' WHERE kind = 'host' AND value = 'old-name'")
    record(renamed.ledger, rows(2, 10, first=30))
    assert renamed.push(pg_url).added == 10
    assert held(team, "new-name") == held(renamed.ledger) and held(team, "old-name") == (0, 0, 0)
    renamed.close()


def test_push_needs_a_team_ledger(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a")
    with pytest.raises(ConfigError, match="no team ledger to push to"):
        ws.push()
    with pytest.raises(ConfigError, match="a postgresql:// URL"):
        ws.push(str(tmp_path / "other.db"))
    team = laptop(tmp_path, "laptop-b")
    team._db = pg_url
    with pytest.raises(LedgerError, match="already one"):
        team.push(pg_url)
    configured = laptop(tmp_path, "laptop-c", ledger=pg_url)
    record(configured.ledger, rows(3, 5))
    assert configured.push().added == 5


def test_the_push_command(tmp_path, pg_url, run_cli):
    out = run_cli("push", "--no-sync", "--to", pg_url)
    assert "up to date" in out.output
    bad = run_cli("push", "--no-sync", "--to", "postgresql://nobody:hunter2@127.0.0.1:1/x", expect=1)
    assert "hunter2" not in bad.output and "a password in the URL is refused" in bad.output
    down = run_cli("push", "--no-sync", "--to", "postgresql://nobody@127.0.0.1:1/x", expect=1)
    assert down.output.startswith("Error: cannot open the team ledger postgresql://nobody@127.0.0.1:1/x")
