"""The drop directory: agent-deck's cost events become UsageEvents, once; bad files go to rejected/."""

from __future__ import annotations

import json
import os
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import ts
from tokledger.capture.drop_dir import consume, parse_capture, read_file, watch
from tokledger.env import Env
from tokledger.errors import ConfigError

AGENT_DECK = {"instance_id": "deck-3f9a", "model": "claude-sonnet-4-5-20250929", "input_tokens": 12,
              "output_tokens": 480, "cache_read_tokens": 51200, "cache_write_tokens": 2048,
              "ts": 1759413791482000000}  # fmt: skip


def drop(folder: Path, name: str, data, old: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    if old:
        os.utime(path, (time.time() - 60, time.time() - 60))
    return path


def test_agent_deck_event(tmp_path):
    [event] = read_file(drop(tmp_path, "deck-3f9a_1.json", AGENT_DECK))
    assert event.source == "drop_dir" and event.key.startswith("drop:") and len(event.key) == 37
    assert event.timestamp == ts("2025-10-02T14:03:11.482000Z")
    assert (event.input_tokens, event.output_tokens, event.cache_read_tokens, event.cache_write_tokens) == (
        12, 480, 51200, 2048)  # fmt: skip
    assert event.session_id == "deck-3f9a" and event.model == "claude-sonnet-4-5-20250929"
    assert event.logged_cost_usd is None and event.total_tokens == 12 + 480 + 51200 + 2048


def test_optional_fields_and_a_source_key(tmp_path):
    extra = {**AGENT_DECK, "cost_usd": 0.0123, "cwd": "/home/u/app", "session_id": "s1", "cache_write_1h_tokens": 48,
             "source": "claude_code", "key": "msg_01ABC", "request_id": "req_1"}  # fmt: skip
    [event] = read_file(drop(tmp_path, "a.json", [extra]))
    assert (event.source, event.key, event.session_id, event.project) == (
        "claude_code",
        "msg_01ABC",
        "s1",
        "/home/u/app",
    )
    assert event.logged_cost_usd == Decimal("0.0123") and event.cache_write_1h_tokens == 48


def test_reading_twice_is_idempotent_and_files_are_deleted(tmp_path):
    drop(tmp_path, "one.json", AGENT_DECK)
    drop(tmp_path, "copy.json", AGENT_DECK)  # the same event sent twice
    drop(tmp_path, "two.json", {**AGENT_DECK, "ts": AGENT_DECK["ts"] + 1})
    drop(tmp_path, ".hidden.json", AGENT_DECK)
    drop(tmp_path, "partial.json.tmp", "{")
    batches = []
    result = consume(tmp_path, batches.append)
    assert (result.recorded, result.rejected) == (3, 0)
    [events] = batches
    assert len({e.key for e in events}) == 2  # one key per distinct content
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.json", "partial.json.tmp"]
    assert consume(tmp_path, batches.append).recorded == 0 and len(batches) == 1


def test_a_failed_record_keeps_the_files(tmp_path):
    drop(tmp_path, "one.json", AGENT_DECK)

    def broken(events):
        raise RuntimeError("ledger locked")

    with pytest.raises(RuntimeError):
        consume(tmp_path, broken)
    again = []
    assert consume(tmp_path, again.append).recorded == 1
    assert again[0][0].key == read_file(drop(tmp_path, "x.json", AGENT_DECK))[0].key


@pytest.mark.parametrize(
    "data, reason",
    [
        ("{not json", "not JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        ({**AGENT_DECK, "ts": 1759413791}, "ts must be a whole number from 946684800000000000"),
        ({**AGENT_DECK, "input_tokens": -1}, "input_tokens must be a whole number from 0"),
        ({**AGENT_DECK, "output_tokens": True}, "output_tokens must be a whole number"),
        ({k: v for k, v in AGENT_DECK.items() if k != "model"}, "model must be a non-empty string, got None"),
        ({**AGENT_DECK, "cost_usd": "1"}, "cost_usd must be a number of USD"),
        ({**AGENT_DECK, "source": "codex"}, "source and key go together"),
        ([AGENT_DECK, 3], "event 1: an event must be a JSON object"),
        ([], "an empty list"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(tmp_path, data, reason):
    drop(tmp_path, "bad.json", data)
    drop(tmp_path, "good.json", AGENT_DECK)
    batches = []
    result = consume(tmp_path, batches.append)
    assert (result.recorded, result.rejected) == (1, 1) and len(batches[0]) == 1
    assert (tmp_path / "rejected" / "bad.json").exists() and not (tmp_path / "bad.json").exists()
    assert (tmp_path / "rejected" / "bad.json.reason").read_text().startswith(reason)


def test_a_file_still_being_written_is_left_for_later(tmp_path):
    drop(tmp_path, "growing.json", '{"instance_id": ', old=False)
    assert consume(tmp_path, lambda e: None).rejected == 0 and (tmp_path / "growing.json").exists()
    assert consume(tmp_path, lambda e: None, settle_s=0).rejected == 1


def test_watch_calls_back_on_new_files(tmp_path):
    folder, seen, stop = tmp_path / "drop", [], threading.Event()
    recorded = threading.Event()

    def on_change():
        result = consume(folder, seen.extend)
        if result.recorded:
            recorded.set()

    thread = threading.Thread(
        target=watch, args=(folder, on_change), kwargs={"stop_event": stop}, daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not folder.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        # the watcher may start after this write; keep dropping new files until one is picked up
        n = 0
        while not recorded.wait(0.5) and time.monotonic() < deadline:
            drop(folder, f"e{n}.json", {**AGENT_DECK, "ts": AGENT_DECK["ts"] + n})
            n += 1
        assert recorded.is_set() and seen
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_capture_config(tmp_path):
    env = Env(home=tmp_path, environ={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert parse_capture(None, path=None, env=env).drop_dir == env.data_dir / "cost-events"
    assert parse_capture({"drop_dir": "~/events"}, path=None, env=env).drop_dir == tmp_path / "events"
    with pytest.raises(ConfigError, match="capture.dir is not a known key"):
        parse_capture({"dir": "x"}, path=Path("/c.toml"), env=env)
