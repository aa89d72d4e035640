"""The dashboard in a real (headless) Chromium: at 1440×900 and at 390×844, light and dark, 2D and 3D, it loads
without console errors, never overflows a phone's width, shows exactly the API's numbers, and can be used from
the keyboard; tooltips, the day breakdown, filters, dead ends and the controls work."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.web.conftest import LOCAL, OPUS, SONNET

pytestmark = pytest.mark.slow

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def api(server, path: str):
    with urllib.request.urlopen(server.url.rstrip("/") + path) as response:
        return json.load(response)


# The page's number formats (format.js), for comparing what it shows with what the API says.
def money(value: float) -> str:
    return f"${value:,.2f}"


def cost(t: dict) -> str:
    if t["unpriced_requests"] and not t["cost_usd_priced"]:
        return "unpriced"
    return money(t["cost_usd_priced"]) + ("*" if t["unpriced_requests"] else "")


def compact(n: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size:
            return f"{n / size:.1f}".removesuffix(".0") + suffix
    return f"{round(n):,}"


def percent(part: float, whole: float) -> str:
    p = 100 * part / whole if whole else 0
    return "<1%" if 0 < p < 1 else f"{round(p)}%"


def open_page(browser, server, *, size="desktop", scheme="dark", hash_=""):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.url + hash_)
    page.wait_for_selector("html[data-dashboard=ready]", timeout=15_000)
    return page


def hover(page, date: str) -> str:
    point = page.evaluate("date => window.tokledger.calendar.pointFor(date)", date)
    page.mouse.move(point["x"], point["y"])
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    return tip.inner_text()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".calendar-scroll, #tooltip, .visually-hidden")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.height && (box.right > width + 0.5 || box.left < -0.5)) {
      out.push(`${el.tagName}.${el.className} ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


def check_numbers(page, server, view: str) -> None:
    """Every figure the page shows against the API answer it comes from."""
    graph = api(server, "/api/graph?breakdown=0")
    year = graph["meta"]["year"]
    o = api(server, f"/api/overview?year={year}")
    cards = dict(zip(page.locator(".stat .stat-label").all_inner_texts(),
                     page.locator(".stat .stat-value").all_inner_texts(), strict=True))  # fmt: skip
    t = o["totals"]
    assert cards["Total cost"] == cost(t) and cards["Tokens"] == compact(t["total_tokens"])
    assert (
        cards["Requests"] == f"{t['requests']:,}"
        and cards["Active days"] == f"{o['active_days']} / {o['days']}"
    )
    assert cards["Longest streak"].startswith(str(o["longest_streak"]["days"]))
    assert (
        cards["Busiest day"] == cost(o["busiest_day"])
        and cards["Most used model"] == o["most_used_model"]["model"]
    )
    s = graph["summary"]
    assert page.locator("#calendar-title").inner_text() == f"{s['requests']} requests in {year}"
    assert page.locator("#calendar-sub").inner_text() == (
        f"{cost(s)} · {compact(s['total_tokens'])} tokens · {s['active_days']} active days"
    )
    if view == "3d":
        figures = page.locator("#stats3d .s3 b").all_inner_texts()
        assert figures == [cost(s), compact(s["total_tokens"]), cost(s["best_day"]),
                           money(s["average_per_active_day"]["cost_usd_priced"]),
                           f"{s['current_streak']} / {s['longest_streak']['days']}"]  # fmt: skip
    last = max(c["date"] for c in graph["contributions"] if c["requests"])
    day = api(server, f"/api/day/{last}")
    panel = page.locator("#day")
    assert panel.is_visible() and "December 31, 2025" in panel.inner_text()  # the latest active day, open
    assert f"Day total {cost(day['totals'])}" in panel.inner_text()
    shares = page.locator("#day .share-keys b").all_inner_texts()
    parts = [
        k
        for k in ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")
        if day["totals"][k]
    ]
    assert shares == [percent(day["totals"][k], day["totals"]["total_tokens"]) for k in parts]
    models = api(server, f"/api/model?year={year}&breakdown=1")["rows"]
    shown = {row.get_attribute("data-model"): row.locator(".bar-value b").inner_text()
             for row in page.locator("#model-chart .bar-row").all()}  # fmt: skip
    assert shown == {r["period"]: cost(r) for r in models}
    since, until = page.evaluate("window.tokledger.data.range")
    daily = api(server, f"/api/daily?since={since}&until={until}&breakdown=1")
    legend = page.locator("#daily-chart .legend .key b").all_inner_texts()
    assert legend == [cost({"cost_usd_priced": sum(r["cost_usd_priced"] for r in daily["rows"]),
                            "unpriced_requests": sum(r["unpriced_requests"] for r in daily["rows"])})]  # fmt: skip


@pytest.mark.parametrize("view", ["2d", "3d"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_size_theme_and_view(browser, server, size, scheme, view):
    page = open_page(browser, server, size=size, scheme=scheme, hash_="#view=3d" if view == "3d" else "")
    assert page.locator("html").get_attribute("data-theme") == scheme
    layout = page.evaluate(OVERFLOW)
    assert layout["scroll"] <= layout["width"] and layout["out"] == [], (
        layout
    )  # nothing wider than the screen
    if view == "3d":
        canvas = page.locator("#calendar canvas").bounding_box()
        card = page.locator("#calendar-card").bounding_box()
        assert canvas["x"] >= card["x"] and canvas["x"] + canvas["width"] <= card["x"] + card["width"]
        assert canvas["height"] < 0.6 * canvas["width"]  # no band of empty canvas
    else:
        cell = page.locator('#calendar rect.day[data-date="2025-06-01"]').bounding_box()
        assert cell["width"] >= 10  # a fixed cell size: a phone scrolls the weeks sideways instead
    check_numbers(page, server, view)
    if size == "desktop":  # model names whole at 1440 px
        cut = page.locator("#model-chart .bar-name").evaluate_all(
            "els => els.filter(e => e.scrollWidth > e.clientWidth).length"
        )
        assert cut == 0
    assert "null" not in page.locator("body").inner_text()
    assert page.errors == []
    page.context.close()


def test_loads_with_a_cell_per_day_and_display_names(page):
    cells = page.locator("#calendar rect.day")
    assert cells.count() == 365
    dates = sorted(
        cells.evaluate_all("cells => cells.map(c => c.dataset.date)")
    )  # in rows: a row per weekday
    assert dates[0] == "2025-01-01" and dates[-1] == "2025-12-31" and len(set(dates)) == 365
    assert page.locator("#year option").all_inner_texts() == ["2025", "2024"]
    assert page.locator("#stats .stat").count() == 8
    assert page.locator("#sources .chip").all_inner_texts() == ["Claude Code"]
    assert "claude_code" not in page.locator("main").inner_text()
    for chart in ("#daily-chart svg", "#model-chart .bar-row", "#monthly-chart svg"):
        assert page.locator(chart).count() >= 1, chart


def test_the_keyboard_reaches_walks_and_opens_the_days(page):
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('rect.day')"):
            break
    focused = "document.activeElement.dataset.date"
    assert page.evaluate(focused) == "2025-12-31"  # the one tab stop sits on the latest active day
    assert page.locator("svg.calendar-2d").get_attribute("role") == "grid"
    assert page.locator("svg.calendar-2d g[role=row]").count() == 7
    page.keyboard.press("ArrowLeft")  # a week back
    assert page.evaluate(focused) == "2025-12-24"
    page.keyboard.press("ArrowDown")  # a day on
    assert page.evaluate(focused) == "2025-12-25"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "December 25, 2025: no usage"
    assert page.locator("#calendar-live").inner_text() == "December 25, 2025: no usage"
    page.keyboard.press("Home")
    assert page.evaluate(focused) == "2025-01-01"
    for _ in range(22):
        page.keyboard.press("ArrowRight")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == "2025-06-07"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("June 2, 2025: $") and "2 requests" in label
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#day').innerText.includes('June 2, 2025')")
    page.keyboard.press("Escape")
    assert page.locator("#day").is_hidden()
    page.keyboard.press(" ")
    page.wait_for_function("!document.querySelector('#day').hidden")
    assert page.errors == []


def test_the_keyboard_in_3d(browser, server):
    page = open_page(browser, server, hash_="#view=3d")
    page.locator("#calendar canvas").focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    assert page.locator("#calendar-live").inner_text() == "December 24, 2025: no usage"
    assert page.locator("#tooltip").is_visible()
    page.keyboard.press("Home")
    for _ in range(22):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.locator("#calendar-live").inner_text().startswith("June 1, 2025")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#day').innerText.includes('June 1, 2025')")
    page.keyboard.press("Escape")
    assert page.locator("#day").is_hidden() and page.errors == []
    page.context.close()


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


def test_clicking_a_day_shows_its_breakdown_and_again_closes_it(page, server):
    detail = api(server, "/api/day/2025-06-01")
    page.locator('#calendar rect[data-date="2025-06-01"]').click()
    panel = page.locator("#day")
    page.wait_for_function("document.querySelector('#day').innerText.includes('June 1, 2025')")
    text = panel.inner_text()
    assert "Claude Code" in text
    assert [m.strip() for m in panel.locator(".source .model-name").all_inner_texts()] == [
        OPUS,
        SONNET,
        LOCAL,
    ]
    assert money(detail["totals"]["cost_usd_priced"]) + "*" in text  # part of the day is unpriced
    assert "unpriced" in panel.locator(".model-row", has_text=LOCAL).inner_text()
    share = {row.get_attribute("data-model"): row.locator(".pct").inner_text()
             for row in panel.locator(".day-model").all()}  # fmt: skip
    by_model = {m["model"]: m for src in detail["sources"] for m in src["models"]}
    whole = detail["totals"]["cost_usd_priced"]
    assert share == {m: percent(t["cost_usd_priced"], whole) for m, t in by_model.items()}
    page.locator('#calendar rect[data-date="2025-06-01"]').click()  # the same day again
    assert panel.is_hidden()
    page.locator('#calendar rect[data-date="2025-06-05"]').click()
    page.wait_for_function("document.querySelector('#day').innerText.includes('No activity')")
    panel.locator("button[aria-label='Close the breakdown']").click()
    assert panel.is_hidden()


def test_switching_to_3d_and_back(page, server):
    page.locator("#view button[data-value='3d']").click()
    assert page.locator("#calendar canvas.calendar-3d").count() == 1
    assert page.locator("#calendar rect.day").count() == 0
    assert page.locator("#stats3d").is_visible()
    day = api(server, "/api/daily?since=2025-06-01&until=2025-06-03")["rows"]
    text = hover(page, "2025-06-03")
    assert "June 3, 2025" in text and money(day[-1]["cost_usd"]) in text
    point = page.evaluate("window.tokledger.calendar.pointFor('2025-06-02')")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("document.querySelector('#day').innerText.includes('June 2, 2025')")
    assert "view=3d" in page.url
    page.locator("#view button[data-value='2d']").click()
    assert page.locator("#calendar rect.day").count() == 365 and page.locator("#stats3d").is_hidden()
    assert page.errors == []


def test_theme_palette_and_metric(page, server):
    root = page.locator("html")
    body = "getComputedStyle(document.body).backgroundColor"
    assert root.get_attribute("data-theme") == "dark"
    assert page.locator("#theme .sun").is_visible() and page.locator("#theme .moon").is_hidden()
    dark = page.evaluate(body)
    page.locator("#theme").click()
    assert root.get_attribute("data-theme") == "light" and page.evaluate(body) != dark
    assert page.locator("#theme .moon").is_visible() and page.locator("#theme .sun").is_hidden()
    palettes = api(server, "/api/palettes")
    top = page.locator('#calendar rect[data-date="2025-06-01"]')
    assert top.get_attribute("fill") == palettes["palettes"]["green"]["light"][3]
    page.locator("#palette").select_option("purple")
    assert top.get_attribute("fill") == palettes["palettes"]["purple"]["light"][3]
    page.locator("#metric button[data-value='tokens']").click()
    graph = api(server, "/api/graph?breakdown=0")
    level = {c["date"]: c["intensity_tokens"] for c in graph["contributions"]}["2025-06-03"]
    assert page.locator('#calendar rect[data-date="2025-06-03"]').get_attribute("data-level") == str(level)
    # Tokens recolour every chart, not just the calendar.
    assert page.locator("#daily-title").inner_text() == "Daily tokens by source"
    models = api(server, "/api/model?year=2025")["rows"]
    first = max(models, key=lambda r: r["total_tokens"])
    assert page.locator("#model-chart .bar-row").first.get_attribute("data-model") == first["period"]
    assert page.locator("#model-chart .bar-row .bar-value b").first.inner_text() == compact(
        first["total_tokens"]
    )
    assert page.locator("#monthly-chart rect.column.tokens").count() >= 1
    page.reload()
    page.wait_for_selector("html[data-dashboard=ready]")
    assert root.get_attribute("data-theme") == "light"  # remembered
    assert page.locator("#palette").input_value() == "purple"


def test_one_colour_per_model_from_the_palette(page, server):
    colours = api(server, "/api/palettes")["models"]
    for row in page.locator("#model-chart .bar-row").all():
        swatch = row.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor")
        want = colours[row.get_attribute("data-model")]
        assert swatch == "rgb({}, {}, {})".format(*(int(want[i : i + 2], 16) for i in (1, 3, 5)))
    assert len(set(colours.values())) == len(colours)


def test_axis_labels_share_one_format(page):
    for chart in ("#daily-chart", "#monthly-chart"):
        labels = page.locator(f"{chart} text.label.end").all_text_contents()
        assert labels and len({"." in label for label in labels}) == 1, labels


def test_rolling_twelve_months(page):
    page.locator("#range button[data-value='365']").click()
    page.wait_for_function("window.tokledger.data.range[0] === '2025-01-01'")
    assert page.evaluate("window.tokledger.data.range") == ["2025-01-01", "2025-12-31"]
    assert "range=365" in page.url


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


def test_dead_ends_say_what_matched_nothing(browser, server):
    page = open_page(browser, server, hash_="#year=2031&model=zzz")
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert "No usage in 2031; showing 2025." in notice.inner_text()
    assert 'No model contains "zzz".' in notice.inner_text()
    assert page.locator("#year option").all_inner_texts() == ["2025", "2024"]
    assert not page.locator("#year").is_disabled()
    notice.locator("button", has_text="Clear the filters").click()
    page.wait_for_function("document.querySelector('#calendar-title').innerText === '8 requests in 2025'")
    assert notice.is_hidden() and page.errors == []
    page.context.close()
