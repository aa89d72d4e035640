"""Codex CLI rollouts: one fixture per quirk, exact events expected."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import FIXTURES, install_fixture, ms, sync_all, tokens, ts
from tokledger.env import Env
from tokledger.events import merge
from tokledger.sources import SOURCES, codex

CX = FIXTURES / "codex"
DAY_DIR = ".codex/sessions/2025/10/02"


def ledger_rows(ledger):
    return ledger.conn.execute(
        "SELECT event_key, session_id, ts, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens, model"
        " FROM events WHERE source = 'codex' ORDER BY ts"
    ).fetchall()


def test_last_token_usage_else_delta_of_totals():
    result = codex.parse(CX / "last_vs_total.jsonl")
    assert tokens(result.events) == {
        "sess-last:total:9000:6000:300:128": (3000, 6000, 300, 128, "gpt-5-codex", ts("2025-10-02T14:05:09.871Z")),
        # no last_token_usage: the difference of the cumulative totals
        "sess-last:total:24000:18000:900:512": (3000, 12000, 600, 384, "gpt-5-codex", ts("2025-10-02T14:06:00Z")),
        "sess-last:total:40000:30000:1500:700": (4000, 12000, 600, 188, "gpt-5-codex", ts("2025-10-02T14:07:00Z")),
    }  # fmt: skip
    e = result.events[0]
    assert (e.session_id, e.project, e.git_branch, e.provider) == (
        "sess-last",
        "/home/dev/acme-api",
        "main",
        "openai",
    )
    assert e.cache_write_tokens == 0 and result.skipped == 0


def test_unchanged_total_reemits_add_nothing():
    result = codex.parse(CX / "unchanged_total.jsonl")
    assert tokens(result.events) == {
        "sess-reemit:total:12000:10000:400:200": (2000, 10000, 400, 200, "gpt-5-codex", ts("2025-10-02T15:00:10Z")),
        "sess-reemit:total:26000:22000:700:300": (2000, 12000, 300, 100, "gpt-5-codex", ts("2025-10-02T15:02:20Z")),
    }  # fmt: skip


def test_info_null_events_add_nothing():
    result = codex.parse(CX / "info_null.jsonl")
    assert tokens(result.events) == {
        "sess-null:total:5000:0:250:64": (5000, 0, 250, 64, "gpt-5-codex", ts("2025-10-02T16:00:30Z")),
    }  # fmt: skip
    assert result.skipped == 0


def test_model_switches_mid_session_through_every_model_field():
    result = codex.parse(CX / "model_switch.jsonl")
    got = {key: value[4] for key, value in tokens(result.events).items()}
    assert got == {
        "sess-switch:total:8000:0:100:0": "gpt-5-codex",
        "sess-switch:total:17000:8000:300:100": "gpt-5",
        "sess-switch:total:27000:17000:400:150": "gpt-5.1-codex",  # turn_context.model_name
        "sess-switch:total:38000:27000:450:150": "gpt-5-codex",  # turn_context.metadata.model
    }


def test_cached_inside_input_and_reasoning_inside_output():
    result = codex.parse(CX / "cached_reasoning_inside.jsonl")
    assert tokens(result.events) == {
        # 12,000 input of which 9,000 cached; 900 output of which 600 reasoning
        "sess-inside:total:12000:9000:900:600": (3000, 9000, 900, 600, "gpt-5-codex", ts("2025-10-02T18:00:10Z")),
        # a cached count above the input is clamped, and reasoning never exceeds output
        "sess-inside:total:13000:10500:950:700": (0, 1000, 50, 50, "gpt-5-codex", ts("2025-10-02T18:00:20Z")),
    }  # fmt: skip
    for e in result.events:
        assert e.total_tokens == e.input_tokens + e.cache_read_tokens + e.output_tokens


def test_usage_field_aliases():
    result = codex.parse(CX / "field_aliases.jsonl")
    assert tokens(result.events) == {
        "sess-alias:total:7000:2000:150:50": (5000, 2000, 150, 50, "gpt-5-codex", ts("2025-10-02T19:00:10Z")),
        "sess-alias:total:10000:3000:230:50": (2000, 1000, 80, 0, "gpt-5-codex", ts("2025-10-02T19:00:20Z")),
    }  # fmt: skip


def test_stale_snapshot_skipped_and_counter_reset_counted():
    result = codex.parse(CX / "total_regression.jsonl")
    assert tokens(result.events) == {
        "sess-regress:total:50000:40000:1000:300": (10000, 40000, 1000, 300, "gpt-5-codex", ts("2025-10-02T21:00:10Z")),
        "sess-regress:total:60000:50000:1200:400": (0, 10000, 200, 100, "gpt-5-codex", ts("2025-10-02T21:01:10Z")),
        # 59,500 after 60,000 was a stale snapshot; 70,000 is measured from 60,000
        "sess-regress:total:70000:60000:1400:450": (0, 10000, 200, 50, "gpt-5-codex", ts("2025-10-02T21:02:10Z")),
        # a drop to 3,000 is a reset of the counters: the increment counts
        "sess-regress:total:3000:0:100:20": (3000, 0, 100, 20, "gpt-5-codex", ts("2025-10-02T21:30:00Z")),
    }  # fmt: skip


def test_malformed_lines_are_skipped_and_counted_and_a_partial_tail_is_not_consumed():
    path = CX / "malformed.jsonl"
    result = codex.parse(path)
    assert tokens(result.events) == {
        "sess-bad:total:6000:2000:100:0": (4000, 2000, 100, 0, "gpt-5-codex", ts("2025-10-02T22:00:10Z")),
        # measured from the last valid total: the broken lines in between change nothing
        "sess-bad:total:9000:3000:300:0": (2000, 1000, 200, 0, "gpt-5-codex", ts("2025-10-02T22:01:00Z")),
    }  # fmt: skip
    # truncated JSON, a string count, a negative count; the broken response_item carries no usage
    assert result.skipped == 3
    data = path.read_bytes()
    assert result.end_offset == data.rindex(b"\n") + 1


def test_session_without_model_is_recorded_unknown_and_unpriced(ledger, home):
    install_fixture(
        home, "codex", "no_model.jsonl", f"{DAY_DIR}/rollout-2025-10-02T20-00-00-sess-nomodel.jsonl"
    )
    sync_all(ledger, Env(home=home))
    rows = ledger.conn.execute("SELECT model, input_tokens, cost_pusd FROM events").fetchall()
    assert rows == [("unknown", 3000, None)]


def test_archived_and_active_copy_read_once(ledger, home):
    install_fixture(home, "codex", "archived_duplicate", ".codex")
    found = codex.discover(Env(home=home))
    assert sorted(p.relative_to(home / ".codex").as_posix() for p in found.files) == [
        "archived_sessions/rollout-2025-09-30T08-00-00-sess-old.jsonl",
        "sessions/2025/10/01/rollout-2025-10-01T09-00-00-sess-arch.jsonl",
    ]
    sync_all(ledger, Env(home=home))
    assert ledger_rows(ledger) == [
        ("sess-old:total:3000:0:50:0", "sess-old", ms("2025-09-30T08:00:10Z"), 3000, 0, 50, 0, "gpt-5"),
        (
            "sess-arch:total:7000:5000:100:0",
            "sess-arch",
            ms("2025-10-01T09:00:10Z"),
            2000,
            5000,
            100,
            0,
            "gpt-5-codex",
        ),
    ]


def test_codex_home_list_same_session_in_two_homes_counts_once(ledger, tmp_path):
    home = tmp_path / "h"
    install_fixture(home, "codex", "archived_duplicate/sessions", "a/sessions")
    install_fixture(home, "codex", "archived_duplicate/sessions", "b/sessions")
    install_fixture(home, "codex", "archived_duplicate/archived_sessions", "b/archived_sessions")
    env = Env(home=home, environ={"CODEX_HOME": f"{home}/a, ~/b,~/missing"})
    report = sync_all(ledger, env)
    assert report.sources["codex"].files == 3  # both active copies; the archived one of the same name is not
    missing = f"CODEX_HOME entry {home}/missing has no sessions/ or archived_sessions/ directory"
    assert report.sources["codex"].notices == [missing]
    assert [r[0] for r in ledger_rows(ledger)] == [
        "sess-old:total:3000:0:50:0",
        "sess-arch:total:7000:5000:100:0",
    ]


FORK_EXPECTED = [
    ("sess-parent:total:10000:8000:200:100", "sess-parent", ms("2025-10-02T10:00:10Z"), 2000, 8000, 200, 100,
     "gpt-5-codex"),
    ("sess-parent:total:22000:18000:500:250", "sess-parent", ms("2025-10-02T10:01:10Z"), 2000, 10000, 300, 150,
     "gpt-5-codex"),
    ("sess-parent:total:36000:30000:700:320", "sess-fork", ms("2025-10-02T10:25:10Z"), 2000, 12000, 200, 70,
     "gpt-5-codex"),
    ("sess-parent:total:40000:33000:900:400", "sess-sub", ms("2025-10-02T10:27:30Z"), 1000, 3000, 200, 80,
     "gpt-5-codex"),
    ("sess-parent:total:35000:28000:800:300", "sess-parent", ms("2025-10-02T10:30:10Z"), 3000, 10000, 300, 50,
     "gpt-5-codex"),
]  # fmt: skip


@pytest.mark.parametrize("order", ["parent first", "children first"])
def test_fork_and_spawned_subagent_replays_count_once_with_the_original(ledger, home, order):
    """Each child re-stamps its ancestors' token_count events to its own start; they must collide."""
    install_fixture(home, "codex", "forked_replay", ".codex")
    day = home / DAY_DIR
    files = sorted(day.iterdir())
    if order == "children first":
        parent = files[0]
        hidden = parent.with_name("hidden")
        parent.rename(hidden)
        sync_all(ledger, Env(home=home))
        hidden.rename(parent)
    sync_all(ledger, Env(home=home))
    assert ledger_rows(ledger) == FORK_EXPECTED


