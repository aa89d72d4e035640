"""Gemini CLI chat recordings: one fixture per quirk, exact events expected."""

from __future__ import annotations

import hashlib
import os

from tests.conftest import FIXTURES, install_fixture, ms, sync_all, tokens, ts
from tokledger.env import Env
from tokledger.sources import SOURCES, gemini

GM = FIXTURES / "gemini"
ROOT = "/home/dev/acme-api"
HASH = hashlib.sha256(ROOT.encode()).hexdigest()
SID = "3f2a9c1b-7d4e-4a1f-9b2c-5e6f7a8b9c0d"
SID2 = "8c1d2e3f-0a1b-4c2d-8e3f-405162738495"
LEGACY = f".gemini/tmp/{HASH}/chats/session-2025-10-02T14-07-3f2a9c1b.json"


def ledger_rows(ledger):
    return ledger.conn.execute(
        "SELECT event_key, session_id, project, ts, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens,"
        " model FROM events WHERE source = 'gemini' ORDER BY ts"
    ).fetchall()


def test_token_arithmetic_cached_thoughts_and_tool_tokens():
    result = gemini.parse(GM / "token_arithmetic.jsonl")
    # zero tokens, null tokens and info messages add nothing
    assert tokens(result.events) == {
        # input 48,210 includes 40,000 cached; 615 output + 230 thoughts
        "sess-arith:a-cached-thoughts": (8210, 40000, 845, 230, "gemini-2.5-pro", ts("2025-10-04T10:00:10Z")),
        # tool-use prompt tokens are prompt tokens outside `input`
        "sess-arith:a-tool": (10500, 0, 100, 0, "gemini-2.5-pro", ts("2025-10-04T10:00:20Z")),
        # total = input + cached + output + thoughts: this input already excludes the cache
        "sess-arith:a-input-excludes-cache": (2000, 6000, 60, 10, "gemini-2.5-pro", ts("2025-10-04T10:00:30Z")),
        "sess-arith:a-no-total": (600, 400, 20, 0, "gemini-2.5-flash", ts("2025-10-04T10:00:40Z")),
        "sess-arith:a-no-model": (700, 0, 10, 0, "unknown", ts("2025-10-04T10:00:50Z")),
    }  # fmt: skip
    assert {(e.session_id, e.project, e.provider) for e in result.events} == {("sess-arith", ROOT, "google")}
    assert result.skipped == 0


def test_legacy_json_rewritten_in_place_replaces_never_adds(ledger, home):
    install_fixture(home, "gemini", "legacy_json_v1", ".")
    sync_all(ledger, Env(home=home))
    assert len(ledger_rows(ledger)) == 2
    target = home / LEGACY
    before = target.stat().st_mtime_ns
    install_fixture(home, "gemini", f"legacy_json_v2/{LEGACY}", LEGACY)
    os.utime(target, ns=(before + 10**9, before + 10**9))
    report = sync_all(ledger, Env(home=home))
    assert [f.action for f in report.files if f.source == "gemini"] == ["reread"]
    assert ledger_rows(ledger) == [
        (f"{SID}:c0ffee12-3456-4789-abcd-ef0123456789", SID, ROOT, ms("2025-10-02T14:07:40.002Z"), 8210, 40000,
         845, 230, "gemini-2.5-pro"),
        (f"{SID}:c0ffee12-3456-4789-abcd-ef0123456790", SID, ROOT, ms("2025-10-02T14:08:10.500Z"), 4000, 48000,
         420, 120, "gemini-2.5-pro"),
        (f"{SID}:c0ffee12-3456-4789-abcd-ef0123456791", SID, ROOT, ms("2025-10-02T14:09:30Z"), 57200, 0, 90, 0,
         "gemini-2.5-flash"),
    ]  # fmt: skip
    assert sync_all(ledger, Env(home=home)).changed is False


def test_jsonl_message_written_again_last_record_wins(ledger, home):
    install_fixture(home, "gemini", "jsonl_rewritten", ".")
    report = sync_all(ledger, Env(home=home))
    assert report.sources["gemini"].skipped == 0
    assert ledger_rows(ledger) == [
        # written with tokens null, then twice more with tokens: one event; the slug resolves via projects.json
        (f"{SID2}:g-1", SID2, ROOT, ms("2025-10-03T09:00:05Z"), 10000, 20000, 250, 50, "gemini-2.5-pro"),
        # $rewindTo to g-2 does not remove it: it was billed
        (f"{SID2}:g-2", SID2, ROOT, ms("2025-10-03T09:01:00Z"), 1000, 30000, 80, 0, "gemini-2.5-pro"),
    ]


def test_jsonl_growing_between_syncs_adds_only_new_messages(ledger, home):
    lines = (
        GM / "jsonl_rewritten/.gemini/tmp/acme-api/chats/session-2025-10-03T09-00-8c1d2e3f.jsonl"
    ).read_bytes()
    lines = lines.splitlines(keepends=True)
    target = home / ".gemini/tmp/acme-api/chats/session-2025-10-03T09-00-8c1d2e3f.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"".join(lines[:5]))  # metadata, user, g-1 (no tokens), $set, g-1 with tokens
    sync_all(ledger, Env(home=home))
    assert [r[0] for r in ledger_rows(ledger)] == [f"{SID2}:g-1"]
    with target.open("ab") as f:
        f.write(b"".join(lines[5:]))
    sync_all(ledger, Env(home=home))
    assert [(r[0], r[4], r[6]) for r in ledger_rows(ledger)] == [
        (f"{SID2}:g-1", 10000, 250),
        (f"{SID2}:g-2", 1000, 80),
    ]


def test_subagent_chat_counts_in_its_parent_session(ledger, home):
    install_fixture(home, "gemini", "subagent", ".")
    sync_all(ledger, Env(home=home))
    sub = "5a6b7c8d-1111-4222-8333-944455566677"
    assert ledger_rows(ledger) == [
        (f"{SID2}:p-1", SID2, ROOT, ms("2025-10-05T11:00:10Z"), 20000, 0, 400, 100, "gemini-2.5-pro"),
        # project from the .project_root marker of the slug directory
        (f"{sub}:s-1", SID2, ROOT, ms("2025-10-05T11:00:30Z"), 6000, 2000, 190, 40, "gemini-2.5-flash"),
    ]


def test_malformed_lines_and_messages_are_skipped_and_counted():
    result = gemini.parse(GM / "malformed.jsonl")
    assert list(tokens(result.events)) == ["sess-bad:b-ok"]
    # truncated JSON, a string count, a negative count, a message without id; the partial tail is not counted
    assert result.skipped == 4
    doc = gemini.parse(GM / "malformed_document/session-2025-10-06T12-00-deadbeef.json")
    assert list(tokens(doc.events)) == ["sess-doc:d-ok"] and doc.skipped == 1


def test_gemini_cli_home_and_unknown_project_fallback(ledger, tmp_path):
    home = tmp_path / "h"
    install_fixture(home, "gemini", "jsonl_rewritten/.gemini/tmp", "alt/.gemini/tmp")
    env = Env(home=home, environ={"GEMINI_CLI_HOME": str(home / "alt")})
    assert [p.name for p in gemini.discover(env).files] == ["session-2025-10-03T09-00-8c1d2e3f.jsonl"]
    sync_all(ledger, env)
    assert {r[2] for r in ledger_rows(ledger)} == {"acme-api"}  # no registry: the directory name


def test_registered_in_sources(run_cli):
    assert "gemini" in SOURCES and not SOURCES["gemini"].append_only
    assert "gemini" in run_cli("sources", "--json").output
