"""Reconciliation: what tokledger recorded on this machine against what the vendor billed, per day and model.

:func:`reconcile` is a pure function over two lists of :class:`DayModelTotals` — the local estimate (from
the assistants' logs, priced by tokledger) and the billed figures (from the providers; :func:`billed_totals`
builds them from :class:`~tokledger.providers.ProviderRecord` s). Days are **UTC days**, because the
vendors' daily buckets (cost reports) are; the local totals passed in must be summed per UTC day too.
Models are matched after :func:`normalize_model` (Bedrock and Vertex spell the same model differently).

Each row gets the likely causes of its differences, as codes with an explanation (:data:`CAUSES`):

- ``other_usage``: billed more than recorded here — other machines, apps, scripts or API keys;
- ``subscription``: recorded here, not billed, and the vendor reports the use under a subscription plan
  (Claude Code Pro/Max/Team), which is not billed per token;
- ``not_billed``: recorded here but billed less or nothing, with no plan reported — another account or
  workspace, or buckets the vendor has not filled yet;
- ``cache_ttl``: the same cache writes, split differently between 5-minute and 1-hour TTL;
- ``unpriced``: local requests without a price (a gap in the price table);
- ``rate_mismatch``: the same tokens at a different cost — batch or priority tier, long context, a price
  change or an override the bill does not know;
- ``non_token_cost``: billed for something that is not tokens (web search, code execution).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from tokledger.providers import ProviderRecord

CAUSES = {
    "other_usage": "billed more than recorded here: usage from other machines, apps or API keys",
    "subscription": "used here under a subscription plan, which is not billed per token",
    "not_billed": "recorded here but not billed: another account or workspace, or usage the vendor has not "
    "reported yet",
    "cache_ttl": "cache writes split differently between 5-minute and 1-hour TTL (1-hour writes cost 2x input, "
    "5-minute 1.25x)",
    "unpriced": "price table gap: local requests without a price",
    "rate_mismatch": "same tokens, different cost: the bill's rates differ from the price table (batch or "
    "priority tier, long context, a price change, an override)",
    "non_token_cost": "billed for something other than tokens (web search, code execution)",
}
TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
)
_REGION = re.compile(r"^(us|eu|apac|jp|au|ca|us-gov|global)\.")
_VENDOR = re.compile(r"^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|google)\.")
_VERSION = re.compile(r"-v\d+(:\d+)?$")


@dataclass(frozen=True)
class DayModelTotals:
    """Totals of one UTC day and model, local or billed.

    ``cost_usd`` is None where no cost is known (local: every request unpriced; billed: the vendor reports
    no cost, as with cloud metrics). ``unpriced_requests`` (local) counts requests without a price.
    ``plan_tokens`` counts tokens known to be used under a subscription plan: on the billed side the
    vendor reports them (Claude Code analytics); on the local side the user declared that an assistant
    runs under a plan.
    """

    day: date
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: Decimal | None = None
    requests: int = 0
    unpriced_requests: int = 0
    plan_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens

    def __add__(self, other: DayModelTotals) -> DayModelTotals:
        sums = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)
                if f.name not in ("day", "model", "cost_usd")}  # fmt: skip
        costs = [c for c in (self.cost_usd, other.cost_usd) if c is not None]
        return replace(self, cost_usd=sum(costs, Decimal(0)) if costs else None, **sums)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in TOKEN_FIELDS}
        out["total_tokens"] = self.total_tokens
        out["cost_usd"] = _usd(self.cost_usd)
        out["requests"] = self.requests
        out["unpriced_requests"] = self.unpriced_requests
        out["plan_tokens"] = self.plan_tokens
        return out


@dataclass(frozen=True)
class ReconcileRow:
    day: date
    model: str
    local: DayModelTotals
    billed: DayModelTotals
    causes: tuple[str, ...]

    @property
    def token_difference(self) -> int:
        return self.billed.total_tokens - self.local.total_tokens

    @property
    def cost_difference(self) -> Decimal | None:
        if self.local.cost_usd is None or self.billed.cost_usd is None:
            return None
        return self.billed.cost_usd - self.local.cost_usd

    def to_json(self) -> dict[str, Any]:
        diff: dict[str, Any] = {n: getattr(self.billed, n) - getattr(self.local, n) for n in TOKEN_FIELDS}
        diff["total_tokens"] = self.token_difference
        diff["cost_usd"] = _usd(self.cost_difference)
        return {"day": self.day.isoformat(), "model": self.model, "local": self.local.to_json(),
                "billed": self.billed.to_json(), "difference": diff,
                "causes": [{"cause": c, "explanation": CAUSES[c]} for c in self.causes]}  # fmt: skip


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 6))


def normalize_model(model: str) -> str:
    """One spelling per model: no router or region prefix, no Bedrock version suffix, Vertex ``@`` as ``-``."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    name = _VENDOR.sub("", _REGION.sub("", name))
    return _VERSION.sub("", name).replace("@", "-")


