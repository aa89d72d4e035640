"""Cases from other trackers' test suites and the assistants' own code, each a named fixture that says
which upstream test or code it was written from; tokledger must count each exactly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import sync_all
from tokledger.env import Env
from tokledger.sources import amp, codex, gemini, goose, opencode, qwen

DAY = ".codex/sessions/2026/05/05"


def _lines(*records: dict) -> str:
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)


def _meta(ts: str, sid: str, **payload) -> dict:
    return {"timestamp": ts, "type": "session_meta", "payload": {"id": sid, **payload}}


def _turn(ts: str, model: str = "gpt-5.5", **payload) -> dict:
    return {
        "timestamp": ts,
        "type": "turn_context",
        "payload": {"model": model, "cwd": "/repo-child", **payload},
    }


def _count(ts: str, total: tuple, last: tuple) -> dict:
    def usage(t):
        inp, cached, out, reasoning = t
        return {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
                "reasoning_output_tokens": reasoning, "total_tokens": inp + out}  # fmt: skip

    return {"timestamp": ts, "type": "event_msg",
            "payload": {"type": "token_count", "info": {"total_token_usage": usage(total), "last_token_usage": usage(last)}}}  # fmt: skip


SPAWN = {"subagent": {"thread_spawn": {"parent_thread_id": "parent-session", "depth": 1}}}


@pytest.fixture
def forked_child_ignores_inherited_records_before_turn_context(tmp_path: Path) -> Path:
    """tokscale ``test_forked_child_ignores_inherited_records_before_turn_context`` (``sessions/codex.rs``):
    a spawned child replays its parent's meta and a 116,000-token total before its first turn."""
    path = tmp_path / "rollout-child.jsonl"
    path.write_text(_lines(
        _meta("2026-05-05T21:51:57.991Z", "child-session", forked_from_id="parent-session", source=SPAWN,
              model_provider="openai", cwd="/repo-child"),
        _meta("2026-05-05T21:51:57.992Z", "parent-session", source="interactive", model_provider="azure"),
        _count("2026-05-05T21:51:57.994Z", (116000, 114000, 1000, 0), (73000, 72000, 500, 0)),
        _turn("2026-05-05T21:51:58.947Z"),
        _count("2026-05-05T21:51:58.948Z", (116000, 114000, 1000, 0), (73000, 72000, 500, 0)),
        _count("2026-05-05T21:51:59.253Z", (117500, 115000, 1200, 50), (1500, 1000, 200, 50)),
    ))  # fmt: skip
    return path


@pytest.fixture
def forked_child_ignores_replayed_parent_rows_after_turn_context(tmp_path: Path) -> Path:
    """tokscale ``test_forked_child_ignores_replayed_parent_rows_after_turn_context``: after the child's
    first turn, rows whose totals lie within the inherited ones are still the parent's."""
    path = tmp_path / "rollout-child.jsonl"
    path.write_text(_lines(
        _meta("2026-05-05T21:51:57.991Z", "child-session", forked_from_id="parent-session", source=SPAWN),
        _count("2026-05-05T21:51:57.994Z", (300, 0, 30, 0), (300, 0, 30, 0)),
        _turn("2026-05-05T21:51:58.947Z"),
        _count("2026-05-05T21:51:58.948Z", (50, 0, 5, 0), (50, 0, 5, 0)),
        _count("2026-05-05T21:51:58.949Z", (300, 0, 30, 0), (250, 0, 25, 0)),
        _count("2026-05-05T21:51:59.253Z", (310, 0, 32, 0), (10, 0, 2, 0)),
    ))  # fmt: skip
    return path


@pytest.fixture
def forked_child_submit_cap_regression_skips_large_inherited_cache_replays(tmp_path: Path) -> Path:
    """tokscale ``test_forked_child_submit_cap_regression_skips_large_inherited_cache_replays``: a replayed
    750M-token increment (1.2B cumulative) must not become the child's usage."""
    path = tmp_path / "rollout-child.jsonl"
    path.write_text(_lines(
        _meta("2026-05-05T21:51:57.991Z", "child-session", forked_from_id="parent-session", source=SPAWN),
        _count("2026-05-05T21:51:57.994Z", (1200000000, 1180000000, 1000000, 100000),
               (750000000, 740000000, 500000, 50000)),
        _turn("2026-05-05T21:51:58.947Z"),
        _count("2026-05-05T21:51:58.948Z", (1180000000, 1160000000, 900000, 90000), (20000000, 20000000, 0, 0)),
        _count("2026-05-05T21:51:58.949Z", (1200000000, 1180000000, 1000000, 100000),
               (20000000, 20000000, 100000, 10000)),
        _count("2026-05-05T21:51:59.253Z", (1200001500, 1180001000, 1000200, 100050), (1500, 1000, 200, 50)),
    ))  # fmt: skip
    return path


