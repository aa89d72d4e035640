"""The Loki handler against a loopback receiver that validates the push format."""

from __future__ import annotations

import json
import logging
import re

from tests.exporters.conftest import wait_for
from tests.exporters.receivers import Receiver
from tokledger.exporters._http import RetryPolicy
from tokledger.exporters.config import Auth, LokiConfig
from tokledger.exporters.loki import LokiHandler
from tokledger.exporters.secrets import Secret, SecretRef

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def entries(requests) -> list[tuple[dict, str, str]]:
    """Validate each push body and return (stream labels, ns timestamp, line) for every entry."""
    out = []
    for path, headers, body in requests:
        assert path == "/loki/api/v1/push"
        assert headers["content-type"] == "application/json"
        doc = json.loads(body)
        assert set(doc) == {"streams"}
        for stream in doc["streams"]:
            assert set(stream) == {"stream", "values"}
            assert set(stream["stream"]) == {"app", "host", "level"}
            assert all(LABEL_NAME.match(name) for name in stream["stream"])
            stamps = [int(ts) for ts, _ in stream["values"]]
            assert stamps == sorted(stamps)
            for ts, line in stream["values"]:
                assert isinstance(ts, str) and ts.isdigit() and len(ts) == 19  # epoch nanoseconds as a string
                out.append((stream["stream"], ts, line))
    return out


def logger_with(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def test_batched_push_with_stream_labels_tenant_and_auth(tmp_path):
    with Receiver(statuses=[204]) as receiver:
        password = SecretRef("exporters.loki.password", tmp_path / "c.toml", inline=Secret("pw-1"))
        config = LokiConfig(
            receiver.url + "/loki/api/v1/push",
            Auth("loki", password),
            tenant="team-a",
            batch_size=3,
            batch_wait=30,
        )
        handler = LokiHandler(config, "dev1", {})
        log = logger_with(handler, "tokledger.test.loki")
        log.debug("not sent: below the configured level")
        log.info("cycle done")
        log.warning("prometheus failed: HTTP 503")
        log.info("synced 3 files")
        wait_for(lambda: receiver.requests, what="a full batch to be pushed")
        log.error("after the batch")
        handler.close()
    got = entries(receiver.requests)
    assert [(labels["level"], line) for labels, _, line in got if labels["level"] != "info"] == [
        ("warning", "tokledger.test.loki: prometheus failed: HTTP 503"),
        ("error", "tokledger.test.loki: after the batch"),
    ]
    assert sorted(line for labels, _, line in got if labels["level"] == "info") == [
        "tokledger.test.loki: cycle done",
        "tokledger.test.loki: synced 3 files",
    ]
    assert all(labels["app"] == "tokledger" and labels["host"] == "dev1" for labels, _, _ in got)
    assert len(receiver.requests) == 2  # the batch of three, then the rest on close
    headers = receiver.requests[0][1]
    assert headers["x-scope-orgid"] == "team-a" and headers["authorization"].startswith("Basic ")


def test_failed_pushes_are_retried():
    with Receiver(statuses=[500, 503, 204]) as receiver:
        handler = LokiHandler(
            LokiConfig(receiver.url + "/loki/api/v1/push", batch_wait=30), "h", {}, start=False
        )
        handler._policy = RetryPolicy(attempts=5, base=0.01, cap=0.02, budget=5)
        logger_with(handler, "tokledger.test.retry").info("hello")
        outcome = handler.send_pending()
        handler.close()
    assert outcome.ok and len(receiver.requests) == 3
    assert [line for _, _, line in entries(receiver.requests[-1:])] == ["tokledger.test.retry: hello"]


def test_http_library_records_are_ignored_and_queue_is_bounded(monkeypatch):
    from tokledger.exporters import loki

    monkeypatch.setattr(loki, "MAX_QUEUED", 3)
    handler = LokiHandler(LokiConfig("http://127.0.0.1:9/loki/api/v1/push"), "h", {}, start=False)
    logging.getLogger("httpx").handlers = []
    for name in ("httpx", "httpcore.connection"):
        handler.handle(logging.LogRecord(name, logging.INFO, __file__, 1, "request", None, None))
    assert len(handler._queue) == 0
    for n in range(5):
        handler.handle(logging.LogRecord("tokledger.x", logging.INFO, __file__, 1, f"line {n}", None, None))
    batch = handler._take()
    assert [line for _, _, line in batch[:3]] == [
        "tokledger.x: line 2",
        "tokledger.x: line 3",
        "tokledger.x: line 4",
    ]
    assert "2 log records were dropped" in batch[3][2]