def _group(totals: Iterable[DayModelTotals]) -> dict[tuple[date, str], DayModelTotals]:
    out: dict[tuple[date, str], DayModelTotals] = {}
    for t in totals:
        key = (t.day, normalize_model(t.model))
        t = replace(t, model=key[1])
        out[key] = out[key] + t if key in out else t
    return out


def _close(a: int | Decimal, b: int | Decimal, relative: Decimal, absolute: Decimal) -> bool:
    return abs(Decimal(a) - Decimal(b)) <= max(absolute, relative * max(abs(Decimal(a)), abs(Decimal(b))))


def causes(local: DayModelTotals, billed: DayModelTotals, tolerance: Decimal = Decimal("0.01"),
           cost_tolerance: Decimal = Decimal("0.001")) -> tuple[str, ...]:  # fmt: skip
    """The likely causes of the differences between one day and model's local and billed totals."""
    found: list[str] = []
    lt, bt = local.total_tokens, billed.total_tokens
    tokens_match = _close(lt, bt, tolerance, Decimal(1))
    if not tokens_match and bt > lt:
        found.append("other_usage")
    elif not tokens_match:
        on_plan = billed.plan_tokens > 0 or local.plan_tokens > 0
        found.append("subscription" if on_plan and bt <= tolerance * lt else "not_billed")
    if local.unpriced_requests > 0 or (lt > 0 and local.cost_usd is None):
        found.append("unpriced")
    writes_match = _close(local.cache_write_tokens, billed.cache_write_tokens, tolerance, Decimal(1))
    ttl_differs = not _close(local.cache_write_1h_tokens, billed.cache_write_1h_tokens, tolerance, Decimal(1))
    if local.cache_write_tokens and writes_match and ttl_differs:
        found.append("cache_ttl")
    diff = None if local.cost_usd is None or billed.cost_usd is None else billed.cost_usd - local.cost_usd
    explained = "cache_ttl" in found or "unpriced" in found
    if tokens_match and lt and diff is not None and not explained and not _close(local.cost_usd, billed.cost_usd,
                                                                               tolerance, cost_tolerance):  # fmt: skip
        found.append("rate_mismatch")
    if bt == 0 and lt == 0 and billed.cost_usd:
        found.append("non_token_cost")
    return tuple(found)


def reconcile(local: Iterable[DayModelTotals], billed: Iterable[DayModelTotals], *,
              tolerance: Decimal = Decimal("0.01"), cost_tolerance: Decimal = Decimal("0.001")) -> list[ReconcileRow]:  # fmt: skip
    """Per UTC day and model: both sides, their differences and the likely causes, sorted by day and model.

    ``tolerance`` is relative (1 %); ``cost_tolerance`` an absolute floor in USD for cost comparisons.
    """
    mine, theirs = _group(local), _group(billed)
    rows = []
    for day, model in sorted(set(mine) | set(theirs)):
        empty = DayModelTotals(day=day, model=model)
        a, b = mine.get((day, model), empty), theirs.get((day, model), empty)
        rows.append(ReconcileRow(day, model, a, b, causes(a, b, tolerance, cost_tolerance)))
    return rows


def reconcile_json(rows: list[ReconcileRow]) -> dict[str, Any]:
    """The JSON form: rows, overall totals of each side and their difference, and the cause glossary."""
    zero = DayModelTotals(day=date(1970, 1, 1), model="")
    local = sum((r.local for r in rows), zero)
    billed = sum((r.billed for r in rows), zero)
    total = ReconcileRow(zero.day, "", local, billed, ())
    totals = total.to_json()
    return {"days": "UTC", "rows": [r.to_json() for r in rows],
            "totals": {k: totals[k] for k in ("local", "billed", "difference")}, "causes": CAUSES}  # fmt: skip


def billed_totals(records: Iterable[ProviderRecord]) -> list[DayModelTotals]:
    """Billed totals per UTC day and model from provider records, counting each figure once.

    Tokens come from records that count tokens, cost from records that count cost; context records
    (Claude Code analytics) add only ``plan_tokens``, for use under a subscription plan.
    """
    out: dict[tuple[date, str], DayModelTotals] = {}
    for rec in records:
        e = rec.event
        day = e.timestamp.astimezone(UTC).date()
        part = DayModelTotals(day=day, model=e.model)
        if "tokens" in rec.counts:
            part = replace(part, requests=rec.requests or 0, **{n: getattr(e, n) for n in TOKEN_FIELDS})
        if "cost" in rec.counts and e.logged_cost_usd is not None:
            part = replace(part, cost_usd=e.logged_cost_usd)
        if not rec.counts and rec.dims.get("customer_type") == "subscription":
            part = replace(part, plan_tokens=e.total_tokens)
        key = (day, e.model)
        out[key] = out[key] + part if key in out else part
    return list(out.values())
