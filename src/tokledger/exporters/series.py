"""Totals → metric samples: the series every exporter sends, with their names and labels.

Series (all counters, cumulative since the ledger began, so ``increase()``/``rate()`` work on them):

| name | labels | value |
|---|---|---|
| ``tokledger_tokens_total`` | ``source``, ``model``, ``type``, ``host`` [, ``project``] [, ``user``] | tokens of one category |
| ``tokledger_reasoning_tokens_total`` | ``source``, ``model``, ``host`` [, ...] | the reasoning part of output |
| ``tokledger_cost_usd_total`` | ``source``, ``model``, ``host`` [, ...] | priced cost in USD |
| ``tokledger_requests_total`` | ``source``, ``model``, ``host`` [, ...] | billed requests |

``type`` is one of ``input``, ``output``, ``cache_write``, ``cache_read``: the four disjoint categories, so
``sum(tokledger_tokens_total)`` is the ledger's total tokens. Reasoning is inside output and therefore gets
its own series instead of a fifth ``type``, which would count it twice. There is no session label: the
number of series stays bounded by sources × models × hosts (× projects when enabled).

Label rules (Prometheus remote write 1.0): names match ``[a-zA-Z_][a-zA-Z0-9_]*``; labels are sent sorted by
name in byte order, and as every label name here is lowercase, ``__name__`` comes first; a label whose value
is empty is left out rather than sent empty. Totals that share a label set (for example two rows whose
project is hidden) are added together, so no series is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tokledger.exporters import MetricTotal

TOKENS = "tokledger_tokens_total"
REASONING = "tokledger_reasoning_tokens_total"
COST = "tokledger_cost_usd_total"
REQUESTS = "tokledger_requests_total"

TOKEN_TYPES = ("input", "output", "cache_write", "cache_read")
PICODOLLARS_PER_USD = 10**12

HELP = {
    TOKENS: "Tokens used, by disjoint category (type: input, output, cache_write, cache_read).",
    REASONING: "Reasoning tokens (already counted in the output tokens).",
    COST: "Priced cost in US dollars (unpriced requests add nothing).",
    REQUESTS: "Billed requests.",
}

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    """One series and its current value; ``labels`` exclude ``__name__`` and are sorted by name."""

    name: str
    labels: Labels
    value: float

    def label_pairs(self) -> Labels:
        """Every label, ``__name__`` included, in the order remote write requires (sorted by name)."""
        return tuple(sorted((("__name__", self.name), *self.labels)))


def _labels(**values: str | None) -> Labels:
    return tuple(sorted((name, value) for name, value in values.items() if value))


def _base_labels(total: MetricTotal) -> dict[str, str | None]:
    return {
        "source": total.source,
        "model": total.model,
        "host": total.host,
        "project": total.project,
        "user": total.user,
    }


def samples(totals: Iterable[MetricTotal]) -> list[Sample]:
    """The samples for ``totals``, summed per label set, in a stable order (by name, then labels)."""
    sums: dict[tuple[str, Labels], int] = {}

    def add(name: str, labels: Labels, value: int) -> None:
        sums[(name, labels)] = sums.get((name, labels), 0) + value

    for total in totals:
        base = _base_labels(total)
        counts = (total.input_tokens, total.output_tokens, total.cache_write_tokens, total.cache_read_tokens)
        for token_type, count in zip(TOKEN_TYPES, counts, strict=True):
            add(TOKENS, _labels(**base, type=token_type), count)
        labels = _labels(**base)
        add(REASONING, labels, total.reasoning_tokens)
        add(REQUESTS, labels, total.requests)
        add(COST, labels, total.cost_pusd)
    out = []
    for (name, labels), value in sorted(sums.items()):
        # Cost is summed in exact picodollars and turned into dollars once, at the edge.
        out.append(Sample(name, labels, value / PICODOLLARS_PER_USD if name == COST else float(value)))
    return out


def total_tokens(totals: Sequence[MetricTotal]) -> int:
    """The ledger's total tokens over ``totals`` (what ``sum(tokledger_tokens_total)`` must return)."""
    return sum(t.input_tokens + t.output_tokens + t.cache_write_tokens + t.cache_read_tokens for t in totals)
