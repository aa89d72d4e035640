"""Evaluation: used, level, remaining and projections per limit, read through the sums protocol only."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.budgets.test_config import parse
from tests.conftest import ms, ts
from tests.fakes import EventSums
from tokledger.budgets import Context, describe, evaluate, exit_code, worst
from tokledger.budgets.render import to_document, to_json, to_table

BERLIN = ZoneInfo("Europe/Berlin")
NOW = ts("2025-06-04T10:00:00+02:00")  # a Wednesday


def statuses(text, sums, now=NOW, tz=BERLIN, **kw):
    return evaluate(parse(text), sums, now, tz, **kw)


def test_levels_at_80_and_100_percent():
    sums = EventSums()
    sums.add(ts("2025-06-04T08:00:00+02:00"), usd=8.10)
    [daily] = statuses("[budgets]\ndaily_usd = 10", sums)
    assert (daily.used, daily.level, daily.percent, daily.remaining) == (
        8_100_000_000_000,
        "warn",
        81.0,
        1_900_000_000_000,
    )
    sums.add(ts("2025-06-04T09:00:00+02:00"), usd=1.90)
    [daily] = statuses("[budgets]\ndaily_usd = 10", sums)
    assert daily.level == "stop" and daily.remaining == 0 and exit_code([daily]) == 2
    assert describe(daily) == "daily budget: $10.00 of $10.00 (100.0 %)"


def test_yesterday_evening_local_is_not_today():
    sums = EventSums()
    sums.add(ts("2025-06-03T23:59:00+02:00"), usd=100)  # 21:59Z, yesterday in Berlin
    [daily] = statuses("[budgets]\ndaily_usd = 10", sums)
    assert daily.used == 0 and daily.level == "ok" and exit_code([daily]) == 0


def test_monday_usage_counts_in_this_week_only():
    monday = ts("2025-06-02T00:10:00+02:00")
    sums = EventSums()
    sums.add(ts("2025-06-01T23:50:00+02:00"), usd=40)  # Sunday: last week
    sums.add(monday, usd=1)
    [weekly] = statuses("[budgets]\nweekly_usd = 50", sums, now=monday)
    assert weekly.used == 10**12 and weekly.start_ms == ms("2025-06-01T22:00:00Z")


def test_tokens_unpriced_and_worst_level():
    sums = EventSums()
    sums.add(NOW, usd=None, tokens=900, source="codex")
    sums.add(NOW, usd=1, tokens=50, source="claude_code")
    result = statuses("[budgets]\ndaily_usd = 10\n[budgets.sources.codex]\ndaily_tokens = 1000", sums)
    assert [(s.limit.scope, s.used, s.level, s.unpriced) for s in result] == [
        ("global", 10**12, "ok", 1), ("source", 900, "warn", 1)]  # fmt: skip
    assert worst(result) == "warn" and exit_code(result) == 1


def test_project_globs_and_sessions():
    sums = EventSums()
    sums.add(NOW, usd=3, project="/home/u/work/client-a/api", session="s1")
    sums.add(NOW, usd=4, project="/home/u/work/client-a/web", session="s2")
    sums.add(NOW, usd=5, project="/home/u/other", session="s3")
    text = '[budgets.projects."~/work/client-a/*"]\ndaily_usd = 10\n[budgets.sessions]\nlifetime_usd = 4.5'
    result = statuses(text, sums)
    assert [(s.limit.scope, s.target, s.used // 10**12, s.level) for s in result] == [
        ("project", "~/work/client-a/*", 7, "ok"),
        ("session", "s1", 3, "ok"), ("session", "s2", 4, "warn"), ("session", "s3", 5, "stop"),
    ]  # fmt: skip
    # a hook in s3's project sees only its own limits
    mine = statuses(text, sums, context=Context(source="claude_code", project="/home/u/other", session="s3"))
    assert [(s.limit.scope, s.target) for s in mine] == [("session", "s3")]


def test_projection_from_the_last_seven_days():
    sums = EventSums()
    for day in range(7):  # $2 a day for the last seven days, the last one now
        sums.add(ms("2025-06-04T08:00:00Z") - day * 86_400_000, usd=2)
    [daily, monthly] = statuses("[budgets]\ndaily_usd = 3\nmonthly_usd = 100", sums)
    # 14 dollars over 7 days = 2 $/day; 14 hours left today: 2 + 2*14/24
    assert round(daily.projected / 10**12, 4) == round(2 + 2 * 14 / 24, 4)
    assert daily.projected_level == "stop"  # 3.17 of 3
    assert monthly.projected_monthly == 14 * 10**12 // 7 * 30  # agent-deck: 7-day sum // 7 * 30
    assert monthly.used == 8 * 10**12  # June 1st to 4th


def test_queries_use_quarter_hour_or_midnight_bounds_and_are_memoised():
    sums = EventSums()
    statuses("[budgets]\ndaily_usd = 1\nweekly_usd = 2\n[budgets.sessions]\nlifetime_usd = 1", sums,
             now=ts("2025-06-04T10:07:33+02:00"))  # fmt: skip
    for call in sums.calls:
        for bound in (call["start_ms"], call["end_ms"]):
            assert bound is None or bound % 900_000 == 0
    recent = [c for c in sums.calls if c["start_ms"] == ms("2025-05-28T08:00:00Z")]
    assert len(recent) == 1  # the 7-day window is read once for the two global limits


def test_json_document_and_table():
    sums = EventSums()
    sums.add(NOW, usd=8.1)
    result = statuses("[budgets]\ndaily_usd = 10\n[budgets.sessions]\nlifetime_tokens = 10", sums)
    doc = to_document(result, NOW, "Europe/Berlin")
    assert doc["level"] == "warn" and doc["exit_code"] == 1 and doc["now"] == "2025-06-04T08:00:00Z"
    [daily] = doc["budgets"]
    assert daily["limit"] == 10.0 and daily["used"] == 8.1 and daily["percent"] == 81.0
    assert daily["start"] == "2025-06-03T22:00:00Z" and daily["end"] == "2025-06-04T22:00:00Z"
    assert json.loads(to_json(result, NOW, "Europe/Berlin")) == doc

    from rich.console import Console

    console = Console(width=80, record=True, no_color=True)
    console.print(to_table(result, NOW, "Europe/Berlin"))
    text = console.export_text()
    assert "daily budget" in text and "$8.10" in text and "warn" in text and "14h 00m" in text


def test_now_naive_or_aware_gives_the_same_answer():
    sums = EventSums()
    sums.add(NOW, usd=1)
    naive = datetime(2025, 6, 4, 8, 0)
    assert statuses("[budgets]\ndaily_usd = 10", sums, now=naive)[0].used == 10**12


def test_ids_from_logs_reach_the_table_without_markup_or_control_characters():
    sums = EventSums()
    sums.add(NOW, usd=1, session="[b]x\x1b[2J")
    [status] = statuses("[budgets.sessions]\nlifetime_usd = 10", sums)
    assert describe(status).startswith("session [b]x[2J lifetime budget")
    from rich.console import Console

    console = Console(width=120, record=True, no_color=True)
    console.print(to_table([status], NOW, "UTC"))
    assert "[b]x[2J" in console.export_text()