@pytest.fixture
def forked_child_detects_thread_spawn_source_without_top_level_fork_id(tmp_path: Path) -> Path:
    """tokscale ``test_forked_child_detects_thread_spawn_source_without_top_level_fork_id``: only
    ``source.subagent.thread_spawn.parent_thread_id`` names the parent."""
    path = tmp_path / "rollout-child.jsonl"
    path.write_text(_lines(
        _meta("2026-05-05T21:51:57.991Z", "child-session", source=SPAWN),
        _count("2026-05-05T21:51:57.994Z", (300, 0, 30, 0), (300, 0, 30, 0)),
        _turn("2026-05-05T21:51:58.947Z"),
        _count("2026-05-05T21:51:58.948Z", (50, 0, 5, 0), (50, 0, 5, 0)),
        _count("2026-05-05T21:51:59.253Z", (310, 0, 32, 0), (10, 0, 2, 0)),
    ))  # fmt: skip
    return path


@pytest.fixture
def user_forked_child_counts_own_turn_after_parent_replay(tmp_path: Path) -> Path:
    """tokscale ``test_user_forked_child_counts_own_turn_after_parent_replay``: a user fork replays a parent
    turn whose UUID v7 ``turn_id`` was minted before the child's id; the child's own turn was not."""
    child, parent = "22222222-2222-7222-8222-222222222222", "11111111-1111-7111-8111-111111111111"
    path = tmp_path / "rollout-child.jsonl"
    path.write_text(_lines(
        _meta("2026-01-02T03:10:00.000Z", child, forked_from_id=parent, source="vscode", thread_source="user"),
        _meta("2026-01-02T03:10:00.001Z", parent, source="vscode", thread_source="user"),
        _turn("2026-01-02T03:10:00.100Z", turn_id="11111111-3333-7333-8333-333333333333"),
        _count("2026-01-02T03:10:00.200Z", (1000, 400, 100, 0), (1000, 400, 100, 0)),
        _turn("2026-01-02T03:10:30.100Z", turn_id="22222222-4444-7444-8444-444444444444"),
        _meta("2026-01-02T03:10:30.200Z", child, forked_from_id=parent, source="vscode", thread_source="user"),
        _count("2026-01-02T03:10:31.100Z", (1250, 450, 120, 0), (250, 50, 20, 0)),
    ))  # fmt: skip
    return path


def _codex_events(path: Path):
    return [(e.model, e.input_tokens, e.cache_read_tokens, e.output_tokens, e.reasoning_tokens)
            for e in codex.parse(path).events]  # fmt: skip


def test_a_spawned_child_counts_its_own_turn_only(forked_child_ignores_inherited_records_before_turn_context):
    # tokscale: input 500, cache read 1000, output 150 + reasoning 50 (tokledger: output includes reasoning)
    assert _codex_events(forked_child_ignores_inherited_records_before_turn_context) == [
        ("gpt-5.5", 500, 1000, 200, 50)
    ]


def test_replayed_parent_rows_after_the_first_turn_add_nothing(
    forked_child_ignores_replayed_parent_rows_after_turn_context,
):
    assert _codex_events(forked_child_ignores_replayed_parent_rows_after_turn_context) == [
        ("gpt-5.5", 10, 0, 2, 0)
    ]


def test_a_750m_token_replay_is_not_the_childs(
    forked_child_submit_cap_regression_skips_large_inherited_cache_replays,
):
    events = _codex_events(forked_child_submit_cap_regression_skips_large_inherited_cache_replays)
    assert events == [("gpt-5.5", 500, 1000, 200, 50)]


def test_thread_spawn_alone_marks_a_child(forked_child_detects_thread_spawn_source_without_top_level_fork_id):
    assert _codex_events(forked_child_detects_thread_spawn_source_without_top_level_fork_id) == [
        ("gpt-5.5", 10, 0, 2, 0)
    ]


def test_a_user_forks_replayed_turn_is_told_by_its_turn_id(
    user_forked_child_counts_own_turn_after_parent_replay,
):
    assert _codex_events(user_forked_child_counts_own_turn_after_parent_replay) == [
        ("gpt-5.5", 200, 50, 20, 0)
    ]


