"""``tokledger graph``: the JSON schema and its numbers (against ``daily --json``), the SVG, the terminal view,
and the grading and streak rules underneath."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from tests.conftest import json_out
from tokledger.reports.graph import grader, streaks
from tokledger.reports.graph_render import PALETTES, THEMES

UTC = ("--timezone", "UTC")
TOTAL_KEYS = {"input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
              "reasoning_tokens", "total_tokens", "requests", "cost_usd", "cost_usd_priced", "unpriced_requests"}  # fmt: skip
SVG = "{http://www.w3.org/2000/svg}"


def test_graph_json_schema(run_cli, usage_home):
    doc = json_out(run_cli("graph", "--json", *UTC))
    assert set(doc) == {"meta", "summary", "years", "contributions"}
    meta = doc["meta"]
    assert set(meta) == {"generated_at", "tokledger", "timezone", "mode", "year", "range", "filters"}
    assert meta["year"] == 2025  # the newest year with usage
    assert meta["range"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert meta["timezone"] == "UTC" and meta["filters"] == {"sources": [], "models": []}
    assert TOTAL_KEYS <= set(doc["summary"])
    assert set(doc["summary"]) - TOTAL_KEYS == {
        "days", "active_days", "average_per_active_day", "max_day", "best_day", "current_streak", "longest_streak",
        "sources", "models", "unpriced",
    }  # fmt: skip
    assert [y["year"] for y in doc["years"]] == [2024, 2025]
    assert set(doc["years"][0]) == TOTAL_KEYS | {"year", "first_day", "last_day", "active_days"}
    days = doc["contributions"]
    assert len(days) == 365 and days[0]["date"] == "2025-01-01" and days[-1]["date"] == "2025-12-31"
    for c in days:
        assert set(c) == TOTAL_KEYS | {"date", "week", "weekday", "intensity", "intensity_tokens", "models"}
        assert 0 <= c["intensity"] <= 4 and 0 <= c["intensity_tokens"] <= 4
        assert 0 <= c["weekday"] <= 6 and 0 <= c["week"] <= 53
    assert days[0]["weekday"] == 3 and days[0]["week"] == 0  # 1 January 2025 was a Wednesday
    assert days[4]["weekday"] == 0 and days[4]["week"] == 1  # the next Sunday starts week 1


def test_graph_json_numbers_equal_daily(run_cli, usage_home):
    doc = json_out(run_cli("graph", "--json", "--year", "2025", *UTC))
    daily = json_out(run_cli("daily", "--json", "--breakdown", "--year", "2025", *UTC))
    rows = {r["period"]: r for r in daily["rows"]}
    for c in doc["contributions"]:
        row = rows.get(c["date"])
        if row is None:
            assert c["requests"] == 0 and c["intensity"] == 0 and c["models"] == [] and c["cost_usd"] == 0.0
            continue
        assert {k: c[k] for k in TOTAL_KEYS} == {k: row[k] for k in TOTAL_KEYS}
        assert c["models"] == row["models"]
        assert c["intensity"] >= 1
    s = doc["summary"]
    assert {k: s[k] for k in TOTAL_KEYS} == daily["totals"]
    assert s["cost_usd"] is None and s["unpriced"] == daily["unpriced"]
    assert (s["days"], s["active_days"]) == (365, 5)
    assert s["longest_streak"] == {"days": 3, "start": "2025-06-01", "end": "2025-06-03"}
    assert s["best_day"]["date"] == "2025-06-01"
    assert s["max_day"]["cost_usd_priced"] == rows["2025-06-01"]["cost_usd_priced"]
    assert s["sources"] == ["claude_code"] and len(s["models"]) == 4
    by_date = {c["date"]: c for c in doc["contributions"]}
    only_unpriced = by_date["2025-07-01"]
    assert only_unpriced["cost_usd"] is None and only_unpriced["cost_usd_priced"] == 0.0
    assert only_unpriced["intensity"] == 1  # active, never shown as an empty day
    assert by_date["2025-06-01"]["intensity"] == 4


def test_graph_filters(run_cli, usage_home):
    doc = json_out(run_cli("graph", "--json", "--model", "opus", *UTC))
    assert doc["meta"]["filters"]["models"] == ["opus"]
    assert [c["date"] for c in doc["contributions"] if c["requests"]] == ["2025-06-01", "2025-12-31"]
    old = json_out(run_cli("graph", "--json", "--year", "2024", "--no-sync", *UTC))
    assert len(old["contributions"]) == 366 and old["summary"]["active_days"] == 1
    result = run_cli("graph", "--source", "nope", expect=2)
    assert "unknown source" in result.output


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_graph_svg(run_cli, usage_home, tmp_path, theme):
    out = tmp_path / "calendar.svg"
    result = run_cli("graph", "--svg", str(out), "--theme", theme, "--palette", "blue", *UTC)
    assert "calendar.svg" in result.output
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    days = [r for r in root.iter(f"{SVG}rect") if r.get("data-date")]
    assert len(days) == 365 == len({r.get("data-date") for r in days})
    colours = [THEMES[theme]["empty"], *PALETTES["blue"][theme]]
    for rect in days:
        assert rect.get("fill") == colours[int(rect.get("data-level"))]
        assert rect.find(f"{SVG}title").text.startswith(rect.get("data-date"))
    june_first = next(r for r in days if r.get("data-date") == "2025-06-01")
    assert "$" in june_first.find(f"{SVG}title").text and june_first.get("data-level") == "4"
    july_first = next(r for r in days if r.get("data-date") == "2025-07-01")
    assert "unpriced" in july_first.find(f"{SVG}title").text and july_first.get("stroke")
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "2025" in text and "Jan" in text and "Less" in text


def test_graph_svg_and_json_together_and_terminal(run_cli, usage_home, tmp_path):
    out = tmp_path / "g.svg"
    doc = json_out(run_cli("graph", "--json", "--svg", str(out), "--metric", "tokens", *UTC))
    assert doc["meta"]["year"] == 2025 and out.read_text().startswith("<svg")
    text = run_cli("graph", "--no-sync", *UTC).output
    assert "2025" in text and "Mon" in text and "Less" in text and "■" in text
    assert "unknown palette" in run_cli("graph", "--palette", "plaid", expect=2).output


def test_grader_uses_quartiles_of_active_days():
    grade = grader([0, 10, 20, 30, 40, 1000])
    assert [grade(v, True) for v in (10, 20, 30, 40, 1000)] == [1, 2, 3, 4, 4]
    assert grade(0, False) == 0 and grade(0, True) == 1  # an unpriced-only day is still active
    assert grader([5])(5, True) == 4
    assert grader([])(0, True) == 1


def test_streaks():
    d = date.fromisoformat
    active = [d("2025-01-01"), d("2025-01-02"), d("2025-01-03"), d("2025-01-10"), d("2025-01-11")]
    current, longest = streaks(active, today=d("2025-01-12"))  # today idle: the run ending yesterday counts
    assert current == 2 and longest == {"days": 3, "start": "2025-01-01", "end": "2025-01-03"}
    assert streaks(active, today=d("2025-01-11"))[0] == 2
    assert streaks(active, today=d("2025-01-13"))[0] == 0
    assert streaks([], today=d("2025-01-13")) == (0, {"days": 0, "start": None, "end": None})
