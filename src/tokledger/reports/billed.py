"""The billed view: what the vendors charged, per provider per UTC day and per model — apart from the local logs.

Built from the providers' records (:mod:`tokledger.ledger.billed`), never from the assistants' logs. Tokens are
those of the records that count tokens. The cost of a provider's day is, in order:

- ``billed``: the vendor's own figures, where it reported a cost for that day (Anthropic's cost report,
  OpenAI's costs, Cursor's per-event cost) — then only those, so no dollar is counted twice;
- ``estimated``: else the price table's cost of the day's billed tokens (cloud metrics report no cost; cost
  reports arrive a day or more after the usage).

JSON (``tokledger billed --json``, ``/api/billed``)::

    {"report": "billed", "days": "UTC", "since": "2025-10-01", "until": null, "providers": ["anthropic_api"],
     "rows": [{"period": "2025-10-01", FIGURES, "sources": [{"source": ..., FIGURES}],
               "models": [{"source": ..., "model": ..., FIGURES}]}],
     "models": [{"period": MODEL, FIGURES, "sources": [NAME, ...]}],
     "sources": [{"source": ..., FIGURES}], "totals": FIGURES}

FIGURES: the six token counts and ``total_tokens``; ``requests`` (as the vendor counted them, 0 where it does
not), ``records`` (vendor buckets), ``cost_usd`` (null when part of it has no price), ``cost_usd_priced``,
``unpriced_records`` and ``basis`` (``billed``, ``estimated`` or ``mixed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tokledger.events import TOKEN_FIELDS
from tokledger.ledger import Ledger
from tokledger.ledger import billed as store
from tokledger.reports.format import integer, money_pusd
from tokledger.reports.periods import day_from_number, day_number

BASES = ("billed", "estimated", "mixed")


@dataclass
class Figures:
    tokens: list[int] = field(default_factory=lambda: [0] * 6)
    requests: int = 0
    records: int = 0
    priced_pusd: int = 0
    unpriced: int = 0
    bases: set[str] = field(default_factory=set)

    def add(self, other: Figures) -> None:
        self.tokens = [a + b for a, b in zip(self.tokens, other.tokens, strict=True)]
        self.requests += other.requests
        self.records += other.records
        self.priced_pusd += other.priced_pusd
        self.unpriced += other.unpriced
        self.bases |= other.bases

    @property
    def total_tokens(self) -> int:
        t = self.tokens
        return t[0] + t[1] + t[2] + t[4]

    @property
    def basis(self) -> str:
        return next(iter(self.bases)) if len(self.bases) == 1 else "mixed" if self.bases else "billed"

    def to_json(self) -> dict:
        out: dict = dict(zip(TOKEN_FIELDS, self.tokens, strict=True))
        priced = money_pusd(self.priced_pusd)
        out.update(total_tokens=self.total_tokens, requests=self.requests, records=self.records,
                   cost_usd=None if self.unpriced else priced, cost_usd_priced=priced,
                   unpriced_records=self.unpriced, basis=self.basis)  # fmt: skip
        return out


def _figures(s: store.DaySum, billed: bool) -> Figures:
    if billed:
        cost, unpriced = s.billed_pusd or 0, 0
    else:
        cost, unpriced = s.estimate_pusd, s.unpriced
    basis = "billed" if billed else "estimated"
    return Figures(list(s.tokens), s.requests, s.records, cost, unpriced, {basis})


def billed_view(ledger: Ledger, providers: Sequence[str] = (), since: date | None = None,
                until: date | None = None) -> dict:  # fmt: skip
    """The billed view's JSON document (see the module docstring) for these providers (all when none)."""
    start = day_number(since) * store.DAY_MS if since else None
    end = (day_number(until) + 1) * store.DAY_MS if until else None
    sums = store.day_sums(ledger, providers, start, end)
    with_cost = {(s.source, s.day) for s in sums if s.cost_records}
    days: dict[int, tuple[Figures, dict[str, Figures], dict[tuple[str, str], Figures]]] = {}
    models: dict[str, tuple[Figures, set[str]]] = {}
    by_source: dict[str, Figures] = {}
    totals = Figures()
    for s in sums:
        part = _figures(s, (s.source, s.day) in with_cost)
        row, sources, pairs = days.setdefault(s.day, (Figures(), {}, {}))
        for target in (row, sources.setdefault(s.source, Figures()), pairs.setdefault((s.source, s.model), Figures()),
                       by_source.setdefault(s.source, Figures()), totals):  # fmt: skip
            target.add(part)
        model, seen = models.setdefault(s.model, (Figures(), set()))
        model.add(part)
        seen.add(s.source)
    rows = []
    for number in sorted(days):
        row, sources, pairs = days[number]
        rows.append({"period": day_from_number(number).isoformat(), **row.to_json(),
                     "sources": [{"source": n, **f.to_json()} for n, f in sorted(sources.items())],
                     "models": [{"source": k[0], "model": k[1], **f.to_json()} for k, f in sorted(pairs.items())]})  # fmt: skip
    ranked = sorted(models.items(), key=lambda kv: (-kv[1][0].priced_pusd, -kv[1][0].total_tokens, kv[0]))
    return {
        "report": "billed", "days": "UTC", "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None, "providers": sorted(by_source), "rows": rows,
        "models": [{"period": name, **f.to_json(), "sources": sorted(seen)} for name, (f, seen) in ranked],
        "sources": [{"source": n, **f.to_json()} for n, f in sorted(by_source.items())], "totals": totals.to_json(),
    }  # fmt: skip


def to_tables(doc: dict) -> list:
    """Rich tables of the document: cost per provider per day, then cost per model."""
    from rich.table import Table

    from tokledger.reports.render import escape

    def cost(f: dict) -> str:
        if f["unpriced_records"] and not f["cost_usd_priced"]:
            return "unpriced"
        text = f"${f['cost_usd_priced']:,.2f}" + ("*" if f["unpriced_records"] else "")
        return text + {"billed": "", "estimated": " est.", "mixed": " part est."}[f["basis"]]

    t = doc["totals"]
    counted = t["requests"] > 0  # only some vendors count requests
    days = Table(title="Billed per provider and UTC day", title_justify="left")
    for name in ("Day", "Provider", "Tokens", *(("Requests",) if counted else ()), "Cost"):
        days.add_column(name, justify="left" if name in ("Day", "Provider") else "right", no_wrap=True)
    for row in doc["rows"]:
        for i, part in enumerate(row["sources"]):
            requests = (integer(part["requests"]),) if counted else ()
            days.add_row(row["period"] if i == 0 else "", escape(part["source"]), integer(part["total_tokens"]),
                         *requests, cost(part))  # fmt: skip
    requests = (integer(t["requests"]),) if counted else ()
    days.add_row("Total", "", integer(t["total_tokens"]), *requests, cost(t), style="bold")
    models = Table(title="Billed per model", title_justify="left")
    for name, justify in (("Model", "left"), ("Providers", "left"), ("Tokens", "right"), ("Cost", "right")):
        models.add_column(name, justify=justify, no_wrap=name != "Model")
    for m in doc["models"]:
        models.add_row(escape(m["period"]), ", ".join(m["sources"]), integer(m["total_tokens"]), cost(m))
    return [days, models]
