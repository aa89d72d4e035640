"""The refresh cycle without a UI: what it rebuilds when, the recent-blocks shortcut, and the dashboard data."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import sync_all
from tests.tui.conftest import HAIKU, NOW, OPUS, SONNET, UNPRICED, demo_history
from tokledger.config import Config
from tokledger.ledger import Ledger
from tokledger.reports import Query, usage_report
from tokledger.reports.blocks import block_anchor, blocks_report, recent_blocks
from tokledger.reports.dashboard import Dashboard, active_block, usage_panels
from tokledger.reports.render import fmt_cost
from tokledger.reports.status import source_status
from tokledger.tui.charts import line_chart, means, per_point
from tokledger.tui.refresh import Cancelled, Refresher, View
from tokledger.tui.text import bar, compact, duration, per_hour
from tokledger.workspace import Workspace

UTC_Q = Query(ZoneInfo("UTC"))


def dashboard(ledger, query, *, days: int = 30, now, hours: int = 5) -> Dashboard:
    """Both halves of a dashboard at once, as a refresh cycle builds them."""
    usage = usage_panels(ledger, query, days=days, now=now)
    block = active_block(recent_blocks(ledger, query, now=now, hours=hours), now)
    return Dashboard(now, query, days, usage, block, source_status(ledger))


def refresher(ledger, env, now=NOW, **kw) -> Refresher:
    return Refresher(Workspace(env, db_path=ledger.path, config=Config()), UTC_Q, clock=lambda: now, **kw)


def test_nothing_new_reuses_the_history_half(ledger, env, transcripts):
    demo_history(transcripts)
    r = refresher(ledger, env)
    first = r.cycle(View())
    assert first.rebuilt and first.synced
    again = r.cycle(View())
    assert not again.rebuilt
    assert again.dashboard.usage is first.dashboard.usage
    assert again.dashboard.block.totals.total_tokens == first.dashboard.block.totals.total_tokens
    transcripts.add(NOW - timedelta(minutes=1), HAIKU, session="live", out=5000)
    third = r.cycle(View())
    assert third.rebuilt
    assert (
        third.dashboard.usage.today_totals.output_tokens
        == first.dashboard.usage.today_totals.output_tokens + 5000
    )


def test_a_changed_view_or_a_forced_refresh_rebuilds(ledger, env, transcripts):
    demo_history(transcripts)
    r = refresher(ledger, env)
    r.cycle(View())
    assert r.cycle(View(days=7), sync=False).rebuilt
    assert not r.cycle(View(days=7), sync=False).rebuilt
    assert r.cycle(View(days=7), force=True).rebuilt
    assert r.cycle(View(days=7, source="claude_code"), sync=False).rebuilt


def test_another_process_writing_the_ledger_is_noticed(ledger, env, transcripts, tmp_path):
    demo_history(transcripts)
    r = refresher(ledger, env)
    before = r.cycle(View()).dashboard.usage.today_totals.output_tokens
    transcripts.add(NOW - timedelta(minutes=2), SONNET, session="live", out=7000)
    other = Ledger.open(tmp_path / "ledger.db")
    try:
        sync_all(other, env)  # e.g. `tokledger sync` in another terminal: our sync will find nothing new
    finally:
        other.close()
    snap = r.cycle(View())
    assert snap.rebuilt
    assert snap.dashboard.usage.today_totals.output_tokens == before + 7000


def test_the_view_narrows_to_one_source(ledger, env, transcripts):
    demo_history(transcripts)
    snap = refresher(ledger, env).cycle(View(source="claude_code"))
    assert snap.dashboard.query.sources == ("claude_code",)
    assert snap.dashboard.usage.lifetime.requests > 0


def test_a_cancelled_sync_stops_between_files_and_the_next_cycle_finishes(ledger, env, transcripts):
    for i in range(3):
        transcripts.add(NOW - timedelta(hours=1 + i), SONNET, session=f"s{i}", out=100)
    r = refresher(ledger, env)

    def cancel(done, total):
        if done:
            raise Cancelled

    with pytest.raises(Cancelled):
        r.cycle(View(), progress=cancel)
    snap = r.cycle(View())
    assert snap.dashboard.usage.lifetime.output_tokens == 300


def test_recent_blocks_match_the_full_report_on_continuous_work(ledger, env, transcripts):
    # Requests every 3 hours for four days: no silence longer than a block, so the active block's start
    # depends on the first request of all. Both the widening window and the anchor must find it.
    for hours in range(96, -1, -3):
        transcripts.add(NOW - timedelta(hours=hours, minutes=7), SONNET, out=1000 + hours)
    sync_all(ledger, env)
    full = blocks_report(ledger, UTC_Q, now=NOW)
    expected = active_block(full, NOW)
    windowed = recent_blocks(ledger, UTC_Q, now=NOW)
    anchored = recent_blocks(ledger, UTC_Q, now=NOW, anchor_ms=block_anchor(windowed))
    assert len(anchored.rows) == 1
    for report in (windowed, anchored):
        block = active_block(report, NOW)
        assert (block.start, block.totals.total_tokens) == (expected.start, expected.totals.total_tokens)


def test_recent_blocks_after_a_night_read_only_since_yesterday(ledger, env, transcripts):
    transcripts.add(NOW - timedelta(days=20), SONNET)
    transcripts.add(NOW - timedelta(hours=2), SONNET)
    sync_all(ledger, env)
    report = recent_blocks(ledger, UTC_Q, now=NOW)
    assert [row.is_gap for row in report.rows] == [False]
    assert active_block(report, NOW).start == NOW.replace(hour=13, minute=0)


def test_dashboard_bundle(ledger, env, transcripts):
    demo_history(transcripts)
    sync_all(ledger, env)
    board = dashboard(ledger, UTC_Q, days=30, now=NOW)
    u = board.usage
    assert u.today.isoformat() == "2026-03-14"
    assert len(u.days) == 30 and u.days[-1] == u.today
    assert u.lifetime.total_tokens == usage_report(ledger, "model", UTC_Q).totals.total_tokens
    month = usage_report(ledger, "monthly", UTC_Q).rows[-1].totals
    assert (u.month.total_tokens, u.month.priced_pusd) == (month.total_tokens, month.priced_pusd)
    assert u.today_totals.requests == 5
    assert [m for m, _ in u.today_models] == ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805"]
    assert [s for s, _ in u.today_sources] == ["claude_code"]
    assert [t.model for t in u.trends] == [SONNET, OPUS, HAIKU, UNPRICED]
    assert sum(sum(t.tokens) for t in u.trends) == u.range_totals.total_tokens
    assert board.unpriced_models == [UNPRICED]
    assert fmt_cost(u.lifetime).endswith("*")
    assert board.block.elapsed_minutes == 150 and board.block.remaining_minutes == 150
    assert board.block.projected_tokens > board.block.totals.total_tokens
    assert [s["source"] for s in board.sources if s["found"]] == ["claude_code"]


def test_trends_keep_the_five_costliest_models(ledger, env, transcripts):
    for i in range(7):
        transcripts.add(
            NOW - timedelta(days=1, minutes=i), f"{SONNET}-{i}" if i else SONNET, out=1000 * (i + 1)
        )
    sync_all(ledger, env)
    u = dashboard(ledger, UTC_Q, days=7, now=NOW).usage
    assert len(u.trends) == 5 and u.models_in_range == 7


def test_burn_rate_of_a_partly_unpriced_block_is_the_priced_part_marked(ledger, env, transcripts):
    transcripts.add(NOW - timedelta(minutes=60), SONNET, out=10_000)
    transcripts.add(NOW - timedelta(minutes=30), UNPRICED, out=10_000)
    sync_all(ledger, env)
    block = dashboard(ledger, UTC_Q, now=NOW).block
    assert block.totals.unpriced_requests == 1
    assert fmt_cost(block.cost_per_hour).endswith("*") and fmt_cost(block.cost_per_hour) != "$0.00*"
    assert block.cost_per_hour.priced_pusd == 2 * block.totals.priced_pusd  # 30 minutes of activity
    assert per_hour(fmt_cost(block.cost_per_hour)).endswith("/h*")


def test_text_charts():
    assert [compact(n) for n in (999, 1000, 999_499, 999_500, 12_345_678, 2_000_000_000)] == [
        "999", "1.0K", "999K", "1.0M", "12.3M", "2.0B"]  # fmt: skip
    assert per_point(30, 60) == 1 and per_point(90, 60) == 2 and means([1, 3, 5, 7, 9], 2) == [2, 6, 9]
    days = [date(2026, 3, d) for d in range(1, 11)]
    chart = line_chart(
        [([0, 0, 5, 10, 5, 0, 0, 0, 0, 0], "red")], days, width=14, height=2, label=str, cursor=3
    )
    top, bottom = (row.plain for row in chart.rows)
    assert top.startswith("10┤") and bottom.startswith(" 0┤") and chart.per_point == 1
    assert chart.axis.plain.startswith("  └") and "03-04" in chart.axis.plain  # the cursor's day on the axis
    assert bottom[3] == " " and bottom[-3:] == "   "  # idle days are not drawn along the baseline
    assert any("\u2800" < ch <= "\u28ff" for ch in top)  # braille dots
    assert bar(1, 2, 4) == "██  " and bar(0, 2, 3) == "   " and bar(1, 1000, 3) == "▏  "
    assert [duration(m) for m in (5, 60, 61, 300)] == ["5m", "1h", "1h01m", "5h"]


def test_the_refresher_fills_the_price_cache_like_the_cli(ledger, env, transcripts):
    demo_history(transcripts)
    workspace = Workspace(env, db_path=ledger.path, config=Config())
    refresher = Refresher(workspace, UTC_Q, clock=lambda: NOW)
    refresher.prime()
    cached = workspace.ledger.price_cache(workspace.fingerprint)
    assert SONNET in {key.split("\x1f")[0] for key in cached}
