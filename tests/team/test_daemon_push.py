"""The daemon's push: every cycle sends what is new when ``[team] push`` is set, nothing otherwise, and a team
ledger out of reach is a failed step of that cycle (reported), not the end of the daemon."""

from __future__ import annotations

import socket

from tests.team.helpers import held, laptop, record, rows
from tokledger.daemon.main import serve
from tokledger.ledger import Ledger


def _nothing_listens() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://push@127.0.0.1:{port}/tokledger?connect_timeout=2"


def test_without_push_configured_nothing_is_sent(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a", ledger=pg_url)  # a team ledger named, but push not asked for
    record(ws.ledger, rows(1, 10))
    assert ws.push_if_configured() is None
    assert held(Ledger.open(pg_url)) == (0, 0, 0)
    ws.close()


def test_each_cycle_pushes_what_is_new(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a", ledger=pg_url, push=True)
    record(ws.ledger, rows(1, 30))
    first = ws.push_if_configured()
    assert first.ok and first.detail.startswith("30 events pushed to postgresql://")
    record(ws.ledger, rows(2, 5, first=30))
    assert ws.push_if_configured().detail.startswith("5 events pushed")
    assert ws.push_if_configured().detail.startswith("0 events pushed")
    assert held(Ledger.open(pg_url), "laptop-a") == held(ws.ledger)
    ws.close()


def test_the_daemon_runs_the_push_step(tmp_path, pg_url):
    ws = laptop(tmp_path, "laptop-a", ledger=pg_url, push=True)
    record(ws.ledger, rows(1, 12))
    code = serve(ws, tmp_path / "missing.toml", {}, once=True, home=tmp_path)
    assert code == 0
    assert "push" in ws.get_state("daemon.steps").split(",")
    assert held(Ledger.open(pg_url), "laptop-a") == held(ws.ledger)
    ws.close()


def test_an_unreachable_team_ledger_is_a_failed_step_not_a_crash(tmp_path, caplog):
    url = _nothing_listens()
    ws = laptop(tmp_path, "laptop-a", ledger=url, push=True)
    record(ws.ledger, rows(1, 5))
    outcome = ws.push_if_configured()
    assert not outcome.ok and "cannot open the team ledger" in outcome.detail
    assert "\n" not in outcome.detail
    code = serve(ws, tmp_path / "missing.toml", {}, once=True, home=tmp_path)
    assert code != 0  # --once says a step failed; the other steps ran
    assert "sync" in ws.get_state("daemon.steps").split(",")
    ws.close()


def test_a_daemon_on_a_team_ledger_holds_a_lock_of_its_own(tmp_path):
    from pathlib import Path

    from tokledger.daemon.lock import lock_path_for

    a = lock_path_for("postgresql://ana@db.example.com/tokledger")
    assert a == lock_path_for("postgresql://ana@db.example.com/tokledger")
    assert a != lock_path_for("postgresql://ana@db.example.com/other")
    assert "example" not in a.name and a.name.endswith(".daemon.lock")
    assert lock_path_for(tmp_path / "ledger.db") == Path(tmp_path / "ledger.db.daemon.lock")


def test_a_team_ledgers_metrics_are_labelled_with_each_events_host(tmp_path, pg_url):
    from tokledger.reports import totals

    for host, seed in (("laptop-a", 1), ("laptop-b", 2)):
        ws = laptop(tmp_path, host, ledger=pg_url, push=True)
        record(ws.ledger, rows(seed, 40))
        ws.push_if_configured()
        ws.close()
    team = Ledger.open(pg_url)
    for by_project in (False, True):
        got = totals.lifetime(team, "auto", host="server", by_project=by_project)
        assert {t.host for t in got} == {"laptop-a", "laptop-b"}
        for host in ("laptop-a", "laptop-b"):
            mine = [t for t in got if t.host == host]
            tokens = sum(
                t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_tokens for t in mine
            )
            assert (sum(t.requests for t in mine), tokens) == held(team, host)[:2]
    team.close()
