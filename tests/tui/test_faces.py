"""What the live dashboard shows beyond the numbers: an old history as of its last day, one colour per model
in every panel, the block against a token limit, the month against the last one, zoom and the day cursor —
at 80×24 and at 120×40."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from rich.console import Console

from tests.tui.conftest import (
    HAIKU,
    NOW,
    OPUS,
    SONNET,
    UNPRICED,
    async_test,
    demo_history,
    make_app,
    press,
    screen_text,
    settle,
)
from tokledger.reports import Query, usage_report
from tokledger.reports.palette import MODEL_COLOURS, model_colours
from tokledger.reports.periods import zone
from tokledger.tui.widgets import TodayPanel, TrendPanel

SIZES = [(80, 24), (120, 40)]


def fits(text: str, width: int, height: int) -> bool:
    lines = text.splitlines()
    return len(lines) == height and all(len(line) <= width for line in lines)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_old_history_is_shown_as_of_its_last_day(ledger, env, transcripts, size):
    demo_history(transcripts, NOW - timedelta(days=366))
    app = make_app(ledger, env)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert fits(text, *size)
        assert "last usage 2025-03-13 (366 d ago)" in text
        assert "Daily tokens and cost · 30 days to 2025-03-13" in text
        assert (
            "Mar 2025" in text and "Mar 13" in text
        )  # the month and the day rows are that month's and day's
        assert "Block" not in text and "Today by model" not in text  # empty panels left out
        assert "no usage in the last" not in text
        assert app.snapshot.dashboard.usage.range_totals.requests > 0


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_current_history(ledger, env, transcripts, size):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert fits(text, *size)
        header = next(line for line in text.splitlines() if "Cost" in line and "Out" in line)
        assert "Total" in header  # short headers keep the Total column at 80 columns
        assert "March" in text and "vs Feb 1–14" in text and "projected $" in text
        assert "resets in 2h30m (18:00)" in text and "limit: largest block" in text
        assert "Tokens" in text and ("share of cost" in text or " cost " in text)  # today's bars are labelled
        assert "Block 13:00–18:00" in text and "Today by model" in text


@async_test
async def test_the_month_row_against_last_month(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        u = app.snapshot.dashboard.usage
        report = usage_report(ledger, "daily", Query(zone("UTC"), sources=("claude_code",)))
        rows = {r.period: r.totals for r in report.rows}
        march = sum(t.priced_pusd for p, t in rows.items() if p.startswith("2026-03"))
        feb = sum(t.priced_pusd for p, t in rows.items() if "2026-02-01" <= p <= "2026-02-14")
        assert (u.month.priced_pusd, u.last_month.priced_pusd) == (march, feb)
        change = round((march - feb) / feb * 100)
        assert f"{change:+d}% vs Feb 1–14" in screen_text(app)
        assert 13 / 31 < u.month_fraction < 14 / 31  # 13 days and 15.5 hours of March
        assert u.projected(u.month).priced_pusd == round(march / u.month_fraction)


def _styles_of(renderable, width: int, words: list[str]) -> dict[str, set[str]]:
    console = Console(width=width, file=io.StringIO(), color_system="truecolor")
    found: dict[str, set[str]] = {w: set() for w in words}
    for segment in console.render(renderable):
        for word in words:
            if word in segment.text and segment.style and segment.style.color:
                found[word].add(segment.style.color.triplet.hex)
    return found


@async_test
async def test_every_model_has_its_own_colour_in_every_panel(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        board = app.snapshot.dashboard
        colours = board.usage.colours
        assert colours == model_colours(ledger)
        shown = [SONNET, OPUS, HAIKU, UNPRICED]
        assert len({colours[m] for m in shown}) == 4 and {colours[m] for m in shown} <= set(MODEL_COLOURS)
        today = _styles_of(
            app.screen.query_one(TodayPanel).draw(board, 80, 6), 80, ["claude-sonnet", "claude-opus"]
        )
        trend = _styles_of(
            app.screen.query_one(TrendPanel).draw(board, 110, 20), 110, ["sonnet-4-5", "opus-4-1"]
        )
        assert today["claude-sonnet"] == {colours[SONNET]} and today["claude-opus"] == {colours[OPUS]}
        assert trend["sonnet-4-5"] == {colours[SONNET]} and trend["opus-4-1"] == {colours[OPUS]}


@async_test
async def test_the_block_against_a_given_limit(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env, token_limit="1000000", limit_from="--token-limit")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        block = app.snapshot.dashboard.block
        assert block.limit == 1_000_000 and block.share(block.totals.total_tokens) == pytest.approx(0.9689)
        text = screen_text(app)
        assert "97% of 1.0M" in text and "limit: --token-limit" in text
        end = block.share(block.projected_tokens)
        assert block.status(end) == "exceeds" and f"{end:.0%}" in text


@async_test
async def test_enter_zooms_and_the_arrows_walk_the_days(ledger, env, transcripts):
    demo_history(transcripts)
    app = make_app(ledger, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert app.screen.maximized is app.screen.query_one("#summary")
        await press(app, pilot, "enter")
        assert app.screen.maximized is None
        await press(app, pilot, "left", "left")
        trends = app.screen.query_one(TrendPanel)
        assert app.focused is trends and trends.cursor == 28
        day = app.snapshot.dashboard.usage.days[28]
        report = usage_report(
            ledger, "daily", Query(zone("UTC"), since=day, until=day, sources=("claude_code",))
        )
        t = report.totals
        line = next(line for line in screen_text(app).splitlines() if "▸" in line)
        assert f"{day:%a %Y-%m-%d}" in line and f"${t.cost_usd_priced:,.2f}" in line
        assert f"{t.requests} requests" in line
        await press(app, pilot, "end")
        assert trends.cursor == 29
        await press(app, pilot, "enter", "escape")  # Esc unzooms before it quits
        assert app.is_running and app.screen.maximized is None
