"""Every /api endpoint against the CLI's JSON on the same fake home: same shapes, same numbers."""

from __future__ import annotations

import pytest

from tests.conftest import json_out
from tests.web.conftest import LOCAL, OPUS, SONNET, log_line, make_backend
from tokledger.reports import KINDS
from tokledger.web import create_app

UTC = ("--timezone", "UTC")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("breakdown", [False, True])
def test_reports_equal_the_cli(kind, breakdown, client, run_cli, usage_home):
    flags = ["--breakdown"] if breakdown else []
    expected = json_out(run_cli(kind, "--json", *flags, *UTC))
    got = client.get(f"/api/{kind}", params={"timezone": "UTC", "breakdown": int(breakdown)})
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json"
    assert got.json() == expected


@pytest.mark.parametrize(
    ("params", "args"),
    [
        ({"since": "2025-06-02", "until": "2025-06-30"}, ["--since", "2025-06-02", "--until", "2025-06-30"]),
        ({"year": "2025"}, ["--year", "2025"]),
        ({"year": "2025", "since": "2025-06-03"}, ["--year", "2025", "--since", "2025-06-03"]),
        ({"model": "opus,local"}, ["--model", "opus,local"]),
        ({"source": "claude_code", "mode": "calculate"}, ["--source", "claude_code", "--mode", "calculate"]),
        ({"project": "app"}, ["--project", "app"]),
    ],
)
def test_filters_equal_the_cli(params, args, client, run_cli, usage_home):
    for kind in ("daily", "monthly", "model"):
        expected = json_out(run_cli(kind, "--json", "--breakdown", *args, *UTC))
        assert (
            client.get(f"/api/{kind}", params={**params, "timezone": "UTC", "breakdown": "1"}).json()
            == expected
        )


def test_weekly_session_and_blocks_options(client, run_cli, usage_home):
    expected = json_out(run_cli("weekly", "--json", "--start-of-week", "sunday", *UTC))
    assert client.get("/api/weekly", params={"start_of_week": "sunday", "timezone": "UTC"}).json() == expected
    expected = json_out(run_cli("session", "--json", "--id", "s-2025-06-01", *UTC))
    assert client.get("/api/session", params={"id": "s-2025-06-01", "timezone": "UTC"}).json() == expected
    expected = json_out(run_cli("blocks", "--json", "--breakdown", "--token-limit", "max", *UTC))
    got = client.get("/api/blocks", params={"breakdown": "1", "token_limit": "max", "timezone": "UTC"}).json()
    assert got == expected


def test_sources_equal_the_cli(client, run_cli, usage_home):
    expected = json_out(run_cli("sources", "--json"))
    got = client.get("/api/sources").json()
    for rows in (got, expected):
        for row in rows:
            del row["last_sync"]  # each ledger has its own
    assert got == expected
    assert next(s for s in got if s["source"] == "claude_code")["events"] == 9


def test_graph_equals_graph_json(client, run_cli, usage_home):
    for params, args in (
        ({}, []),
        ({"year": "2024"}, ["--year", "2024"]),
        ({"model": "sonnet"}, ["--model", "sonnet"]),
    ):
        expected = json_out(run_cli("graph", "--json", *args, *UTC))
        got = client.get("/api/graph", params={**params, "timezone": "UTC"}).json()
        del expected["meta"]["generated_at"], got["meta"]["generated_at"]
        assert got == expected
    light = client.get("/api/graph", params={"breakdown": "0", "timezone": "UTC"}).json()
    assert "models" not in light["contributions"][0] and len(light["contributions"]) == 365


def test_overview_numbers(client, run_cli, usage_home):
    daily = json_out(run_cli("daily", "--json", "--year", "2025", *UTC))
    doc = client.get("/api/overview", params={"year": "2025", "timezone": "UTC"}).json()
    assert doc["totals"] == daily["totals"]
    assert doc["unpriced"] == daily["unpriced"] == {"requests": 2, "models": [LOCAL]}
    assert doc["active_days"] == len(daily["rows"]) == 5
    assert doc["days"] == 365
    assert doc["longest_streak"] == {"days": 3, "start": "2025-06-01", "end": "2025-06-03"}
    busiest = max(daily["rows"], key=lambda r: r["cost_usd_priced"])
    assert doc["busiest_day"] == {
        "date": busiest["period"],
        **{k: v for k, v in busiest.items() if k != "period"},
    }
    assert doc["most_used_model"]["model"] == SONNET and doc["most_used_model"]["requests"] == 3
    assert [m["model"] for m in doc["models"]][:2] == [SONNET, OPUS]
    assert doc["years"] == [2024, 2025]
    everything = client.get("/api/overview", params={"timezone": "UTC"}).json()
    assert everything["totals"] == json_out(run_cli("daily", "--json", *UTC))["totals"]
    assert everything["range"]["first_day"] == "2024-12-30"


