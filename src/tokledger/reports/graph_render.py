"""Drawing a contribution calendar (the document of :func:`tokledger.reports.graph.graph_data`).

:func:`to_svg` gives a standalone SVG (no script, no external font or stylesheet) fit for a README or a
profile page: 53–54 week columns × 7 weekday rows starting on Sunday, one ``<rect>`` per day carrying
``data-date`` and ``data-level`` and a ``<title>`` tooltip, month and weekday labels, a Less → More legend
and a summary line. :func:`to_rich` gives the same calendar for a terminal. The palettes are shared with the
web dashboard (served as ``/api/palettes``).
"""

from __future__ import annotations

from datetime import date
from html import escape

# Four grades per palette (grade 0 is the theme's empty-cell colour), for light and for dark backgrounds.
PALETTES: dict[str, dict[str, list[str]]] = {
    "green": {"light": ["#9be9a8", "#40c463", "#30a14e", "#216e39"],
              "dark": ["#0e4429", "#006d32", "#26a641", "#39d353"]},
    "halloween": {"light": ["#ffee4a", "#ffc501", "#fe9600", "#03001c"],
                  "dark": ["#631c03", "#bd561d", "#fa7a18", "#fddf68"]},
    "teal": {"light": ["#99f6e4", "#2dd4bf", "#0d9488", "#115e59"],
             "dark": ["#134e4a", "#0f766e", "#14b8a6", "#5eead4"]},
    "blue": {"light": ["#bfdbfe", "#60a5fa", "#2563eb", "#1e3a8a"],
             "dark": ["#1e3a8a", "#1d4ed8", "#3b82f6", "#93c5fd"]},
    "pink": {"light": ["#fbcfe8", "#f472b6", "#db2777", "#831843"],
             "dark": ["#831843", "#be185d", "#ec4899", "#f9a8d4"]},
    "purple": {"light": ["#ddd6fe", "#a78bfa", "#7c3aed", "#4c1d95"],
               "dark": ["#4c1d95", "#6d28d9", "#8b5cf6", "#c4b5fd"]},
    "orange": {"light": ["#fed7aa", "#fb923c", "#ea580c", "#7c2d12"],
               "dark": ["#7c2d12", "#c2410c", "#f97316", "#fdba74"]},
    "monochrome": {"light": ["#d4d4d8", "#a1a1aa", "#52525b", "#18181b"],
                   "dark": ["#3f3f46", "#71717a", "#a1a1aa", "#f4f4f5"]},
    "ylgnbu": {"light": ["#c7e9b4", "#41b6c4", "#225ea8", "#081d58"],
               "dark": ["#253494", "#2c7fb8", "#41b6c4", "#c7e9b4"]},
}  # fmt: skip
THEMES = {
    "light": {"background": "#ffffff", "empty": "#ebedf0", "text": "#57606a", "heading": "#1f2328",
              "unpriced": "#bf8700"},
    "dark": {"background": "#0d1117", "empty": "#262c36", "text": "#8b949e", "heading": "#e6edf3",
             "unpriced": "#d29922"},
}  # fmt: skip
METRICS = {"cost": "intensity", "tokens": "intensity_tokens"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CELL, GAP = 11, 3
PITCH = CELL + GAP
LEFT, TOP = 36, 46


def cost_text(d: dict) -> str:
    """A cost for people: "unpriced" when nothing in it has a price, a trailing * when part of it has none."""
    if d["unpriced_requests"] and not d["cost_usd_priced"]:
        return "unpriced"
    return f"${d['cost_usd_priced']:,.2f}" + ("*" if d["unpriced_requests"] else "")


def compact(n: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{n:,.0f}"


def colours(palette: str, theme: str) -> list[str]:
    if palette not in PALETTES:
        raise ValueError(f"unknown palette {palette!r} (known: {', '.join(PALETTES)})")
    return [THEMES[theme]["empty"], *PALETTES[palette][theme]]


def _day_title(c: dict) -> str:
    text = f"{c['date']}: {cost_text(c)} · {compact(c['total_tokens'])} tokens · {c['requests']:,} requests"
    return text if c["requests"] else f"{c['date']}: no usage"


def headline(doc: dict) -> str:
    s = doc["summary"]
    return f"{doc['meta']['year']} · {cost_text(s)} · {compact(s['total_tokens'])} tokens · {s['requests']:,} requests"


def footer(doc: dict) -> str:
    s = doc["summary"]
    parts = [f"{s['active_days']} active days", f"longest streak {s['longest_streak']['days']} days"]
    if s["best_day"]:
        parts.append(f"best day {s['best_day']['date']} ({cost_text(s['best_day'])})")
    if s["unpriced"]["requests"]:
        parts.append(f"{s['unpriced']['requests']:,} unpriced requests")
    return " · ".join(parts)


def to_svg(doc: dict, *, metric: str = "cost", palette: str = "green", theme: str = "light") -> str:
    grades, t = colours(palette, theme), THEMES[theme]
    key = METRICS[metric]
    days = doc["contributions"]
    weeks = days[-1]["week"] + 1 if days else 53
    width, height = LEFT + weeks * PITCH + 14, TOP + 7 * PITCH + 46
    font = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif"
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
            f' role="img" aria-label="{escape(headline(doc))}">'
        ),
        f"<title>tokledger {escape(headline(doc))}</title>",
        f'<rect class="background" width="{width}" height="{height}" rx="6" fill="{t["background"]}"/>',
        # Presentation attributes, not a <style> sheet: an SVG inlined into a page must not restyle the page.
        (
            f'<text x="{LEFT}" y="20" font-family="{font}" font-size="13" font-weight="600" fill="{t["heading"]}">'
            f"{escape(headline(doc))}</text>"
        ),
        f'<g font-family="{font}" font-size="10" fill="{t["text"]}">',
    ]
    for c in days:
        d = date.fromisoformat(c["date"])
        if d.day == 1 and c["week"] < weeks - 1:
            out.append(f'<text x="{LEFT + c["week"] * PITCH}" y="{TOP - 8}">{MONTHS[d.month - 1]}</text>')
    for row, name in ((1, "Mon"), (3, "Wed"), (5, "Fri")):
        out.append(f'<text x="4" y="{TOP + row * PITCH + 9}">{name}</text>')
    for c in days:
        x, y = LEFT + c["week"] * PITCH, TOP + c["weekday"] * PITCH
        all_unpriced = c["unpriced_requests"] and not c["cost_usd_priced"]  # not an empty $0 day
        stroke = f' stroke="{t["unpriced"]}" stroke-width="1"' if all_unpriced else ""
        out.append(
            f'<rect class="day" x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{grades[c[key]]}"'
            f'{stroke} data-date="{c["date"]}" data-level="{c[key]}"><title>{escape(_day_title(c))}</title></rect>'
        )
    y = TOP + 7 * PITCH + 14
    legend_x = width - 14 - 5 * PITCH - 60
    out.append(f'<text x="{legend_x}" y="{y + 9}">Less</text>')
    for i, colour in enumerate(grades):
        out.append(f'<rect class="legend" x="{legend_x + 28 + i * PITCH}" y="{y}" width="{CELL}" height="{CELL}"'
                   f' rx="2" fill="{colour}"/>')  # fmt: skip
    out.append(f'<text x="{legend_x + 32 + 5 * PITCH}" y="{y + 9}">More</text>')
    out.append(f'<text x="{LEFT}" y="{y + 9}">{escape(footer(doc))}</text>')
    note = " · * leaves out unpriced usage" if doc["summary"]["unpriced_requests"] else ""
    out.append(f'<text x="{LEFT}" y="{y + 25}">by {metric}{note} · tokledger</text>')
    out.append("</g>\n</svg>")
    return "\n".join(out) + "\n"


