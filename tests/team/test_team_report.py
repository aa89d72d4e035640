"""The team report, host and user filters and breakdowns, and machines syncing straight into a team ledger."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import install_fixture
from tests.team.helpers import laptop, record, rows
from tokledger.cli import cli
from tokledger.errors import ConfigError
from tokledger.ledger import Ledger
from tokledger.ledger.migrations import SCHEMA_VERSION


def _team(tmp_path, pg_url) -> None:
    for n, (host, user) in enumerate((("ana-laptop", "ana"), ("ana-desk", "ana"), ("bo-pc", "bo"))):
        ws = laptop(tmp_path, host, user=user)
        record(ws.ledger, rows(n, 100 + 50 * n))
        ws.push(pg_url)
        ws.close()


def _cli(tmp_path, *args: str) -> dict:
    env = {
        "HOME": str(tmp_path),
        "TZ": "UTC",
        "TOKLEDGER_CONFIG": str(tmp_path / "none.toml"),
        "XDG_DATA_HOME": "",
    }
    result = CliRunner().invoke(cli, [*args, "--json", "--no-sync"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_team_report_per_user_and_host(tmp_path, pg_url):
    _team(tmp_path, pg_url)
    doc = _cli(tmp_path, "--db", pg_url, "team", "-z", "UTC")
    by = {r["period"]: r for r in doc["rows"]}
    assert set(by) == {"ana@ana-laptop", "ana@ana-desk", "bo@bo-pc"}
    bo = by["bo@bo-pc"]
    assert (bo["user"], bo["host"], bo["requests"], bo["sessions"]) == ("bo", "bo-pc", 200, 5)
    assert [m["model"] for m in bo["top_models"]] == ["gpt-5", "m-unpriced"]
    assert doc["totals"]["requests"] == 450
    dated = _cli(
        tmp_path, "--db", pg_url, "team", "-z", "UTC", "--since", "2026-03-02", "--until", "2026-03-02"
    )
    assert {r["period"]: r["sessions"] for r in dated["rows"]} == {
        "ana@ana-laptop": 3,
        "ana@ana-desk": 4,
        "bo@bo-pc": 4,
    }


def test_host_and_user_filters_and_breakdowns(tmp_path, pg_url):
    _team(tmp_path, pg_url)
    ana = _cli(tmp_path, "--db", pg_url, "daily", "-z", "UTC", "--user", "ana", "--breakdown", "host")
    assert ana["totals"]["requests"] == 250
    first = ana["rows"][0]
    assert {h["host"] for h in first["hosts"]} == {"ana-laptop", "ana-desk"}
    assert sum(h["requests"] for h in first["hosts"]) == first["requests"]
    desk = _cli(
        tmp_path, "--db", pg_url, "monthly", "-z", "Europe/Berlin", "--host", "ana-desk,bo-pc", "-b", "user"
    )
    assert desk["totals"]["requests"] == 350
    assert {u["user"]: u["requests"] for u in desk["rows"][0]["users"]} == {"ana": 150, "bo": 200}
    events = _cli(tmp_path, "--db", pg_url, "events", "--host", "bo-pc", "--limit", "0")
    assert len(events["events"]) == 200


def test_two_machines_syncing_straight_into_the_team_ledger_keep_their_own_files(
    tmp_path, pg_url, pg_cluster
):
    logs = tmp_path / "claude"  # the same path on both machines
    install_fixture(logs, "claude_code", "streaming_multiline.jsonl", "projects/-home-dev-app/s.jsonl")
    for host in ("one", "two"):
        home = tmp_path / host
        home.mkdir()
        (home / "config.toml").write_text(f'ledger = "{pg_url}"\n[team]\nhost = "{host}"\nuser = "dev"\n')
        env = {"HOME": str(home), "TZ": "UTC", "TOKLEDGER_CONFIG": str(home / "config.toml"),
               "CLAUDE_CONFIG_DIR": str(logs), "XDG_DATA_HOME": "", "XDG_CONFIG_HOME": ""}  # fmt: skip
        for _ in range(2):  # the second sync finds its checkpoints: nothing new
            result = CliRunner().invoke(cli, ["sync", "--json"], env=env, catch_exceptions=False)
            assert result.exit_code == 0, result.output
        assert json.loads(result.output)["sources"]["claude_code"]["events"] == 0
    team = Ledger.open(pg_url)
    files = team.conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT path), COUNT(DISTINCT host_id) FROM files"
    ).fetchone()
    assert tuple(files) == (2, 1, 2)
    per_host = dict(team.conn.execute("SELECT host_id, COUNT(*) FROM entries GROUP BY 1").fetchall())
    assert len(per_host) == 2 and len(set(per_host.values())) == 1
    assert team.rollup_differences() == []


def test_migrations_from_empty_on_postgresql(pg_url):
    ledger = Ledger.open(pg_url)
    assert ledger.dialect.schema_version(ledger.conn) == SCHEMA_VERSION
    assert {
        "entries",
        "dims",
        "files",
        "rollup_qh",
        "rollup_day",
        "pushes",
        "events",
    } <= ledger.dialect.tables(ledger.conn)
    ledger.close()
    Ledger.open(pg_url).close()  # opening again changes nothing


def test_team_settings_are_validated(tmp_path):
    from tokledger.config import Config
    from tokledger.env import Env
    from tokledger.team import team_of

    env = Env(home=tmp_path, environ={"USER": "ana"})
    assert team_of(Config(), env).user == "ana"
    for bad, message in (({"hots": "x"}, "unknown key 'hots'"), ({"push": "yes"}, "team.push must be true or false"),
                         ({"host": ""}, "team.host must be"), ({"ledger": "mysql://x"}, "postgresql:// URL")):  # fmt: skip
        with pytest.raises(ConfigError, match=message):
            team_of(Config(sections={"team": bad}), env)
