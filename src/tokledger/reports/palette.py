"""One colour per model, the same in every panel of ``tokledger live`` and on the web page.

Models get the colours of :data:`MODEL_COLOURS` in the order they were first used (then by name), over the
whole ledger whatever a view filters: a model keeps its colour as new ones appear, and two models share one
only when more than :data:`MODEL_COLOURS` of them have been used (the oldest share with the newest). The
colours are mid-tones that read on dark and on light backgrounds; the web page gets the same assignment
from ``/api/palettes`` (``models``).
"""

from __future__ import annotations

from tokledger.ledger import Ledger, queries

MODEL_COLOURS = (
    "#4c8df6", "#f28c28", "#2fb344", "#e0457b", "#a371f7", "#d4a72c",
    "#19b5c4", "#e5534b", "#8fbf3a", "#c06bd1", "#b08862", "#8b9bb0",
)  # fmt: skip
"""Blue, orange, green, rose, violet, gold, cyan, red, lime, orchid, tan, slate."""


def assign(first_used: dict[str, int]) -> dict[str, str]:
    """Colours for models given the instant each was first used."""
    ordered = sorted(first_used, key=lambda m: (first_used[m], m))
    return {model: MODEL_COLOURS[i % len(MODEL_COLOURS)] for i, model in enumerate(ordered)}


def model_colours(ledger: Ledger) -> dict[str, str]:
    """Every model of the ledger with its colour."""
    return assign(queries.first_use(ledger))


def colour_of(colours: dict[str, str], model: str) -> str:
    """A model's colour; one the ledger does not hold yet (a view older than a sync) gets the last one."""
    return colours.get(model, MODEL_COLOURS[-1])
