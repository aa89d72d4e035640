"""Qwen Code chat recordings: cache inside the prompt, thoughts as output, /branch copies."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES, install_fixture, sync_all, ts
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import qwen

QW = FIXTURES / "qwen"
CHATS = ".qwen/projects/-home-dev-acme-api/chats"


def test_cached_prompt_tokens_are_subtracted_and_thoughts_are_output():
    result = qwen.parse(QW / "cache_in_prompt.jsonl")
    assert result.events == [
        UsageEvent(source="qwen", key="q-a1", timestamp=ts("2025-10-02T14:09:12.300Z"), model="qwen3-coder-plus",
                   input_tokens=5000, cache_read_tokens=16000, output_tokens=470, reasoning_tokens=120,
                   session_id="qs-1", project="/home/dev/acme-api", git_branch="main"),
        # toolUsePromptTokenCount is prompt input too; no cache reported means no cache.
        UsageEvent(source="qwen", key="q-a2", timestamp=ts("2025-10-02T14:09:20Z"), model="qwen3-coder-plus",
                   input_tokens=930, output_tokens=50, session_id="qs-1", project="/home/dev/acme-api",
                   git_branch="main"),
    ]  # fmt: skip
    assert result.skipped == 0


def test_branch_copies_count_once_and_stay_with_the_original_session(ledger, env, home):
    install_fixture(home, "qwen", "branch_copy", ".qwen/projects")
    sync_all(ledger, env)
    rows = ledger.conn.execute(
        "SELECT event_key, session_id, input_tokens, cache_read_tokens, output_tokens FROM events ORDER BY event_key"
    ).fetchall()
    assert rows == [("b-a1", "qs-1", 3000, 1000, 200), ("b-a2", "qs-2", 1000, 4000, 80)]


def test_branch_copy_read_first_still_yields_to_the_original(ledger, home):
    """The branch file alone counts its copy once; when the original appears later, it takes the call."""
    copied = "SELECT session_id FROM events WHERE event_key = 'b-a1'"
    install_fixture(home, "qwen", "branch_copy/-home-dev-acme-api/chats/qs-2.jsonl", f"{CHATS}/qs-2.jsonl")
    sync_all(ledger, Env(home=home))
    assert ledger.conn.execute(copied).fetchall() == [("qs-2",)]
    install_fixture(home, "qwen", "branch_copy/-home-dev-acme-api/chats/qs-1.jsonl", f"{CHATS}/qs-1.jsonl")
    sync_all(ledger, Env(home=home))
    assert ledger.conn.execute(copied).fetchall() == [("qs-1",)]
    assert ledger.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (2,)


def test_malformed_lines_are_skipped_and_counted():
    result = qwen.parse(QW / "garbage.jsonl")
    assert [e.key for e in result.events] == ["g-a1"]
    # truncated JSON, no timestamp, negative count, a string count, invalid UTF-8
    assert result.skipped == 5


def test_appended_records_are_read_from_the_checkpoint(ledger, env, home):
    lines = (QW / "cache_in_prompt.jsonl").read_text().splitlines(keepends=True)
    target = home / CHATS / "qs-1.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("".join(lines[:2]))
    sync_all(ledger, env)
    with target.open("a") as f:
        f.write("".join(lines[2:]))
    report = sync_all(ledger, env)
    assert [f.action for f in report.files] == ["appended"]
    assert ledger.conn.execute("SELECT COUNT(*), SUM(input_tokens) FROM events").fetchone() == (2, 5930)


def test_runtime_dir_overrides_qwen_home_which_overrides_the_default(home, tmp_path):
    runtime, qhome = tmp_path / "rt", tmp_path / "qh"
    install_fixture(runtime, "qwen", "cache_in_prompt.jsonl", "projects/-p/chats/a.jsonl")
    install_fixture(qhome, "qwen", "cache_in_prompt.jsonl", "projects/-p/chats/b.jsonl")
    both = Env(home=home, environ={"QWEN_RUNTIME_DIR": str(runtime), "QWEN_HOME": str(qhome)})
    assert [Path(p).name for p in qwen.discover(both).files] == ["a.jsonl"]
    only_home = Env(home=home, environ={"QWEN_HOME": str(qhome)})
    assert [Path(p).name for p in qwen.discover(only_home).files] == ["b.jsonl"]
    assert qwen.discover(Env(home=home)).roots == [home / ".qwen" / "projects"]