def test_fork_without_its_parent_counts_only_its_own_turns(ledger, home):
    """The replay is written in one burst at the fork instant: its turns and token counts are inherited."""
    install_fixture(home, "codex", "forked_replay/sessions/2025/10/02/rollout-2025-10-02T10-20-00-sess-fork.jsonl",
                    f"{DAY_DIR}/rollout-2025-10-02T10-20-00-sess-fork.jsonl")  # fmt: skip
    sync_all(ledger, Env(home=home))
    assert ledger_rows(ledger) == [
        ("sess-parent:total:36000:30000:700:320", "sess-fork", ms("2025-10-02T10:25:10Z"), 2000, 12000, 200, 70,
         "gpt-5-codex"),
    ]  # fmt: skip


def test_incremental_append_needs_the_state_of_earlier_lines(ledger, home):
    lines = (CX / "incremental.jsonl").read_bytes().splitlines(keepends=True)
    target = home / ".codex/sessions/2025/10/03/rollout-2025-10-03T08-00-00-sess-incr.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"".join(lines[:4]))
    sync_all(ledger, Env(home=home))
    with target.open("ab") as f:
        f.write(b"".join(lines[4:]))
    report = sync_all(ledger, Env(home=home))
    assert [f.action for f in report.files if f.source == "codex"] == ["appended"]
    assert ledger_rows(ledger) == [
        ("sess-incr:total:10000:8000:200:50", "sess-incr", ms("2025-10-03T08:00:10Z"), 2000, 8000, 200, 50,
         "gpt-5-codex"),
        # no last_token_usage: the delta needs the total read before the offset; the model too
        ("sess-incr:total:21000:17000:450:120", "sess-incr", ms("2025-10-03T08:05:00Z"), 2000, 9000, 250, 70,
         "gpt-5-codex"),
        ("sess-incr:total:33000:27000:600:170", "sess-incr", ms("2025-10-03T08:06:10Z"), 2000, 10000, 150, 50,
         "gpt-5"),
    ]  # fmt: skip
    assert ledger.conn.execute("SELECT events FROM files WHERE source = 'codex'").fetchall() == [(3,)]
    assert sync_all(ledger, Env(home=home)).changed is False