@pytest.fixture
def token_count_before_the_first_turn_context(tmp_path: Path) -> Path:
    """tokscale's ``pending_model_messages`` (``sessions/codex.rs``): a ``token_count`` written before any
    ``turn_context`` is given the model of the turn that follows, not a fallback."""
    path = tmp_path / "rollout-plain.jsonl"
    path.write_text(_lines(
        _meta("2026-05-05T10:00:00.000Z", "plain-session", cwd="/repo"),
        _count("2026-05-05T10:00:01.000Z", (100, 0, 10, 0), (100, 0, 10, 0)),
        _turn("2026-05-05T10:00:02.000Z", model="gpt-5.4"),
        _count("2026-05-05T10:00:03.000Z", (250, 100, 30, 5), (150, 100, 20, 5)),
    ))  # fmt: skip
    return path


def test_a_token_count_before_the_first_turn_takes_that_turns_model(
    token_count_before_the_first_turn_context,
):
    assert _codex_events(token_count_before_the_first_turn_context) == [("gpt-5.4", 100, 0, 10, 0),
                                                                        ("gpt-5.4", 50, 100, 20, 5)]  # fmt: skip


# -- OpenCode ----------------------------------------------------------------------------------------


def _message(created: int, out: int, **extra) -> str:
    return json.dumps({"role": "assistant", "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
                       "time": {"created": created, "completed": created + 4000}, "cost": 0.01,
                       "tokens": {"input": 10, "output": out, "reasoning": 0, "cache": {"read": 500, "write": 0}},
                       **extra})  # fmt: skip


@pytest.fixture
def opencode_session_fork(home: Path) -> Path:
    """OpenCode ``Session.fork`` (``packages/opencode/src/session/index.ts``): every message of the forked
    session is copied under a new ascending id into the new session, ``time``/``tokens``/``cost`` copied;
    the fork then has a message of its own. tokscale recognises the copies by fingerprint."""
    db = home / ".local/share/opencode/opencode.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, data TEXT)"
    )
    t = 1759413600000
    conn.executemany("INSERT INTO message VALUES (?, ?, ?, ?)", [
        ("msg_a01", "ses_orig", t, _message(t, 100)),
        ("msg_a02", "ses_orig", t + 10000, _message(t + 10000, 200)),
        ("msg_f01", "ses_fork", t, _message(t, 100)),  # the copies, minted at the fork
        ("msg_f02", "ses_fork", t + 10000, _message(t + 10000, 200)),
        ("msg_f03", "ses_fork", t + 90000, _message(t + 90000, 300)),  # the fork's own
    ])  # fmt: skip
    conn.commit()
    conn.close()
    return db


def test_an_opencode_fork_counts_its_copies_once_and_its_own_message(opencode_session_fork, ledger, home):
    events = {e.key: e for e in opencode.parse(opencode_session_fork).events}
    assert sorted(events) == ["msg_a01", "msg_a02", "msg_f03"]
    assert (events["msg_a01"].session_id, events["msg_f03"].session_id) == ("ses_orig", "ses_fork")
    sync_all(ledger, Env(home=home))
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens), SUM(logged_cost_pusd) FROM events").fetchone() == (
        3, 600, 3 * 10**10,
    )  # fmt: skip


# -- Qwen Code ---------------------------------------------------------------------------------------


@pytest.fixture
def qwen_openai_compatible_usage(tmp_path: Path) -> Path:
    """qwen-code's converter (``packages/core/src/core/openaiContentGenerator/converter.ts``): on the
    OpenAI-compatible path ``candidatesTokenCount`` = ``completion_tokens`` (reasoning included),
    ``thoughtsTokenCount`` = ``reasoning_tokens``, ``totalTokenCount`` = prompt + completion; the Gemini API
    itself counts thoughts beside the candidates."""
    path = tmp_path / "chat.jsonl"
    path.write_text(_lines(
        {"uuid": "u-openai", "sessionId": "q1", "timestamp": "2025-10-02T14:00:00Z", "type": "assistant",
         "model": "qwen3-coder-plus", "usageMetadata": {"promptTokenCount": 2000, "cachedContentTokenCount": 1500,
         "candidatesTokenCount": 800, "thoughtsTokenCount": 500, "totalTokenCount": 2800}},
        {"uuid": "u-gemini", "sessionId": "q1", "timestamp": "2025-10-02T14:01:00Z", "type": "assistant",
         "model": "gemini-2.5-pro", "usageMetadata": {"promptTokenCount": 2000, "candidatesTokenCount": 300,
         "thoughtsTokenCount": 500, "totalTokenCount": 2800}},
    ))  # fmt: skip
    return path


def test_qwen_thoughts_are_not_added_twice_on_the_openai_path(qwen_openai_compatible_usage):
    events = {e.key: (e.input_tokens, e.cache_read_tokens, e.output_tokens, e.reasoning_tokens)
              for e in qwen.parse(qwen_openai_compatible_usage).events}  # fmt: skip
    assert events == {"u-openai": (500, 1500, 800, 500), "u-gemini": (2000, 0, 800, 500)}


