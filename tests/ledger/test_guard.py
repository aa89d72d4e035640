"""Budget sums from the rollups equal a scan of the same events — at DST changes, on Mondays, per project
glob, source and session — and never read the events; alert claims, rate limits, notices, request look-up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.budgets.test_config import parse
from tests.conftest import ts
from tests.fakes import EventSums, Row
from tokledger.budgets import evaluate
from tokledger.budgets.periods import floor_quarter_hour, period_bounds, to_ms
from tokledger.events import UsageEvent
from tokledger.guard.services import LedgerSums
from tokledger.ledger import EventRow, Ledger
from tokledger.ledger import guard as lg

BERLIN = ZoneInfo("Europe/Berlin")
PROJECTS = ("/home/dev/work/client-a/api", "/home/dev/work/client-a/web", "/home/dev/work/client-b", None)
BUDGETS = """[budgets]
daily_usd = 10
weekly_tokens = 5_000_000
monthly_usd = 200
[budgets.projects."/home/dev/work/client-a/*"]
daily_usd = 3
weekly_usd = 9
[budgets.projects."/home/dev/work/client-b"]
monthly_tokens = 1_000_000
[budgets.sources.codex]
daily_tokens = 50_000
[budgets.sessions]
lifetime_usd = 2
daily_usd = 1
"""


def _history(tmp_path, start: datetime, days: int, seed: int = 3) -> tuple[Ledger, EventSums]:
    """A ledger and the same events as a list the fake scans, every 7–50 minutes, around the clock."""
    rng = random.Random(seed)
    ledger = Ledger.open(tmp_path / "g.db")
    scan = EventSums()
    rows, t, key = [], start, 0
    while t < start + timedelta(days=days):
        t += timedelta(minutes=rng.randint(7, 50), seconds=rng.randint(0, 59))
        key += 1
        source = rng.choice(("claude_code", "codex"))
        project = rng.choice(PROJECTS)
        session = f"s{key // 40}"
        e = UsageEvent(source=source, key=f"k{key}", timestamp=t, model="m", input_tokens=rng.randint(0, 4000),
                       output_tokens=rng.randint(0, 4000), cache_read_tokens=rng.randint(0, 9000),
                       session_id=session, project=project)  # fmt: skip
        cost = None if rng.random() < 0.05 else rng.randint(0, 10**11)
        rows.append(EventRow.of(e, cost, "test"))
        scan.rows.append(Row(to_ms(t), e.total_tokens, cost, source, project, session))
    with ledger.transaction():
        ledger.add_events(rows, None)
    return ledger, scan


def _statements(ledger: Ledger) -> list[str]:
    seen: list[str] = []
    ledger.conn.set_trace_callback(seen.append)
    return seen


NOWS = [
    "2025-03-30T01:30:00+01:00",  # Berlin springs forward at 02:00 this day: a 23-hour day
    "2025-03-31T00:00:00+02:00",  # the Monday after: a new week at its very first instant
    "2025-03-30T23:59:59+02:00",  # the Sunday before it: still last week
    "2025-10-26T02:30:00+01:00",  # the repeated hour of the 25-hour day
    "2025-10-27T09:00:00+01:00",  # a Monday
    "2025-11-01T00:00:00+01:00",  # a new month at midnight
]


@pytest.mark.parametrize("kept", [True, False], ids=["day rollups", "quarter-hours"])
def test_every_limit_equals_a_scan_of_the_events(tmp_path, kept):
    ledger, scan = _history(tmp_path, ts("2025-03-01T00:00:00Z"), 250)
    if kept:
        assert ledger.keep_days("Europe/Berlin")
    config = parse(BUDGETS)
    for week_start in (0, 6):
        config = type(config)(config.limits, week_start, config.timezone, config.enforce)
        for text in NOWS:
            now = datetime.fromisoformat(text)
            sums = LedgerSums(ledger, tz=BERLIN, mode="calculate")
            statements = _statements(ledger)
            got = evaluate(config, sums, now, BERLIN)
            ledger.conn.set_trace_callback(None)
            assert got == evaluate(config, scan, now, BERLIN), (text, week_start)
            assert any(s.session for s in got) and {s.limit.scope for s in got} >= {
                "project",
                "source",
                "session",
            }
            assert not [s for s in statements if "FROM entries" in s], "budget sums must not read the events"
            assert kept == any("FROM rollup_day" in s for s in statements)


def test_the_tables_answer_every_kind_of_bound(tmp_path):
    ledger, scan = _history(tmp_path, ts("2025-10-20T00:00:00Z"), 12, seed=5)
    ledger.keep_days("Europe/Berlin")
    sums = LedgerSums(ledger, tz=BERLIN, mode="calculate")
    now = datetime(2025, 10, 26, 12, tzinfo=BERLIN)
    day = period_bounds("daily", now, BERLIN)
    assert day[1] - day[0] == 25 * 3600 * 1000
    cases = [
        {"start_ms": None, "end_ms": None}, {"start_ms": None, "end_ms": None, "session": "s7"},
        {"start_ms": day[0], "end_ms": day[1]}, {"start_ms": day[0], "end_ms": None, "sources": ("codex",)},
        {"start_ms": floor_quarter_hour(to_ms(now) - 7 * 86_400_000), "end_ms": None,
             "project_globs": ("/home/dev/work/client-a/*",)},
        {"start_ms": day[0], "end_ms": day[1], "session": "s100"},
        {"start_ms": to_ms(now) - 1234567, "end_ms": to_ms(now)},  # off the quarter-hours: the events answer
        {"start_ms": None, "end_ms": None, "project_globs": ("/nowhere/*",)},
        {"start_ms": None, "end_ms": None, "session": "never-seen"},
    ]  # fmt: skip
    for case in cases:
        assert sums.sums(**case) == scan.sums(**case), case
    window = {"start_ms": to_ms(now) - 86_400_000, "end_ms": None}
    assert sums.sessions(**window) == sorted(scan.sessions(**window))


def test_logged_costs_count_in_auto_mode(tmp_path):
    from decimal import Decimal

    ledger = Ledger.open(tmp_path / "m.db")
    e = UsageEvent(source="drop_dir", key="a", timestamp=ts("2025-06-02T10:00:00Z"), model="m",
                   logged_cost_usd=Decimal("1.5"))  # fmt: skip
    with ledger.transaction():
        ledger.add_events([EventRow.of(e, 10**12, "test")], None)
    kw = {"start_ms": None, "end_ms": None, "zone": "UTC"}
    assert lg.usage_sums(ledger, mode="auto", **kw)[0] == 15 * 10**11
    assert lg.usage_sums(ledger, mode="calculate", **kw)[0] == 10**12


def test_a_claim_is_won_once(tmp_path):
    ledger = Ledger.open(tmp_path / "c.db")
    other = Ledger.open(tmp_path / "c.db")
    assert lg.claim(ledger, "budget:x:warn", 1) is True
    assert lg.claim(other, "budget:x:warn", 2) is False
    assert lg.claim(other, "budget:x:stop", 3) is True
    assert lg.claimed(ledger) == ["budget:x:stop", "budget:x:warn"]


def test_rate_limits_keep_the_latest_figures_of_each_window(tmp_path):
    ledger = Ledger.open(tmp_path / "r.db")
    lg.keep_rate_limits(
        ledger, [("five_hour", 20.0, 5_000_000, 1_000, "s"), ("seven_day", 50.0, None, 1_000, "s")]
    )
    lg.keep_rate_limits(ledger, [("five_hour", 37.0, 5_000_000, 2_000, "s")])
    lg.keep_rate_limits(ledger, [("five_hour", 99.0, 5_000_000, 1_500, "late")])  # older than what is kept
    assert lg.latest_rate_limits(ledger) == [("five_hour", 37.0, 5_000_000, 2_000, "s"),
                                             ("seven_day", 50.0, None, 1_000, "s")]  # fmt: skip
    version = ledger.conn.execute("SELECT COUNT(*) FROM rate_limits").fetchone()
    statements = _statements(ledger)
    lg.keep_rate_limits(ledger, [("five_hour", 37.0, 5_000_000, 60_000, "s")])  # the same figures, fresh
    assert not [s for s in statements if s.startswith("BEGIN")]
    lg.keep_rate_limits(ledger, [("five_hour", 38.0, 9_000_000, 70_000, "s")])  # the next window
    assert lg.latest_rate_limits(ledger)[0] == ("five_hour", 38.0, 9_000_000, 70_000, "s")
    assert ledger.conn.execute("SELECT COUNT(*) FROM rate_limits").fetchone()[0] == version[0] + 1


def test_notices_keep_the_newest(tmp_path):
    ledger = Ledger.open(tmp_path / "n.db")
    for i in range(lg.NOTICES_KEPT + 5):
        lg.add_notice(ledger, f"notice {i}", 1000 + i)
    kept = lg.notices(ledger, 0)
    assert len(kept) == lg.NOTICES_KEPT and kept[-1] == (
        1000 + lg.NOTICES_KEPT + 4,
        f"notice {lg.NOTICES_KEPT + 4}",
    )
    assert lg.notices(ledger, 1000 + lg.NOTICES_KEPT + 4) == [kept[-1]]


def test_a_request_is_found_by_message_id_or_request_id(tmp_path):
    ledger = Ledger.open(tmp_path / "q.db")
    e = UsageEvent(source="claude_code", key="msg_1", request_id="req_1", timestamp=ts("2025-06-02T10:00:00Z"),
                   model="m", input_tokens=5, session_id="s")  # fmt: skip
    with ledger.transaction():
        ledger.add_events([EventRow.of(e, 7, "basis")], None)
    by_key, by_request = (
        lg.request_details(ledger, "msg_1", "auto"),
        lg.request_details(ledger, "req_1", "auto"),
    )
    assert by_key == by_request and by_key[0][6:8] == ("msg_1", "req_1") and by_key[0][14] == 7
    assert lg.request_details(ledger, "nope", "auto") == []


def test_claims_rate_limits_and_request_lookups_on_a_team_ledger(pg_url):
    """The same guard tables on PostgreSQL: one winner per claim, the latest figures, a request by its id."""
    ledger, other = Ledger.open(pg_url, host="h", user="u"), Ledger.open(pg_url, host="h", user="u")
    assert lg.claim(ledger, "budget:x:warn", 1) is True
    assert lg.claim(other, "budget:x:warn", 2) is False
    assert lg.claimed(other) == ["budget:x:warn"]
    lg.keep_rate_limits(ledger, [("five_hour", 20.0, 5_000_000, 1_000, "s")])
    lg.keep_rate_limits(ledger, [("five_hour", 99.0, 5_000_000, 500, "late")])
    assert lg.latest_rate_limits(other) == [("five_hour", 20.0, 5_000_000, 1_000, "s")]
    e = UsageEvent(source="claude_code", key="msg_1", request_id="req_1", timestamp=ts("2025-06-02T10:00:00Z"),
                   model="m", input_tokens=5, session_id="s")  # fmt: skip
    with ledger.transaction():
        ledger.add_events([EventRow.of(e, 7, "basis")], None)
    assert lg.request_details(other, "req_1", "auto")[0][14] == 7
    ledger.close()
    other.close()
