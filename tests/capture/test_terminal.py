"""Parsing the usage summaries CLIs print (recorded shapes in fixtures/capture/)."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tokledger.capture.terminal import Summary, parse_screen


def screen(name: str) -> str:
    return (FIXTURES / "capture" / name).read_text()


def test_gemini_exit_summary_with_cache_column():
    rows = parse_screen(screen("gemini_exit.txt"))
    session = "4e58442b-86ca-4257-95a1-ac9eb0a331eb"
    assert [(r.model, r.input_tokens, r.cache_read_tokens, r.output_tokens, r.session) for r in rows] == [
        ("gemini-2.5-flash-lite", 39_574, 0, 2_104, session),
        ("gemini-2.5-pro", 1_455_668, 12_368_750, 54_844, session),
    ]


def test_old_gemini_table_counts_cache_inside_input():
    [row] = parse_screen(screen("gemini_stats_old.txt"))
    assert (row.input_tokens, row.cache_read_tokens, row.output_tokens) == (
        446_189 - 371_744,
        371_744,
        11_835,
    )
    assert row.session is None


def test_codex_exit_line_with_model_from_the_header_and_session_from_resume():
    [row] = parse_screen(screen("codex_exit.txt"))
    assert row == Summary("codex", "gpt-5-codex", 12_004, 468, 35_840, 192,
                          "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", row.line)  # fmt: skip


def test_agent_deck_patterns():
    rows = parse_screen(screen("agent_deck_lines.txt"))
    assert [(r.tool, r.model, r.input_tokens, r.output_tokens) for r in rows] == [
        ("codex", "gpt-5-codex", 12_345, 678), ("gemini", "unknown", 48_210, 615),
        ("minimax", "MiniMax-M2.7", 1_234, 567),
    ]  # fmt: skip
    assert [r.tool for r in parse_screen(screen("agent_deck_lines.txt"), ("minimax",))] == ["minimax"]


def test_noise_and_out_of_range_numbers_give_nothing():
    assert parse_screen("$ ls\nREADME.md\nToken usage: n/a\n") == []
    assert parse_screen("MiniMax usage: 9,999,999,999,999 input tokens, 1 output tokens (m)") == []