# -- Amp ---------------------------------------------------------------------------------------------


@pytest.fixture
def amp_reads_usage_from_messages_when_ledger_is_missing(tmp_path: Path) -> Path:
    """ccusage's Amp parser test ``reads_usage_from_messages_when_ledger_is_missing``: two assistant
    messages without ``messageId`` and no ``usageLedger``; both count."""
    path = tmp_path / "T-thread-a.json"
    path.write_text(json.dumps({"id": "T-thread-a", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "usage": {"model": "claude-haiku-4-5-20251001", "inputTokens": 10, "outputTokens": 178,
         "cacheCreationInputTokens": 986, "cacheReadInputTokens": 11372, "totalInputTokens": 12368,
         "timestamp": "2026-01-19T11:42:10.652Z"}},
        {"role": "assistant", "usage": {"model": "claude-haiku-4-5-20251001", "inputTokens": 5, "outputTokens": 42,
         "cacheCreationInputTokens": 0, "cacheReadInputTokens": 12000, "timestamp": "2026-01-19T11:43:00.000Z"}},
    ]}))  # fmt: skip
    return path


def test_amp_messages_without_an_id_each_count(amp_reads_usage_from_messages_when_ledger_is_missing):
    events = amp.parse(amp_reads_usage_from_messages_when_ledger_is_missing).events
    assert [(e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_read_tokens) for e in events] == [
        (10, 178, 986, 11372), (5, 42, 0, 12000),
    ]  # fmt: skip
    assert len({e.key for e in events}) == 2


@pytest.fixture
def amp_total_only_event(tmp_path: Path) -> Path:
    """ccusage's ``falls_back_to_total_tokens_when_amp_parts_are_missing``: a ledger event with only
    ``tokens.total`` (ccusage books it all as output); tokledger cannot split it and counts it skipped."""
    path = tmp_path / "thread.json"
    path.write_text(json.dumps({"id": "thread-a", "usageLedger": {"events": [
        {"id": "event-a", "timestamp": "2026-01-02T00:00:00.000Z", "model": "gpt-5", "tokens": {"total": 345}},
        {"id": "event-b", "timestamp": "2026-01-02T00:01:00.000Z", "model": "gpt-5", "tokens": {"input": 1, "output": 2}},
    ]}}))  # fmt: skip
    return path


def test_total_only_records_are_counted_with_their_reason(amp_total_only_event, tmp_path):
    result = amp.parse(amp_total_only_event)
    assert [e.key for e in result.events] == ["thread-a:event:event-b"]
    assert result.reasons == {"only a total": 1}
    chat = tmp_path / "session-2026-01-02T00-00-g1.json"
    chat.write_text(json.dumps({"sessionId": "g1", "messages": [
        {"id": "m1", "type": "gemini", "timestamp": "2026-01-02T00:00:00Z", "tokens": {"total": 99}}]}))  # fmt: skip
    assert gemini.parse(chat).reasons == {"only a total": 1}
    message = tmp_path / "storage/message/ses_1/msg_1.json"
    message.parent.mkdir(parents=True)
    message.write_text(json.dumps({"id": "msg_1", "sessionID": "ses_1", "role": "assistant",
                                   "time": {"created": 1767312000000}, "tokens": {"total": 77}}))  # fmt: skip
    assert opencode.parse(message).reasons == {"only a total": 1}


# -- Goose -------------------------------------------------------------------------------------------


@pytest.fixture
def goose_anthropic_session(home: Path) -> Path:
    """goose's Anthropic format code (``get_usage`` in ``crates/goose/src/providers/formats/anthropic.rs``)
    sets a call's input to input + cache creation + cache read, and the session keeps only the sum."""
    db = home / ".local/share/goose/sessions/sessions.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE sessions (id TEXT, created_at TEXT, provider_name TEXT, model_config_json TEXT,"
                 " accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER)")  # fmt: skip
    # input 10 + cache creation 2000 + cache read 48000, as goose adds them up
    conn.execute("INSERT INTO sessions VALUES ('20251002_1', '2025-10-02 14:00:00', 'anthropic',"
                 " '{\"model_name\": \"claude-sonnet-4-5\"}', 50010, 700)")  # fmt: skip
    conn.commit()
    conn.close()
    return db


def test_goose_input_holds_the_cache_and_the_source_says_estimated(goose_anthropic_session):
    [e] = goose.parse(goose_anthropic_session).events
    assert (e.input_tokens, e.cache_read_tokens, e.cache_write_tokens, e.output_tokens) == (50010, 0, 0, 700)
    assert goose.SOURCE.accuracy == "estimated" and "anthropic.rs" in goose.__doc__
