"""Claude Code transcripts: one fixture per quirk, exact events expected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, install_fixture, sync_all, ts
from tokledger.env import Env
from tokledger.sources import claude_code

CC = FIXTURES / "claude_code"
PROJECT_DIR = ".claude/projects/-home-dev-acme-api"


def by_key(events):
    return {e.key: e for e in events}


def test_streaming_response_counts_once_with_final_output_and_earliest_time():
    result = claude_code.parse(CC / "streaming_multiline.jsonl")
    events = by_key(result.events)
    assert set(events) == {"msg_01A", "msg_01B"}
    a = events["msg_01A"]
    assert (a.input_tokens, a.output_tokens, a.cache_write_tokens, a.cache_write_1h_tokens, a.cache_read_tokens) == (
        12, 512, 2048, 0, 51200)  # fmt: skip
    assert a.timestamp == ts("2025-10-02T14:03:11.482Z")
    assert a.request_id == "req_01A"
    assert a.session_id == "sess-a" and a.project == "/home/dev/acme-api" and a.git_branch == "main"
    assert a.model == "claude-sonnet-4-5-20250929" and a.reasoning_tokens == 0
    assert result.skipped == 0


def test_partial_streaming_lines_in_two_reads_merge_in_the_ledger(tmp_path, ledger, env, home):
    """The first read sees only the partial line; the appended final line must raise output, not add."""
    lines = (CC / "streaming_multiline.jsonl").read_text().splitlines(keepends=True)
    target = home / PROJECT_DIR / "sess-a.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("".join(lines[:2]))
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT output_tokens FROM events").fetchall() == [(3,)]
    with target.open("a") as f:
        f.write("".join(lines[2:]))
    report = sync_all(ledger, env)
    assert [f.action for f in report.files] == ["appended"]
    rows = ledger.conn.execute(
        "SELECT event_key, output_tokens, ts FROM events ORDER BY event_key"
    ).fetchall()
    assert rows == [("msg_01A", 512, 1759413791482), ("msg_01B", 120, 1759413900000)]


def test_resumed_session_copy_adds_nothing_and_stays_with_original_session(ledger, home):
    install_fixture(home, "claude_code", "resumed_copy", ".claude/projects")
    sync_all(ledger, Env(home=home))
    rows = ledger.conn.execute(
        "SELECT event_key, session_id, input_tokens, output_tokens FROM events ORDER BY event_key"
    ).fetchall()
    assert rows == [
        ("msg_02A", "sess-b", 100, 200),
        ("msg_02B", "sess-b", 50, 80),
        ("msg_02C", "sess-c", 30, 60),
    ]


@pytest.mark.parametrize("order", ["copy first", "original first"])
def test_resumed_copy_attribution_independent_of_read_order(order):
    from tokledger.events import merge

    orig = by_key(claude_code.parse(CC / "resumed_copy/-home-dev-acme-api/sess-b.jsonl").events)["msg_02A"]
    copy = by_key(claude_code.parse(CC / "resumed_copy/-home-dev-acme-api/sess-c.jsonl").events)["msg_02A"]
    merged = merge(copy, orig) if order == "copy first" else merge(orig, copy)
    assert merged.output_tokens == 200
    assert merged.timestamp == ts("2025-10-03T09:00:00Z")


def test_subagents_in_both_layouts_count_and_roll_into_parent_session(ledger, home):
    install_fixture(home, "claude_code", "subagents", ".claude/projects")
    report = sync_all(ledger, Env(home=home))
    assert report.sources["claude_code"].files == 3
    rows = ledger.conn.execute(
        "SELECT event_key, session_id, output_tokens, is_primary FROM events ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("msg_03A", "sess-d", 100, 1),
        ("msg_03B", "sess-d", 200, 0),
        ("msg_03C", "sess-d", 300, 0),
    ]


def test_sidechain_replay_of_parent_message_adds_nothing(ledger, home):
    install_fixture(home, "claude_code", "sidechain_replay", ".claude/projects")
    sync_all(ledger, Env(home=home))
    rows = ledger.conn.execute(
        "SELECT event_key, request_id, cache_read_tokens, output_tokens FROM events ORDER BY 1"
    ).fetchall()
    assert rows == [("msg_04A", "req_04A", 1000, 50), ("msg_04B", "req_04B", 0, 70)]


def test_sidechain_replay_read_before_parent_is_replaced_by_parent(tmp_path):
    from tokledger.events import merge

    side = by_key(
        claude_code.parse(CC / "sidechain_replay/-home-dev-acme-api/sess-e/subagents/agent-btw.jsonl").events
    )["msg_04A"]
    parent = by_key(claude_code.parse(CC / "sidechain_replay/-home-dev-acme-api/sess-e.jsonl").events)[
        "msg_04A"
    ]
    assert merge(side, parent) == parent
    assert merge(parent, side) == parent


def test_synthetic_lines_are_ignored():
    events = claude_code.parse(CC / "synthetic.jsonl").events
    assert [e.key for e in events] == ["msg_05A"]


def test_one_hour_cache_writes_kept_apart_and_old_lines_use_the_flat_total():
    events = by_key(claude_code.parse(CC / "cache_1h.jsonl").events)
    assert (events["msg_06A"].cache_write_tokens, events["msg_06A"].cache_write_1h_tokens) == (5000, 4000)
    assert (events["msg_06B"].cache_write_tokens, events["msg_06B"].cache_write_1h_tokens) == (3000, 0)


def test_garbage_lines_are_skipped_and_counted_never_fatal():
    result = claude_code.parse(CC / "garbage.jsonl")
    # truncated record, invalid UTF-8, not JSON, wrong type, negative count, no timestamp
    assert result.skipped == 6
    events = by_key(result.events)
    assert set(events) == {"msg_Z1", "msg_Z5"}  # spaced JSON is read; a null count is 0
    assert events["msg_Z1"].cache_read_tokens == 0
    data = (CC / "garbage.jsonl").read_bytes()
    assert result.end_offset == data.rfind(b"\n") + 1  # the unterminated last line is left for next time


def test_line_over_one_megabyte_is_read_without_breaking_the_file(tmp_path):
    path = tmp_path / "big.jsonl"
    big = (
        b'{"type":"user","timestamp":"2025-10-12T08:00:00Z","toolUseResult":{"stdout":"'
        + b"x" * 3_000_000
        + b'"}}'
    )
    good = (CC / "streaming_multiline.jsonl").read_bytes()
    path.write_bytes(big + b"\n" + good)
    result = claude_code.parse(path)
    assert {e.key for e in result.events} == {"msg_01A", "msg_01B"}
    assert result.skipped == 0


def test_unterminated_whole_last_line_counts_and_is_not_counted_twice(tmp_path, ledger, home):
    target = home / PROJECT_DIR / "s.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes((CC / "synthetic.jsonl").read_bytes().rstrip(b"\n"))
    env = Env(home=home)
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (1, 2)
    with target.open("ab") as f:
        f.write(b"\n")
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (1, 2)


def test_logged_cost_is_kept():
    events = by_key(claude_code.parse(CC / "logged_cost.jsonl").events)
    assert events["msg_10A"].logged_cost_usd == Decimal("0.5")
    assert events["msg_10B"].logged_cost_usd is None


def test_project_and_session_fall_back_to_the_path(tmp_path):
    path = tmp_path / "projects" / "-home-dev-tool" / "sess-q.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"type":"assistant","timestamp":"2025-10-02T00:00:00Z","message":{"id":"m1","model":"x",'
                    '"usage":{"input_tokens":1,"output_tokens":1}}}\n')  # fmt: skip
    event = claude_code.parse(path).events[0]
    assert (event.project, event.session_id) == ("/home/dev/tool", "sess-q")


def test_roots_default_to_both_config_dirs_and_dedupe_symlinks(home):
    for base in (".claude", ".config/claude"):
        install_fixture(home, "claude_code", "streaming_multiline.jsonl", f"{base}/projects/-p/a.jsonl")
    (home / "linked").symlink_to(home / ".claude")
    both = claude_code.discover(Env(home=home))
    assert len(both.files) == 2
    env = Env(home=home, environ={"CLAUDE_CONFIG_DIR": f"{home}/.claude, ~/linked ,{home}/nothing"})
    found = claude_code.discover(env)
    assert len(found.files) == 1
    assert found.notices == [f"CLAUDE_CONFIG_DIR entry {home}/nothing has no projects/ directory"]


def test_config_dir_entry_may_be_the_projects_dir_itself(home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", "data/projects/-p/a.jsonl")
    found = claude_code.discover(Env(home=home, environ={"CLAUDE_CONFIG_DIR": str(home / "data/projects")}))
    assert [Path(p).name for p in found.files] == ["a.jsonl"]


def test_missing_roots_are_not_an_error(home):
    found = claude_code.discover(Env(home=home))
    assert found.files == [] and found.notices == []
    assert [p.name for p in found.roots] == ["claude", ".claude"]


def test_keys_are_stable_across_parses():
    for path in sorted(CC.rglob("*.jsonl")):
        first = [e.key for e in claude_code.parse(path).events]
        assert first == [e.key for e in claude_code.parse(path).events]
        assert len(first) == len(set(first))


def test_docstring_documents_the_format():
    doc = claude_code.__doc__
    for needle in ("CLAUDE_CONFIG_DIR", "message.id", "ephemeral_1h_input_tokens", "<synthetic>", "#913"):
        assert needle in doc


def test_reads_from_an_offset(tmp_path):
    data = (CC / "streaming_multiline.jsonl").read_bytes()
    cut = data.index(b"\n", data.index(b"msg_01A")) + 1
    rest = claude_code.parse(CC / "streaming_multiline.jsonl", cut)
    assert rest.end_offset == len(data)
    assert {e.key: e.output_tokens for e in rest.events} == {"msg_01A": 512, "msg_01B": 120}
    assert Path(CC / "streaming_multiline.jsonl").stat().st_size == len(data)


def test_unlistable_root_is_a_one_line_notice(home, monkeypatch):
    import os as _os

    install_fixture(home, "claude_code", "streaming_multiline.jsonl", ".claude/projects/-p/a.jsonl")
    real_scandir = _os.scandir

    def scandir(path):
        if str(path).endswith("projects"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(_os, "scandir", scandir)
    found = claude_code.discover(Env(home=home))
    assert found.files == []
    assert found.notices == [f"cannot list {home}/.claude/projects: Permission denied"]
