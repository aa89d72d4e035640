"""Copilot CLI OpenTelemetry export: chat spans only, cache inside input, numbers as strings."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FIXTURES, install_fixture, sync_all
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import copilot_cli

CO = FIXTURES / "copilot_cli"


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_chat_spans_count_and_agent_tool_log_and_metric_records_do_not():
    result = copilot_cli.parse(CO / "chat_spans.jsonl")
    assert result.events == [
        # 19452 input includes 15000 cache reads and 4000 cache writes.
        UsageEvent(source="copilot_cli", key="tr01:sp-chat-1", timestamp=at(1759413660.25),
                   model="claude-sonnet-4.5", input_tokens=452, output_tokens=281, cache_write_tokens=4000,
                   cache_read_tokens=15000, reasoning_tokens=128, session_id="conv-1", provider="anthropic"),
        # Counts as strings, underscore cache attribute, request model when no response model.
        UsageEvent(source="copilot_cli", key="tr01:sp-chat-2", timestamp=at(1759413667), model="gpt-5",
                   input_tokens=200, output_tokens=90, cache_read_tokens=1000, reasoning_tokens=64,
                   session_id="conv-1"),
    ]  # fmt: skip
    assert result.skipped == 0


def test_cache_writes_outside_input_are_not_subtracted_twice():
    first, second = copilot_cli.parse(CO / "cache_write_outside_input.jsonl").events
    # 21881 + 1397 > 23000: the writes cannot be part of the input, only the reads are.
    assert (first.input_tokens, first.cache_read_tokens, first.cache_write_tokens) == (1119, 21881, 1397)
    # spanContext ids, no end time; reasoning larger than output is capped at output.
    assert (second.key, second.timestamp, second.input_tokens) == ("tr02:sp-2", at(1759500010.5), 0)
    assert (second.output_tokens, second.reasoning_tokens) == (5, 5)


def test_malformed_spans_are_skipped_and_counted():
    result = copilot_cli.parse(CO / "garbage.jsonl")
    assert [e.key for e in result.events] == ["tr03:sp-ok"]
    assert result.skipped == 4  # truncated, no span id, negative count, non-numeric count


def test_exporter_file_from_the_environment_and_the_default_directory(ledger, home, tmp_path):
    install_fixture(home, "copilot_cli", "chat_spans.jsonl", ".copilot/otel/copilot-1.jsonl")
    extra = install_fixture(tmp_path, "copilot_cli", "cache_write_outside_input.jsonl", "elsewhere/t.jsonl")
    env = Env(home=home, environ={"COPILOT_OTEL_FILE_EXPORTER_PATH": str(extra)})
    assert [p.name for p in copilot_cli.discover(env).files] == ["copilot-1.jsonl", "t.jsonl"]
    sync_all(ledger, env)
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*) FROM events WHERE source = 'copilot_cli'").fetchone() == (4,)