def to_rich(doc: dict, *, metric: str = "cost", palette: str = "green", width: int = 200):
    """The calendar as Rich text for a terminal (dark-background colours): two columns per week where the
    terminal has room (about 110 columns), else one."""
    from rich.text import Text

    grades = ["grey23", *PALETTES[palette]["dark"]]
    key = METRICS[metric]
    days = doc["contributions"]
    weeks = days[-1]["week"] + 1 if days else 53
    step = 2 if 4 + weeks * 2 <= width else 1
    grid: list[list[dict | None]] = [[None] * weeks for _ in range(7)]
    months = [" "] * (weeks * step + 2)
    for c in days:
        grid[c["weekday"]][c["week"]] = c
        d = date.fromisoformat(c["date"])
        if d.day == 1 and c["week"] < weeks - 1:
            at = c["week"] * step
            months[at : at + 3] = MONTHS[d.month - 1]
    text = Text(headline(doc) + "\n", style="bold")
    text.append("    " + "".join(months).rstrip() + "\n")
    for weekday, cells in enumerate(grid):
        text.append(f"{('', 'Mon', '', 'Wed', '', 'Fri', '')[weekday]:<4}")
        for c in cells:
            text.append("■ "[:step] if c else "  "[:step], style=grades[c[key]] if c else None)
        text.append("\n")
    text.append("    Less ")
    for colour in grades:
        text.append("■ ", style=colour)
    text.append(f"More  (by {metric})\n")
    text.append(footer(doc))
    return text