@pytest.mark.parametrize("case", ["forked_replay/sessions/2025/10/02/rollout-2025-10-02T10-26-00-sess-sub.jsonl",
                                  "incremental.jsonl", "total_regression.jsonl"])  # fmt: skip
def test_reading_in_two_parts_equals_reading_whole_at_every_line_boundary(tmp_path, case):
    data = (CX / case).read_bytes()
    whole = tokens(codex.parse(CX / case).events)
    target = tmp_path / "rollout.jsonl"
    for offset in [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]:
        target.write_bytes(data[:offset])
        head = codex.parse(target)
        assert head.end_offset == offset
        target.write_bytes(data)
        merged = {e.key: e for e in head.events}
        for e in codex.parse(target, offset).events:
            merged[e.key] = merge(merged[e.key], e) if e.key in merged else e
        assert tokens(merged.values()) == whole, offset


def test_keys_are_stable_across_reads_and_copies(tmp_path):
    src = CX / "last_vs_total.jsonl"
    copy = tmp_path / "rollout-copy.jsonl"
    shutil.copyfile(src, copy)
    assert tokens(codex.parse(src).events) == tokens(codex.parse(copy).events)


def test_registered_and_selectable(run_cli, home):
    install_fixture(
        home, "codex", "last_vs_total.jsonl", f"{DAY_DIR}/rollout-2025-10-02T14-04-58-sess-last.jsonl"
    )
    assert "codex" in SOURCES and SOURCES["codex"].append_only
    out = run_cli("daily", "--json", "--source", "codex,gemini")
    assert '"requests": 3' in out.output
