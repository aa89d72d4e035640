"""The billed view on the web: ``/api/billed`` equals ``tokledger billed --json``, and the page's billed card in a
real Chromium (per provider and day, per model), never mixed into the local figures."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.conftest import json_out
from tests.ledger.test_billed import analytics, cost_line, cursor_event, usage
from tests.web.conftest import ServerThread, make_backend, write_usage
from tokledger.providers import make_record
from tokledger.web import create_app

LATER = make_record("anthropic_api", "messages", datetime(2025, 6, 3, 9, tzinfo=UTC), 3600, {"m": "haiku"},
                    "claude-haiku-4-5-20251001", provider="anthropic", input_tokens=200_000)  # fmt: skip


def records():
    return [usage(), usage(hour=11), cost_line(), cost_line("0.2", "web_search"), analytics(), cursor_event(),
            LATER]  # fmt: skip


@pytest.fixture
def billed_client(usage_home, tmp_path):
    from starlette.testclient import TestClient

    backend = make_backend(usage_home, tmp_path / "cli.db", sync=False)  # the ledger the CLI fixture reads
    backend.workspace.sync(jobs=1)
    backend.workspace.vendors.provider_store().record(records())
    yield TestClient(create_app(backend), base_url="http://127.0.0.1")
    backend.close()


def test_api_billed_equals_the_cli(billed_client, run_cli):
    for params, args in (({}, []), ({"provider": "cursor"}, ["--provider", "cursor"]),
                         ({"since": "2025-06-02", "until": "2025-06-30"}, ["--since", "2025-06-02", "--until", "2025-06-30"])):  # fmt: skip
        got = billed_client.get("/api/billed", params=params)
        assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
        assert got.json() == json_out(run_cli("billed", "--json", *args))
    doc = billed_client.get("/api/billed").json()
    assert doc["providers"] == ["anthropic_api", "cursor"] and [r["period"] for r in doc["rows"]] == [
        "2025-06-01", "2025-06-03"
    ]  # fmt: skip
    local = billed_client.get("/api/daily", params={"timezone": "UTC"}).json()
    assert {m["source"] for r in billed_client.get("/api/daily", params={"breakdown": 1}).json()["rows"]
            for m in r["models"]} == {"claude_code"}  # fmt: skip
    cursor = billed_client.get("/api/daily", params={"source": "cursor", "timezone": "UTC"}).json()
    assert cursor["totals"]["requests"] == 1
    assert local == json_out(run_cli("daily", "--json", "--timezone", "UTC"))  # the local logs alone


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"provider": "nope"}, "provider: unknown provider 'nope'"),
        ({"since": "June"}, "since 'June': expected a date as YYYY-MM-DD"),
        ({"since": "2025-06-05", "until": "2025-06-01"}, "since 2025-06-05 is after until 2025-06-01"),
    ],
)
def test_bad_parameters_are_400(billed_client, params, error):
    got = billed_client.get("/api/billed", params=params)
    assert got.status_code == 400 and got.json()["error"].startswith(error)


@pytest.fixture(scope="module")
def billed_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("billed-web")
    (root / "home").mkdir()
    write_usage(root / "home")
    backend = make_backend(root / "home", root / "ledger.db")
    backend.workspace.vendors.provider_store().record(records())
    thread = ServerThread(backend)
    thread.start()
    yield thread
    thread.stop()
    backend.close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, color_scheme="dark")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("html[data-dashboard=ready]", timeout=15_000)
    return page


@pytest.mark.slow
def test_the_billed_card_per_provider_and_per_model(browser, billed_server):
    with urllib.request.urlopen(billed_server.url + "api/billed") as response:
        doc = json.load(response)
    page = _open(browser, billed_server.url)
    try:
        card = page.locator("#billed-card")
        assert card.is_visible()
        assert page.locator("#calendar-title").inner_text() == "8 requests in 2025"  # the local logs alone
        sub = page.locator("#billed-sub").inner_text()
        assert sub.startswith(f"${doc['totals']['cost_usd_priced']:,.2f}")
        assert "part estimated" in sub  # June 3 has no cost line yet
        assert page.locator("#billed-chart path.series").count() == len(doc["providers"]) == 2
        legend = page.locator("#billed-chart .legend").inner_text()
        for part in doc["sources"]:
            assert f"{part['source']} ${part['cost_usd_priced']:,.2f}" in legend
        assert "cursor" not in page.locator("#sources").inner_text()  # no chip for a billed source

        page.locator("#billed-view button[data-value='model']").click()
        assert "billed=model" in page.url
        names = [n.strip() for n in page.locator("#billed-chart .bar-name").all_inner_texts()]
        assert names == [m["period"] for m in doc["models"]]
        assert "null" not in card.inner_text()
        first = page.locator("#billed-chart .bar-row").first.inner_text()
        assert f"${doc['models'][0]['cost_usd_priced']:,.2f}" in first
        page.reload()
        page.wait_for_selector("html[data-dashboard=ready]")
        assert page.locator("#billed-view button[aria-pressed=true]").inner_text() == "Per model"
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.slow
def test_without_billed_usage_the_card_stays_hidden(page):
    assert page.locator("#billed-card").is_hidden()
    assert page.errors == []
