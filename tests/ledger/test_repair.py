"""Taking events out: impossible rows (doctor) and ranges (prune), with every rollup still exact, on both engines."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import msgspec

from tests.ledger.test_rollups import ZONES, _row
from tokledger.ledger import Ledger

LATEST = int(time.time() * 1000) + 86_400_000


def _history(ledger: Ledger, n: int = 400, seed: int = 3):
    rng = random.Random(seed)
    start = datetime(2025, 3, 28, tzinfo=UTC)
    rows = [_row(rng, i, start + timedelta(minutes=rng.randint(0, 60 * 24 * 20))) for i in range(n)]
    with ledger.transaction():
        ledger.add_events(rows, None)
    return rows


def test_prune_keeps_every_rollup_exact_in_kept_zones(backend, ledger):
    for zone in ZONES:
        assert ledger.keep_days(zone)
    rows = _history(ledger)
    cut_before = int(datetime(2025, 4, 2, 7, 3, tzinfo=UTC).timestamp() * 1000)  # not on a quarter-hour
    cut_after = int(datetime(2025, 4, 12, tzinfo=UTC).timestamp() * 1000)
    n = ledger.prune(cut_before, cut_after, LATEST)
    assert n == sum(r.ts < cut_before or r.ts >= cut_after for r in rows)
    assert ledger.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == len(rows) - n
    assert ledger.rollup_differences() == []
    assert ledger.prune(None, None, LATEST) == 0
    assert ledger.prune(cut_before, None, LATEST) == 0  # nothing left before the cut


def test_impossible_rows_are_found_and_removed_rollups_rebuilt(backend, ledger):
    rows = _history(ledger, 50)
    good = rows[0]
    poison = [
        msgspec.structs.replace(good, key="far", ts=253402300799000),  # 9999-12-31
        msgspec.structs.replace(good, key="old", ts=-62135596800000),  # 0001-01-01
        msgspec.structs.replace(good, key="huge", output_tokens=2**62),
        msgspec.structs.replace(good, key="rich", cost_pusd=6 * 10**18),
        msgspec.structs.replace(good, key="minus", logged_cost_pusd=-4_990_000_000_000),
    ]
    with ledger.transaction():
        ledger.add_events(poison, None)
    found = {key: why for _, _, key, why in ledger.impossible_events(LATEST)}
    assert found == {"far": "timestamp out of range", "old": "timestamp out of range",
                     "huge": "token count out of range", "rich": "cost out of range", "minus": "cost out of range"}  # fmt: skip
    assert ledger.delete_impossible(LATEST) == 5
    assert ledger.impossible_events(LATEST) == []
    assert ledger.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 50
    assert ledger.rollup_differences() == []
    for zone in ZONES:  # days can be kept again once the impossible instants are gone
        assert ledger.keep_days(zone)
    assert ledger.rollup_differences() == []


def test_doctor_and_prune_from_the_command_line(run_cli, tmp_path, home):
    import json

    run_cli("daily")  # creates the ledger
    ledger = Ledger.open(tmp_path / "cli.db")
    rows = _history(ledger, 30)
    with ledger.transaction():
        ledger.add_events([msgspec.structs.replace(rows[0], key="far", ts=253402300799000)], None)
    ledger.close()
    doc = json.loads(run_cli("doctor", "--json").stdout)
    assert (
        doc["impossible_events"] == 1 and doc["reasons"] == {"timestamp out of range": 1} and not doc["fixed"]
    )
    assert "doctor --fix" in run_cli("doctor").stdout
    assert json.loads(run_cli("doctor", "--fix", "--json").stdout)["fixed"] is True
    assert "sound" in run_cli("doctor").stdout
    for args in (["daily", "-z", "Asia/Tokyo"], ["graph"], ["blocks"], ["daily", "-z", "America/New_York"]):
        run_cli(*args, "--no-sync")
    before = json.loads(run_cli("model", "--json", "--no-sync").stdout)["totals"]["requests"]
    out = run_cli("prune", "--before", "2025-04-05", "--yes").stdout
    pruned = int(out.split()[1].replace(",", ""))
    assert json.loads(run_cli("model", "--json", "--no-sync").stdout)["totals"]["requests"] == before - pruned
    assert run_cli("prune", expect=2).output.count("--before") == 1
    assert "is after" in run_cli("prune", "--before", "2025-05-01", "--after", "2025-04-01", expect=2).output
    check = Ledger.open(tmp_path / "cli.db")
    assert check.rollup_differences() == []
