"""One colour per model, the same in every panel of ``tokledger live`` and on the web page.

Models get the colours of :data:`MODEL_COLOURS` in the order of their lifetime cost (then tokens, then name),
over the whole ledger whatever a view filters. The models a view shows are nearly always among the costliest,
so they get distinct colours; two models share one only past :data:`MODEL_COLOURS` models, and then the
cheapest share with the costliest. The colours are mid-tones that read on dark and on light backgrounds;
the web page gets the same assignment from ``/api/palettes`` (``models``), with each source's colour and
display name (``sources``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tokledger.ledger import Ledger

MODEL_COLOURS = (
    "#4c8df6", "#f28c28", "#2fb344", "#e0457b", "#a371f7", "#d4a72c", "#19b5c4", "#e5534b",
    "#8fbf3a", "#c06bd1", "#b08862", "#8b9bb0", "#4fd1a5", "#6f7cf5", "#ff8a7a", "#a3a13a",
)  # fmt: skip
"""Blue, orange, green, rose, violet, gold, cyan, red, lime, orchid, tan, slate, mint, indigo, coral, olive."""
SOURCE_COLOURS = ("#2f81f7", "#f0883e", "#3fb950", "#db61a2", "#a371f7", "#d29922", "#39c5cf", "#f85149")
"""The lines of the web page's daily chart, one per source, in the order of the known sources."""


def assign(ranked: list[str]) -> dict[str, str]:
    """Colours for models in order, costliest first."""
    return {model: MODEL_COLOURS[i % len(MODEL_COLOURS)] for i, model in enumerate(ranked)}


def model_colours(ledger: Ledger) -> dict[str, str]:
    """Every model of the ledger with its colour."""
    from tokledger.reports import Query, usage_report

    report = usage_report(ledger, "model", Query(ZoneInfo("UTC")), parts=False)
    return assign([row.period for row in report.rows])  # the model report is ordered costliest first


def source_colours(sources: list[str]) -> dict[str, str]:
    return {name: SOURCE_COLOURS[i % len(SOURCE_COLOURS)] for i, name in enumerate(sources)}


def colour_of(colours: dict[str, str], model: str) -> str:
    """A model's colour; one the ledger does not hold yet (a view older than a sync) gets the last one."""
    return colours.get(model, MODEL_COLOURS[-1])
