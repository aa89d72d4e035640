"""Panels drawn on hand-made dashboards, at the widths a small terminal gives them."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

from rich.console import Console

from tests.tui.conftest import NOW, SONNET
from tokledger.reports import Query, Totals
from tokledger.reports.dashboard import Dashboard, Usage
from tokledger.tui.widgets import SummaryPanel, TodayPanel


def text(renderable, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


def board(**usage) -> Dashboard:
    t = Totals(input_tokens=1_200, output_tokens=34_000, cache_write_tokens=56_000, cache_read_tokens=7_800_000,
               requests=3, priced_pusd=12_345_670_000_000_000)  # fmt: skip
    fields = {"today": date(2026, 3, 14), "days": [], "lifetime": t, "month": t, "range_totals": t,
              "today_totals": t, "today_models": [], "today_sources": [], "trends": [], "models_in_range": 0}  # fmt: skip
    return Dashboard(NOW, Query(ZoneInfo("UTC")), 30, Usage(**{**fields, **usage}), None)


def test_summary_narrows_before_it_drops_a_category_and_keeps_the_total():
    wide = text(SummaryPanel().draw(board(), 60, 5), 60)
    assert "Cache R" in wide and "Total" in wide and "$12,345.67" in wide
    short = text(SummaryPanel().draw(board(), 48, 5), 48)
    assert "C.R" in short and "Total" in short and "$12,345.67" in short
    narrow = text(SummaryPanel().draw(board(), 44, 5), 44)
    assert "C.R" in narrow and "$12,346 " in narrow and "7.9M" in narrow and "Total" in narrow
    tight = text(SummaryPanel().draw(board(), 34, 5), 34)
    assert "Total" in tight and "C.R" not in tight and "C.W" not in tight  # the cache columns go first
    assert "March" in wide  # the month row names the month


def test_today_shows_the_split_by_assistant_when_there_is_more_than_one():
    a = Totals(output_tokens=1000, requests=1, priced_pusd=2 * 10**12)
    b = Totals(output_tokens=500, requests=1, unpriced_requests=1)
    one = board(today_models=[(SONNET, a)], today_sources=[("claude_code", a)])
    assert "by assistant" not in text(TodayPanel().draw(one, 40, 5), 40)
    two = board(
        today_models=[(SONNET, a), ("other-model", b)], today_sources=[("claude_code", a), ("codex", b)]
    )
    out = text(TodayPanel().draw(two, 60, 5), 60)
    assert "by assistant: claude_code $2.00 · codex unpriced" in out
    head = out.splitlines()[0].split()
    assert head == ["Model", "share", "of", "cost", "Tokens", "Cost"]  # the bars and numbers are labelled
    assert "other-model" in out and "unpriced" in out.splitlines()[2]
