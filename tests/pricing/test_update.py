"""``prices update``: the newest published genai-prices data, fetched with an ETag from a local HTTP server
serving a recorded file (``fixtures/prices/data_v2.json``: the first providers of genai-prices'
``prices/new_data/v2/data.json``, the file its ``UpdatePrices`` reads), kept in the ledger, and used."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, json_out

RECORDED = (FIXTURES / "prices" / "data_v2.json").read_bytes()
HAIKU = "claude-haiku-4-5-20251001"


class Publisher:
    """A price data file published over HTTP with an ETag (and 304 for a matching If-None-Match)."""

    def __init__(self, body: bytes):
        self.body, self.requests, self.etags_seen = body, 0, []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                publisher.requests += 1
                etag = f'"v{hash(publisher.body) & 0xFFFF}"'
                publisher.etags_seen.append(self.headers.get("If-None-Match"))
                if self.path != "/prices/data.json":
                    self.send_error(404)
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", "Tue, 01 Dec 2026 08:00:00 GMT")
                    self.send_header("Content-Length", str(len(publisher.body)))
                    self.end_headers()
                    self.wfile.write(publisher.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/prices/data.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publisher():
    p = Publisher(RECORDED)
    yield p
    p.close()


def _transcript(home: Path, model: str = HAIKU, out: int = 1_000_000) -> None:
    path = home / ".claude/projects/-p/s.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"type": "assistant", "sessionId": "s", "timestamp": "2025-10-01T10:00:00Z",
            "message": {"id": f"m-{model}", "model": model, "usage": {"input_tokens": 0, "output_tokens": out}}}  # fmt: skip
    with path.open("a") as f:
        f.write(json.dumps(line) + "\n")


def _cost(run_cli) -> float:
    return json_out(run_cli("model", "--json", "--no-sync"))["totals"]["cost_usd"]


def test_update_keeps_the_data_reprices_and_asks_with_the_etag(run_cli, home, publisher):
    _transcript(home)
    run_cli("daily")
    assert _cost(run_cli) == pytest.approx(5.0)  # bundled: Haiku 4.5 output $5/Mtok
    before = json_out(run_cli("prices", HAIKU, "--json"))["price_data"]
    assert before["origin"] == "bundled" and before["genai_prices"]

    publisher.body = RECORDED.replace(b'"output_mtok":5,', b'"output_mtok":7,', 1)  # a newer publication
    result = json_out(run_cli("prices", "update", "--url", publisher.url, "--json"))
    assert result["updated"] and result["repriced"] == 1 and result["events"] == 1
    assert result["kept"]["providers"] == 2 and result["kept"]["last_modified"] == "2026-12-01"
    assert _cost(run_cli) == pytest.approx(7.0)
    shown = json_out(run_cli("prices", HAIKU, "--json"))
    assert shown["price_data"]["origin"] == "fetched" and shown["price_data"]["url"] == publisher.url
    assert shown["per_million_tokens"]["output"] == "7" and "genai-prices data of" in shown["basis"]
    assert "days old" in run_cli("prices", HAIKU).stdout

    # Unchanged: one request with the ETag, answered 304; nothing repriced, the kept data stays.
    again = json_out(run_cli("prices", "update", "--json"))  # the kept URL is asked again
    assert not again["updated"] and publisher.etags_seen[-1] is not None
    assert "unchanged" in run_cli("prices", "update").stdout

    # New usage is priced with the kept data, without loading it again per event.
    _transcript(home, "claude-sonnet-5", out=1_000_000)
    run_cli("daily")
    assert _cost(run_cli) == pytest.approx(7.0 + 10.0)


def test_offline_or_bad_data_keeps_the_prices_in_use(run_cli, home, publisher):
    _transcript(home)
    run_cli("daily")
    result = run_cli("prices", "update", "--url", "http://127.0.0.1:9/nothing.json", expect=1)
    assert "cannot fetch price data" in result.output and result.output.count("\n") == 1
    publisher.body = b'{"not": "a list"}'
    result = run_cli("prices", "update", "--url", publisher.url, expect=1)
    assert "not genai-prices data" in result.output
    publisher.body = b"[" * 100_000
    assert "not genai-prices data" in run_cli("prices", "update", "--url", publisher.url, expect=1).output
    assert run_cli("prices", "update", "--url", publisher.url + "x", expect=1).output.count("HTTP 404") == 1
    assert json_out(run_cli("prices", HAIKU, "--json"))["price_data"]["origin"] == "bundled"
    assert _cost(run_cli) == pytest.approx(5.0)


def test_a_daemon_updates_once_a_day(workspace, publisher, monkeypatch):
    from tokledger.pricing import update

    monkeypatch.setattr(update, "DEFAULT_URL", publisher.url)
    assert workspace.update_prices_if_due()["updated"]
    assert workspace.update_prices_if_due() is None  # checked less than a day ago
    assert publisher.requests == 1
    assert "price data" in workspace.fingerprint