def test_day_breakdown(client, run_cli, usage_home):
    row = json_out(
        run_cli("daily", "--json", "--breakdown", "--since", "2025-06-01", "--until", "2025-06-01", *UTC)
    )
    doc = client.get("/api/day/2025-06-01", params={"timezone": "UTC"}).json()
    expected = row["rows"][0]
    assert doc["totals"] == {k: v for k, v in expected.items() if k not in ("period", "models")}
    assert doc["totals"]["cost_usd"] is None and doc["unpriced"] == {"requests": 1, "models": [LOCAL]}
    [source] = doc["sources"]
    assert source["source"] == "claude_code" and source["requests"] == 3
    assert [m["model"] for m in source["models"]] == [OPUS, SONNET, LOCAL]  # costliest first, unpriced last
    by_model = {m["model"]: m for m in expected["models"]}
    for m in source["models"]:
        assert m == {
            "model": m["model"],
            **{k: v for k, v in by_model[m["model"]].items() if k not in ("source", "model")},
        }
    empty = client.get("/api/day/2025-06-05").json()
    assert empty["sources"] == [] and empty["totals"]["requests"] == 0


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/daily?since=yesterday", 400, "expected a date"),
        ("/api/daily?since=2025-06-02&until=2025-06-01", 400, "after"),
        ("/api/daily?source=nope", 400, "unknown source"),
        ("/api/daily?mode=cheap", 400, "mode"),
        ("/api/daily?timezone=Mars/Base", 400, "time zone"),
        ("/api/graph?year=20x5", 400, "year"),
        ("/api/day/2025-13-01", 400, "expected a date"),
        ("/api/blocks?token_limit=lots", 400, "token_limit"),
        ("/api/nonsense", 404, "no such report"),
        # Digits of other scripts, absurd lengths, and dates whose next day does not exist.
        ("/api/daily?year=\u00b2", 400, "year"),
        ("/api/blocks?token_limit=" + "9" * 5000, 400, "token_limit"),
        ("/api/blocks?session_length=\u00b2", 400, "session_length"),
        ("/api/daily?until=9999-12-31", 400, "expected a date from 1970 to 9998"),
        ("/api/day/9999-12-31", 400, "expected a date from 1970 to 9998"),
        ("/api/graph?year=9999", 400, "year"),
        ("/api/weekly?until=9999-12-31", 400, "until"),
        ("/api/blocks?until=9999-12-31", 400, "until"),
        ("/api/overview?since=0001-01-01", 400, "since"),
        ("/api/daily?timezone=" + "A" * 5000, 400, "timezone"),
    ],
)
def test_bad_requests(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert "\n" not in response.text and len(response.json()["error"]) < 300


def test_the_page_and_its_files(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>tokledger</title>" in page.text
    for name in ("app.js", "calendar.js", "charts.js", "day.js", "format.js", "style.css", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert "https://" not in page.text.replace("http://www.w3.org", "")  # nothing from the network
    palettes = client.get("/api/palettes").json()
    assert len(palettes["palettes"]) >= 9 and set(palettes["themes"]) == {"light", "dark"}


def test_palettes_name_sources_and_give_every_model_the_terminals_colour(client, backend):
    from tokledger.reports.palette import MODEL_COLOURS

    palettes = client.get("/api/palettes").json()
    assert palettes["sources"]["claude_code"]["title"] == "Claude Code"
    assert palettes["sources"]["claude_code"]["colour"] == "#2f81f7"  # the one source with usage comes first
    with backend.reader() as workspace:
        assert palettes["models"] == workspace.model_colours()
    costliest = [row["period"] for row in client.get("/api/model").json()["rows"]]
    assert [palettes["models"][m] for m in costliest] == list(MODEL_COLOURS[: len(costliest)])


def test_order_and_last(client, run_cli, usage_home):
    desc = client.get("/api/daily?order=desc").json()
    assert [r["period"] for r in desc["rows"]][:2] == ["2025-12-31", "2025-07-01"]
    assert client.get("/api/daily?order=sideways").status_code == 400
    assert (
        client.get("/api/monthly?last=3").json()["rows"]
        == json_out(run_cli("monthly", "--json", "--last", "3"))["rows"]
    )


def test_only_loopback_host_names_are_answered(backend):
    from starlette.testclient import TestClient

    assert (
        TestClient(create_app(backend), base_url="http://evil.example").get("/api/daily").status_code == 400
    )
    assert (
        TestClient(create_app(backend), base_url="http://localhost:8787").get("/api/daily").status_code == 200
    )
    assert TestClient(create_app(backend), base_url="http://[::1]:8787").get("/api/daily").status_code == 200


def test_beyond_loopback_the_allowlist_stays_and_a_token_is_required(backend):
    """Bound to 0.0.0.0: DNS rebinding (any Host) is still refused, and every request needs the token."""
    import socket

    from starlette.testclient import TestClient

    exposed = create_app(backend, host="0.0.0.0", allow_hosts=("usage.example",), token="s3cret")
    rebound = TestClient(exposed, base_url="http://evil.example")
    assert rebound.get("/api/daily?token=s3cret").status_code == 400
    for name in ("usage.example", socket.gethostname().lower(), "127.0.0.1"):
        anonymous = TestClient(exposed, base_url=f"http://{name}:8787")
        assert anonymous.get("/api/daily").status_code == 403, name
        assert anonymous.get("/").status_code == 403
    browser = TestClient(exposed, base_url="http://usage.example:8787")
    first = browser.get("/?token=s3cret", follow_redirects=False)
    assert first.status_code == 303 and "httponly" in first.headers["set-cookie"].lower()
    assert browser.get("/api/daily").status_code == 200  # the cookie set by the printed address
    assert browser.get("/static/app.js").status_code == 200
    assert (
        TestClient(exposed, base_url="http://usage.example")
        .get("/api/daily", headers={"Authorization": "Bearer s3cret"})
        .status_code
        == 200
    )
    assert (
        TestClient(exposed, base_url="http://usage.example").get("/api/daily?token=wrong").status_code == 403
    )


def test_serve_beyond_loopback_prints_an_address_with_its_token(tmp_path, home):
    import subprocess
    import sys

    env = {"HOME": str(home), "TOKLEDGER_DB": str(tmp_path / "s.db"), "TOKLEDGER_CONFIG": str(tmp_path / "c.toml"),
           "CLAUDE_CONFIG_DIR": "", "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "PATH": "/usr/bin:/bin"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "tokledger", "serve", "--host", "0.0.0.0", "--port", "0",
                             "--no-sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "?token=" in line and len(line.split("?token=")[1].split()[0]) >= 32, line
    assert "token" in proc.stderr.read()


def test_sync_is_throttled_and_new_usage_shows_up(usage_home, tmp_path):
    from starlette.testclient import TestClient

    now = [0.0]
    backend = make_backend(usage_home, tmp_path / "w.db", sync_every=30, clock=lambda: now[0])
    client = TestClient(create_app(backend), base_url="http://127.0.0.1")
    first = client.get("/api/daily", params={"timezone": "UTC"}).json()["totals"]["requests"]
    with (usage_home / ".claude/projects/-home-dev-app/s-2025-06-03.jsonl").open("a") as f:
        f.write(log_line("2025-06-03", 7, SONNET, 10, 10, 0, 0, hour=11) + "\n")
    now[0] = 10.0
    assert client.get("/api/daily", params={"timezone": "UTC"}).json()["totals"]["requests"] == first
    now[0] = 31.0
    assert client.get("/api/daily", params={"timezone": "UTC"}).json()["totals"]["requests"] == first + 1
    backend.close()


def test_another_process_writing_the_ledger_clears_the_cache(usage_home, tmp_path, run_cli):
    from starlette.testclient import TestClient

    db = tmp_path / "shared.db"
    run_cli("sync", env={"TOKLEDGER_DB": str(db)})
    backend = make_backend(usage_home, db, sync=False)  # never syncs by itself
    client = TestClient(create_app(backend), base_url="http://127.0.0.1")
    before = client.get("/api/graph").json()["summary"]["requests"]
    with (usage_home / ".claude/projects/-home-dev-app/s-2025-12-31.jsonl").open("a") as f:
        f.write(log_line("2025-12-31", 5, OPUS, 10, 10, 0, 0, hour=12) + "\n")
    assert client.get("/api/graph").json()["summary"]["requests"] == before
    run_cli("sync", env={"TOKLEDGER_DB": str(db)})
    assert client.get("/api/graph").json()["summary"]["requests"] == before + 1
    backend.close()


def test_blocks_carry_the_plan_windows_as_the_cli_does(backend, client):
    import time

    from tokledger.ledger import guard

    now_ms = int(time.time() * 1000)
    with backend.reader() as workspace:
        guard.keep_rate_limits(workspace.ledger, [("five_hour", 37.0, now_ms + 3_600_000, now_ms, "s")])
    got = client.get("/api/blocks", params={"timezone": "UTC"}).json()
    assert got["rate_limits"]["five_hour"]["used_percent"] == 37
    assert "rate_limits" not in client.get("/api/daily", params={"timezone": "UTC"}).json()
