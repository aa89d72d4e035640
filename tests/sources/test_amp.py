"""Amp thread files: ledger form or message form, never both; credits are not dollars."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import FIXTURES, install_fixture, sync_all, ts
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.sources import amp

AMP = FIXTURES / "amp"
LEDGER_THREAD = "T-5a1c7e2b-0000-4a6f-9d3e-1b2c3d4e5f60"
MESSAGE_THREAD = "T-0b9d2c41-1111-4c3a-8e7f-aa00bb11cc22"


def ev(key: str, when: str, model: str, inp: int, out: int, write: int, read: int, thread: str) -> UsageEvent:
    return UsageEvent(source="amp", key=key, timestamp=ts(when), model=model, input_tokens=inp, output_tokens=out,
                      cache_write_tokens=write, cache_read_tokens=read, session_id=thread)  # fmt: skip


def test_ledger_form_takes_cache_from_the_message_once_and_ignores_message_usage():
    result = amp.parse(AMP / "ledger_form.json")
    sonnet, haiku = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"
    t = LEDGER_THREAD
    assert result.events == [
        ev(f"{t}:event:evt-1", "2025-10-02T14:11:03Z", sonnet, 8, 540, 3100, 42000, t),
        ev(f"{t}:event:evt-2", "2025-10-02T14:12:40Z", sonnet, 5, 120, 600, 45100, t),
        # Same target message as evt-2, which reports its own cache: no second copy of it here.
        ev(f"{t}:event:evt-3", "2025-10-02T14:12:41Z", haiku, 300, 12, 0, 0, t),
    ]
    assert result.skipped == 0


def test_message_form_dates_by_usage_timestamp_else_thread_created():
    sonnet = "claude-sonnet-4-5-20250929"
    assert amp.parse(AMP / "message_form.json").events == [
        ev(f"{MESSAGE_THREAD}:message:1", "2025-10-03T14:00:05Z", sonnet, 10, 300, 2000, 0, MESSAGE_THREAD),
        ev(f"{MESSAGE_THREAD}:message:2", "2025-10-03T14:00:00Z", sonnet, 4, 90, 150, 2000, MESSAGE_THREAD),
    ]


def test_a_total_equal_to_input_means_input_included_the_cache():
    [event] = amp.parse(AMP / "total_includes_cache.json").events
    assert (event.input_tokens, event.cache_read_tokens, event.output_tokens) == (2000, 3000, 100)


def test_a_thread_that_does_not_decode_is_one_skipped_record():
    result = amp.parse(AMP / "malformed.json")
    assert (result.events, result.skipped) == ([], 1)


def test_credits_are_not_stored_as_dollars(ledger, env, home):
    install_fixture(home, "amp", "ledger_form.json", f".local/share/amp/threads/{LEDGER_THREAD}.json")
    sync_all(ledger, env)
    assert ledger.conn.execute("SELECT COUNT(*), COUNT(logged_cost_pusd) FROM events").fetchone() == (3, 0)


def test_rewritten_thread_is_read_again_and_replaces(ledger, env, home):
    target = install_fixture(home, "amp", "message_form.json", ".local/share/amp/threads/T-1.json")
    sync_all(ledger, env)
    grown = target.read_text().replace('"outputTokens": 90,', '"outputTokens": 95,')
    target.write_text(grown)
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    assert [f.action for f in sync_all(ledger, env).files] == ["reread"]
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (2, 395)


def test_amp_data_dir_overrides_the_default(home, tmp_path):
    install_fixture(tmp_path / "amp", "amp", "message_form.json", "threads/sub/T-x.json")
    found = amp.discover(Env(home=home, environ={"AMP_DATA_DIR": str(tmp_path / "amp")}))
    assert [Path(p).name for p in found.files] == ["T-x.json"]
    assert amp.discover(Env(home=home)).roots == [home / ".local/share/amp/threads"]
