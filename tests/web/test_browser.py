"""The dashboard in a real (headless) Chromium: it loads cleanly, the calendar has a cell per day, tooltips and
the day breakdown show the ledger's numbers, and the 2D/3D, theme, palette and filter controls work."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.web.conftest import LOCAL, OPUS, SONNET

pytestmark = pytest.mark.slow


def api(server, path: str):
    with urllib.request.urlopen(server.url.rstrip("/") + path) as response:
        return json.load(response)


def money(value: float) -> str:
    return f"${value:,.2f}"


def hover(page, date: str) -> str:
    point = page.evaluate("date => window.tokledger.calendar.pointFor(date)", date)
    page.mouse.move(point["x"], point["y"])
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    return tip.inner_text()


def test_loads_without_errors_with_a_cell_per_day(page):
    assert page.errors == []
    cells = page.locator("#calendar rect.day")
    assert cells.count() == 365
    dates = cells.evaluate_all("cells => cells.map(c => c.dataset.date)")
    assert dates[0] == "2025-01-01" and dates[-1] == "2025-12-31" and len(set(dates)) == 365
    assert page.locator("#calendar-title").inner_text() == "8 requests in 2025"
    assert page.locator("#year option").all_inner_texts() == ["2025", "2024"]
    assert page.locator("#stats .stat").count() == 8
    for chart in ("#daily-chart svg", "#model-chart .bar-row", "#monthly-chart svg"):
        assert page.locator(chart).count() >= 1, chart


def test_tooltip_shows_the_days_cost(page, server):
    day = api(server, "/api/daily?since=2025-06-02&until=2025-06-02")["rows"][0]
    text = hover(page, "2025-06-02")
    assert "June 2, 2025" in text
    assert money(day["cost_usd"]) in text
    assert f"{day['total_tokens']:,}" in text and "Requests\t2" in text.replace("\n", "\t")


def test_unpriced_usage_is_never_shown_as_zero(page):
    text = hover(page, "2025-07-01")
    assert "unpriced" in text and "$0.00" not in text
    assert "unpriced" in page.locator('#calendar rect[data-date="2025-07-01"]').get_attribute("class")
    total = page.locator("#stats .stat.accent").inner_text()
    assert "*" in total and "2 requests unpriced" in total
    assert page.locator("#calendar-note").is_visible()


def test_clicking_a_day_shows_its_breakdown(page, server):
    detail = api(server, "/api/day/2025-06-01")
    page.locator('#calendar rect[data-date="2025-06-01"]').click()
    panel = page.locator("#day")
    panel.wait_for(state="visible")
    page.wait_for_function("document.querySelectorAll('#day .source').length > 0")
    text = panel.inner_text()
    assert "June 1, 2025" in text and "claude_code" in text
    assert [m.strip() for m in panel.locator(".model-name").all_inner_texts()] == [OPUS, SONNET, LOCAL]
    assert money(detail["totals"]["cost_usd_priced"]) + "*" in text  # part of the day is unpriced
    assert "unpriced" in panel.locator("tr", has_text=LOCAL).inner_text()
    panel.locator("button[aria-label=Close]").click()
    assert panel.is_hidden()
    page.locator('#calendar rect[data-date="2025-06-05"]').click()
    page.wait_for_function("document.querySelector('#day').innerText.includes('No activity')")


def test_switching_to_3d_and_back(page, server):
    page.locator("#view button[data-value='3d']").click()
    assert page.locator("#calendar canvas.calendar-3d").count() == 1
    assert page.locator("#calendar rect.day").count() == 0
    day = api(server, "/api/daily?since=2025-06-01&until=2025-06-03")["rows"]
    text = hover(page, "2025-06-03")
    assert "June 3, 2025" in text and money(day[-1]["cost_usd"]) in text
    point = page.evaluate("window.tokledger.calendar.pointFor('2025-06-02')")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("document.querySelector('#day').innerText.includes('June 2, 2025')")
    assert "view=3d" in page.url
    page.locator("#view button[data-value='2d']").click()
    assert page.locator("#calendar rect.day").count() == 365
    assert page.errors == []


def test_theme_palette_and_metric(page, server):
    root = page.locator("html")
    body = "getComputedStyle(document.body).backgroundColor"
    assert root.get_attribute("data-theme") == "dark"
    dark = page.evaluate(body)
    page.locator("#theme").click()
    assert root.get_attribute("data-theme") == "light" and page.evaluate(body) != dark
    palettes = api(server, "/api/palettes")
    top = page.locator('#calendar rect[data-date="2025-06-01"]')
    assert top.get_attribute("fill") == palettes["palettes"]["green"]["light"][3]
    page.locator("#palette").select_option("purple")
    assert top.get_attribute("fill") == palettes["palettes"]["purple"]["light"][3]
    page.locator("#metric button[data-value='tokens']").click()
    graph = api(server, "/api/graph?breakdown=0")
    level = {c["date"]: c["intensity_tokens"] for c in graph["contributions"]}["2025-06-03"]
    assert page.locator('#calendar rect[data-date="2025-06-03"]').get_attribute("data-level") == str(level)
    page.reload()
    page.wait_for_selector("html[data-dashboard=ready]")
    assert root.get_attribute("data-theme") == "light"  # remembered
    assert page.locator("#palette").input_value() == "purple"


def test_filters_and_year(page):
    page.locator("#model").fill("opus")
    page.locator("#model").dispatch_event("change")
    page.wait_for_function("document.querySelector('#calendar-title').innerText.startsWith('2 requests')")
    assert page.locator("#calendar rect.day:not([data-level='0'])").count() == 2
    assert "model=opus" in page.url
    page.locator("#model").fill("")
    page.locator("#model").dispatch_event("change")
    page.locator("#sources .chip[data-source=claude_code]").click()
    page.wait_for_function("location.hash.includes('source=claude_code')")
    page.locator("#year").select_option("2024")
    page.wait_for_function("document.querySelector('#calendar-title').innerText === '1 request in 2024'")
    assert page.locator("#calendar rect.day").count() == 366
    assert page.errors == []
