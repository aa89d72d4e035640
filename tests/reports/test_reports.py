"""Reports: local-time buckets, filters, cost modes, unpriced rows and 5-hour blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import install_fixture, sync_all
from tokledger.env import Env
from tokledger.reports import Query, usage_report
from tokledger.reports.blocks import blocks_report

UTCZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def loaded(ledger, home):
    for case in ("streaming_multiline.jsonl", "midnight_boundary.jsonl", "unknown_model.jsonl", "logged_cost.jsonl",
                 "long_context.jsonl", "cache_1h.jsonl"):  # fmt: skip
        install_fixture(home, "claude_code", case, f".claude/projects/-home-dev-acme-api/{case}")
    install_fixture(home, "claude_code", "subagents", ".claude/projects")
    sync_all(ledger, Env(home=home))
    return ledger


def periods(report):
    return {r.period: r.totals.total_tokens for r in report.rows}


def test_local_midnight_boundary_in_a_non_utc_zone(loaded):
    q = {"since": date(2025, 10, 11), "until": date(2025, 10, 12)}
    assert periods(usage_report(loaded, "daily", Query(tz=UTCZ, **q))) == {"2025-10-11": 14}
    assert periods(usage_report(loaded, "daily", Query(tz=BERLIN, **q))) == {
        "2025-10-11": 2,
        "2025-10-12": 12,
    }
    # --since/--until are local days too: Berlin's 12 October starts at 22:00Z on the 11th
    only = usage_report(loaded, "daily", Query(tz=BERLIN, since=date(2025, 10, 12), until=date(2025, 10, 12)))
    assert periods(only) == {"2025-10-12": 12}


def test_half_hour_zone_buckets(loaded):
    kolkata = usage_report(loaded, "daily", Query(tz=ZoneInfo("Asia/Kolkata"), since=date(2025, 10, 12),
                                                  until=date(2025, 10, 12)))  # fmt: skip
    assert periods(kolkata) == {"2025-10-12": 14}  # 21:59Z is 03:29 on the 12th in UTC+5:30


def test_weekly_monthly_labels(loaded):
    weekly = usage_report(loaded, "weekly", Query(tz=UTCZ))
    assert list(periods(weekly)) == ["2025-W09", "2025-W40", "2025-W41"]
    sunday = usage_report(loaded, "weekly", Query(tz=UTCZ, start_of_week=6))
    assert next(iter(periods(sunday))) == "2025-02-23"
    assert list(periods(usage_report(loaded, "monthly", Query(tz=UTCZ)))) == ["2025-03", "2025-10"]


def test_totals_add_up_and_match_rows(loaded):
    report = usage_report(loaded, "daily", Query(tz=UTCZ))
    assert report.totals.total_tokens == sum(r.totals.total_tokens for r in report.rows)
    assert report.totals.requests == loaded.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    for row in report.rows:
        assert row.totals.total_tokens == sum(t.total_tokens for t in row.models.values())


def test_unpriced_requests_make_cost_null_but_keep_the_priced_part(loaded):
    day = usage_report(loaded, "daily", Query(tz=UTCZ, since=date(2025, 10, 10), until=date(2025, 10, 10)))
    (row,) = day.rows
    assert row.totals.unpriced_requests == 1
    assert row.totals.cost_usd is None
    assert row.totals.cost_usd_priced == Decimal("0.018")  # the sonnet request: 1000 in + 1000 out
    assert day.unpriced_models == ["claude-imaginary-9"]


def test_cost_modes(loaded):
    q = {"tz": UTCZ, "since": date(2025, 3, 1), "until": date(2025, 3, 1)}
    auto = usage_report(loaded, "daily", Query(mode="auto", **q)).totals
    calc = usage_report(loaded, "daily", Query(mode="calculate", **q)).totals
    logged = usage_report(loaded, "daily", Query(mode="logged", **q)).totals
    per_request = Decimal("0.018")  # claude 3.7 sonnet, 1000 in + 1000 out
    assert calc.cost_usd == 2 * per_request
    assert auto.cost_usd == Decimal("0.5") + per_request
    assert (
        logged.cost_usd is None and logged.cost_usd_priced == Decimal("0.5") and logged.unpriced_requests == 1
    )


def test_filters(loaded):
    by_model = usage_report(loaded, "model", Query(tz=UTCZ, models=("sonnet-4-2",)))
    assert [r.period for r in by_model.rows] == ["claude-sonnet-4-20250514"]
    assert usage_report(loaded, "daily", Query(tz=UTCZ, projects=("nothing-like-this",))).rows == []
    assert usage_report(loaded, "daily", Query(tz=UTCZ, sources=("claude_code",))).totals.requests > 0
    sessions = usage_report(loaded, "session", Query(tz=UTCZ, sessions=("sess-d",)))
    assert [r.period for r in sessions.rows] == ["sess-d"] and sessions.totals.requests == 3


def test_session_and_project_reports(loaded):
    sessions = usage_report(loaded, "session", Query(tz=UTCZ))
    d = next(r for r in sessions.rows if r.period == "sess-d")
    assert d.project == "/home/dev/acme-api"
    assert d.totals.output_tokens == 600
    projects = usage_report(loaded, "project", Query(tz=UTCZ))
    assert [r.period for r in projects.rows] == ["/home/dev/acme-api"]


def _events(ledger, *stamps: str):
    from tokledger.events import UsageEvent
    from tokledger.ledger import EventRow

    rows = []
    for i, stamp in enumerate(stamps):
        e = UsageEvent(source="claude_code", key=f"b{i}", timestamp=datetime.fromisoformat(stamp), model="m",
                       input_tokens=100, output_tokens=50)  # fmt: skip
        rows.append(EventRow.of(e, 1_000_000_000, "test"))
    with ledger.transaction():
        ledger.add_events(rows, None)


def test_blocks_floor_to_hour_gap_and_active(ledger):
    _events(ledger, "2025-10-01T10:17:00+00:00", "2025-10-01T14:59:00+00:00", "2025-10-01T15:30:00+00:00",
            "2025-10-02T09:05:00+00:00", "2025-10-02T09:35:00+00:00")  # fmt: skip
    now = datetime(2025, 10, 2, 10, 5, tzinfo=UTC)
    report = blocks_report(ledger, Query(tz=UTCZ), now=now, token_limit="max")
    assert [r.period for r in report.rows] == [
        "2025-10-01T10:00:00Z",
        "2025-10-01T15:00:00Z",
        "gap-2025-10-01T20:30:00Z",
        "2025-10-02T09:00:00Z",
    ]
    first, second, gap, active = report.rows
    assert first.totals.requests == 2 and second.totals.requests == 1
    assert gap.is_gap and gap.totals.requests == 0
    assert active.is_active and not first.is_active
    assert active.tokens_per_minute == 10.0  # 300 tokens over 30 minutes
    assert active.remaining_minutes == 235
    assert active.projected_tokens == 300 + 10 * 235
    assert active.cost_per_hour_usd == Decimal("0.0040")  # $0.002 in 30 minutes
    assert active.token_limit.limit == 300
    assert active.token_limit.status == "exceeds"
    only = blocks_report(ledger, Query(tz=UTCZ), now=now, active_only=True)
    assert [r.period for r in only.rows] == ["2025-10-02T09:00:00Z"]


def test_days_across_a_daylight_saving_change(ledger):
    # Berlin leaves summer time at 2025-10-26T01:00Z (UTC+2 → UTC+1)
    _events(ledger, "2025-10-25T21:59:00+00:00", "2025-10-25T22:30:00+00:00", "2025-10-26T00:59:59+00:00",
            "2025-10-26T01:00:00+00:00", "2025-10-26T22:59:00+00:00", "2025-10-26T23:00:00+00:00")  # fmt: skip
    daily = usage_report(ledger, "daily", Query(tz=BERLIN))
    assert {r.period: r.totals.requests for r in daily.rows} == {
        "2025-10-25": 1,
        "2025-10-26": 4,
        "2025-10-27": 1,
    }


def test_offset_spans_find_the_exact_transition():
    from tokledger.ledger.zones import offset_spans

    start = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp() * 1000)
    end = int(datetime(2025, 11, 30, tzinfo=UTC).timestamp() * 1000)
    spans = offset_spans(BERLIN, start, end)
    assert [(datetime.fromtimestamp(t / 1000, UTC).isoformat(), o // 3_600_000) for t, o in spans[1:]] == [
        ("2025-03-30T01:00:00+00:00", 2),
        ("2025-10-26T01:00:00+00:00", 1),
    ]
    assert spans[0][1] == 3_600_000


def test_active_block_line_under_the_table(ledger):
    from tokledger.reports.table import footnotes

    _events(ledger, "2025-10-02T09:05:00+00:00", "2025-10-02T09:35:00+00:00")
    report = blocks_report(
        ledger, Query(tz=UTCZ), now=datetime(2025, 10, 2, 10, 5, tzinfo=UTC), token_limit="1000"
    )
    line, limit = (text.plain for text in footnotes(report))
    assert limit == "token limit 1,000: 1 block over it (marked !)"
    assert line == ("active block 09:00–14:00; 235 min left; burn 10 tokens/min; $0.00/h; "
                    "projected at 14:00: 2,650 tokens, $0.02; limit 1,000: exceeds (265.0%)")  # fmt: skip
