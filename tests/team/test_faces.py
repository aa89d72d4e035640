"""The web page and the live dashboard on a team ledger name its hosts when there is more than one; its
``/metrics`` label each total with the host it came from."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from tests.team.helpers import laptop, record, rows, team_config
from tests.tui.conftest import async_test, screen_text, settle
from tokledger.env import Env
from tokledger.reports import Query
from tokledger.tui.app import LiveApp
from tokledger.tui.refresh import Refresher
from tokledger.web import Backend, create_app
from tokledger.workspace import Workspace


def _team(tmp_path, pg_url, hosts=("ana-laptop", "bo-pc")) -> None:
    for n, host in enumerate(hosts):
        ws = laptop(tmp_path, host, user=host.split("-")[0])
        record(ws.ledger, rows(n, 50))
        ws.push(pg_url)
        ws.close()


def test_the_web_api_lists_the_hosts(tmp_path, pg_url):
    _team(tmp_path, pg_url)
    workspace = Workspace(Env(home=tmp_path), db_path=pg_url, config=team_config("dashboard", "ops"))
    backend = Backend(workspace, sync=False, timezone="UTC")
    with TestClient(create_app(backend), base_url="http://127.0.0.1") as client:
        overview = client.get("/api/overview").json()
        assert [h["host"] for h in overview["hosts"]] == ["ana-laptop", "bo-pc"]
        assert sum(h["requests"] for h in overview["hosts"]) == overview["totals"]["requests"] == 100
        daily = client.get("/api/daily", params={"breakdown": "user", "user": "bo"}).json()
        assert {u["user"] for r in daily["rows"] for u in r["users"]} == {"bo"}
        team = client.get("/api/team").json()
        assert {r["period"] for r in team["rows"]} == {"ana@ana-laptop", "bo@bo-pc"}
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert 'host="ana-laptop"' in metrics.text and 'host="bo-pc"' in metrics.text
        assert 'host="dashboard"' not in metrics.text
        assert client.get("/api/billed").status_code == 200
    backend.close()


async def _live_screen(tmp_path, pg_url, hosts=("ana-laptop", "bo-pc")) -> str:
    """The live dashboard's screen on a team ledger those hosts pushed to."""
    _team(tmp_path, pg_url, hosts)
    workspace = Workspace(Env(home=tmp_path), db_path=pg_url, config=team_config("dashboard", "ops"))
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    app = LiveApp(Refresher(workspace, Query(ZoneInfo("UTC")), clock=lambda: now), refresh=3600)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
    workspace.close()
    return text


@async_test
async def test_the_live_dashboard_names_the_hosts(tmp_path, pg_url):
    assert "2 hosts: " in await _live_screen(tmp_path, pg_url)


@async_test
async def test_host_names_are_shown_as_they_are(tmp_path, pg_url):
    text = await _live_screen(tmp_path, pg_url, hosts=("ana-laptop", "[bold]bo[i]-pc"))
    assert "2 hosts: ana-laptop, [bold]bo[i]-pc" in text
