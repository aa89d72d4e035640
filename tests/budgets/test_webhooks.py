"""Webhooks against a local HTTP server: payload shapes, retries on 5xx/429/timeouts, none on 4xx."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tokledger.alerts import Alert, AlertError
from tokledger.alerts.config import WebhookConfig, redact_url
from tokledger.alerts.webhook import WebhookChannel, payload, retry_after

ALERT = Alert("budget:global:*:daily_usd:1:0:warn", "warn", "tokledger: budget warning", "daily budget: $8 of $10",
              {"scope": "global"})  # fmt: skip


class Server:
    """Answers each POST with the next scripted (status, headers, delay) and keeps what it received."""

    def __init__(self, script):
        self.script = list(script)
        self.received: list[tuple[str, dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append((self.path, dict(self.headers), body))
                status, headers, delay = outer.script.pop(0) if outer.script else (200, {}, 0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client that gave up is expected here
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T0/B0/s3cr3t"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request):
    made = []

    def make(*script):
        made.append(Server(script))
        return made[-1]

    yield make
    for s in made:
        s.close()


def channel(url, sleeps, **kw):
    return WebhookChannel(WebhookConfig(url, **kw), sleep=sleeps.append)


@pytest.mark.parametrize("fmt", ["json", "slack", "discord"])
def test_payload_formats_arrive(server, fmt):
    srv = server((200, {}, 0))
    channel(srv.url, [], format=fmt).send(ALERT)
    [(path, headers, body)] = srv.received
    assert path == "/services/T0/B0/s3cr3t" and headers["Content-Type"] == "application/json"
    assert body == payload(ALERT, fmt)
    if fmt == "slack":
        assert body == {"text": "*tokledger: budget warning*\ndaily budget: $8 of $10"}
    elif fmt == "discord":
        assert body == {
            "username": "tokledger",
            "content": "**tokledger: budget warning**\ndaily budget: $8 of $10",
        }
    else:
        assert (
            body["level"] == "warn"
            and body["budget"] == {"scope": "global"}
            and body["source"] == "tokledger"
        )


def test_5xx_is_retried_with_backoff(server):
    srv, sleeps = server((503, {}, 0), (500, {}, 0), (204, {}, 0)), []
    channel(srv.url, sleeps).send(ALERT)
    assert len(srv.received) == 3 and sleeps == [0.5, 1.0]


def test_429_waits_for_retry_after(server):
    srv, sleeps = server((429, {"Retry-After": "7"}, 0), (200, {}, 0)), []
    channel(srv.url, sleeps).send(ALERT)
    assert len(srv.received) == 2 and sleeps == [7.0]


def test_4xx_fails_at_once_without_the_secret(server):
    srv, sleeps = server((404, {}, 0)), []
    with pytest.raises(AlertError) as err:
        channel(srv.url, sleeps).send(ALERT)
    assert len(srv.received) == 1 and sleeps == []
    assert "s3cr3t" not in str(err.value) and "HTTP 404" in str(err.value) and "/***" in str(err.value)


def test_giving_up_after_the_retries(server):
    srv, sleeps = server(*[(502, {}, 0)] * 3), []
    with pytest.raises(AlertError, match=r"answered HTTP 502 \(3 attempts\)"):
        channel(srv.url, sleeps, retries=2).send(ALERT)
    assert len(srv.received) == 3


def test_a_timeout_is_retried(server):
    srv, sleeps = server((200, {}, 1.0), (200, {}, 0)), []
    channel(srv.url, sleeps, timeout=0.2).send(ALERT)
    assert len(srv.received) == 2 and len(sleeps) == 1


def test_an_unreachable_host_is_an_error(server):
    srv = server()
    url = srv.url
    srv.close()
    with pytest.raises(AlertError, match="could not be reached"):
        channel(url, [], retries=1).send(ALERT)


def test_levels_filter():
    sent = []
    ch = WebhookChannel(WebhookConfig("http://127.0.0.1:9/x", levels=("stop",)), client=sent)
    ch.send(ALERT)  # a warn alert to a stop-only hook: nothing is posted
    assert sent == []


def test_retry_after_forms():
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert retry_after("3") == 3.0 and retry_after("600") == 60.0
    assert retry_after("Sun, 01 Jun 2025 12:00:05 GMT", now) == 5.0
    assert retry_after(None) is None and retry_after("soon") is None


def test_redact_url():
    assert (
        redact_url("https://user:pw@hooks.slack.com/services/T/B/X?token=1") == "https://hooks.slack.com/***"
    )
    assert redact_url("https://example.com:8443/") == "https://example.com:8443/"
    assert redact_url("http://[::1]:99/a") == "http://::1:99/***"


def test_a_deadline_bounds_attempts_and_waits(server):
    import time as clock

    srv, sleeps = server((200, {}, 5.0), (200, {}, 0)), []  # answers long after the deadline
    ch = WebhookChannel(
        WebhookConfig(srv.url, retries=3), sleep=sleeps.append, deadline=clock.monotonic() + 1.0
    )
    with pytest.raises(AlertError, match=r"; out of time \(1 attempt\)"):
        ch.send(ALERT)
    assert ch.attempts == 1 and sleeps == []
