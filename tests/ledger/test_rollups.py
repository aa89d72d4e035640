"""The rollups always equal a recomputation from the events: after imports, copies, replacements, reprices,
upgrades and kept zones, and whatever the reports read from them."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest

from tokledger.events import UsageEvent
from tokledger.ledger import EventRow, Ledger, rollups
from tokledger.reports import Query, usage_report

FIXTURES = Path(__file__).parent.parent / "fixtures"
ZONES = ("Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe")


def _row(rng: random.Random, key: int, when: datetime) -> EventRow:
    e = UsageEvent(
        source=rng.choice(("claude_code", "codex")), key=f"k{key}", timestamp=when,
        model=rng.choice(("claude-sonnet-4-5-20250929", "gpt-5", "no-price-model")),
        input_tokens=rng.randint(0, 500), output_tokens=rng.randint(0, 900),
        cache_write_tokens=rng.randint(0, 2000), cache_read_tokens=rng.randint(0, 9000),
        session_id=rng.choice(("s1", "s2", "s3", None)), project=rng.choice(("/a", "/b", None)),
        git_branch=rng.choice(("main", None)),
        logged_cost_usd=rng.choice((None, None, Decimal("0.25"))),
    )  # fmt: skip
    cost = None if e.model == "no-price-model" else rng.randint(0, 10**13)
    return EventRow.of(e, cost, "test")


def test_random_adds_replacements_and_cost_changes_keep_every_rollup_exact(tmp_path):
    rng = random.Random(7)
    ledger = Ledger.open(tmp_path / "r.db")
    for zone in ZONES:
        assert ledger.keep_days(zone)
    start = datetime(2025, 3, 28, tzinfo=UTC)  # across Berlin's and Lord Howe's offset changes
    for batch in range(30):
        with ledger.transaction():
            new = [
                _row(rng, batch * 100 + i, start + timedelta(minutes=rng.randint(0, 60 * 24 * 12)))
                for i in range(40)
            ]
            ledger.add_events(new, None)
            stored = ledger.stored_events(
                "claude_code", [f"k{rng.randint(0, batch * 100 + 39)}" for _ in range(15)]
            )
            stored |= ledger.stored_events(
                "codex", [f"k{rng.randint(0, batch * 100 + 39)}" for _ in range(15)]
            )
            moved = []
            for row_id, old in stored.values():
                later = msgspec.structs.replace(
                    old, ts=old.ts - rng.randint(0, 3 * 3_600_000), output_tokens=old.output_tokens + 5,
                    session=rng.choice(("s1", "s9", None)), project=rng.choice(("/a", "/c")),
                )  # fmt: skip
                moved.append((row_id, old, later))
            ledger.replace_events(moved, None)
        if batch % 7 == 6:
            with ledger.transaction():
                changes = [(row_id, row, rng.choice((None, rng.randint(0, 10**12))), "repriced")
                           for row_id, row in ledger.all_events() if rng.random() < 0.2]  # fmt: skip
                ledger.update_costs(changes)
        assert ledger.rollup_differences() == [], batch


def test_a_rolled_back_transaction_leaves_the_rollups_untouched(tmp_path):
    ledger = Ledger.open(tmp_path / "r.db")
    rng = random.Random(1)
    with ledger.transaction():
        ledger.add_events([_row(rng, 1, datetime(2025, 6, 1, tzinfo=UTC))], None)
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.add_events([_row(rng, 2, datetime(2025, 6, 2, tzinfo=UTC))], None)
        raise RuntimeError
    with ledger.transaction():
        ledger.add_events([_row(rng, 3, datetime(2025, 6, 3, tzinfo=UTC))], None)
    assert ledger.conn.execute("SELECT SUM(requests) FROM rollup_total").fetchone() == (2,)
    assert ledger.rollup_differences() == []


def test_kept_zones_are_capped_and_reports_agree_with_the_quarter_hours(tmp_path):
    rng = random.Random(3)
    ledger = Ledger.open(tmp_path / "r.db")
    with ledger.transaction():
        ledger.add_events([_row(rng, i, datetime(2025, 10, 20, tzinfo=UTC) + timedelta(minutes=37 * i))
                           for i in range(600)], None)  # fmt: skip
    plain = {z: usage_report(ledger, "daily", Query(tz=ZoneInfo(z))).rows for z in (*ZONES, "UTC")}
    for zone in (*ZONES, "UTC"):
        assert ledger.keep_days(zone)
    kept = [name for (name,) in ledger.conn.execute("SELECT name FROM rollup_zones ORDER BY id")]
    assert kept == [*ZONES[1:], "UTC"] and len(kept) == rollups.MAX_ZONES
    for zone in (*ZONES, "UTC"):
        assert usage_report(ledger, "daily", Query(tz=ZoneInfo(zone))).rows == plain[zone], zone
    assert ledger.rollup_differences() == []


def test_reprice_keeps_the_rollups_exact(tmp_path, workspace, env):
    from tests.conftest import install_fixture

    install_fixture(
        env.home, "claude_code", "streaming_multiline.jsonl", ".claude/projects/-home-dev-app/s.jsonl"
    )
    workspace.sync(jobs=1)
    workspace.ledger.keep_days("Europe/Berlin")
    workspace.ledger.conn.execute("UPDATE entries SET cost_pusd = NULL")  # as if priced by an older table
    workspace.ledger.rebuild_rollups()
    events, changed = workspace.reprice()
    assert changed == events > 0
    assert workspace.ledger.rollup_differences() == []


def test_an_upgraded_ledger_has_exact_rollups(tmp_path):
    db = tmp_path / "v2.db"
    shutil.copyfile(FIXTURES / "ledgers" / "v2.db", db)
    ledger = Ledger.open(db)
    assert ledger.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 646
    assert ledger.keep_days("America/New_York")
    assert ledger.rollup_differences() == []
