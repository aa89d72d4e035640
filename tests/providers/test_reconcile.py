"""Reconciliation on a fixture whose local and billed figures differ for known reasons."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from tests.providers.conftest import FIXTURES
from tokledger.providers import make_record, parse_time
from tokledger.providers.reconcile import (
    CAUSES,
    DayModelTotals,
    billed_totals,
    causes,
    normalize_model,
    reconcile,
    reconcile_json,  # fmt: skip
)

HERE = FIXTURES / "reconcile"
WHY = {  # (day, model) -> the causes the fixture was built to show
    ("2025-10-01", "claude-sonnet-4-5-20250929"): ["other_usage"],  # a server used the same org key
    ("2025-10-01", "claude-opus-4-1-20250805"): ["subscription"],  # Claude Code on a Team plan
    ("2025-10-02", "claude-sonnet-4-5-20250929"): [
        "cache_ttl"
    ],  # the bill has 1-hour writes, the log 5-minute
    ("2025-10-02", "claude-haiku-4-5-20251001"): ["unpriced"],  # no local price for the model
    ("2025-10-03", "gpt-5-2025-08-07"): ["rate_mismatch"],  # batch: half price
    ("2025-10-03", "gpt-5-mini-2025-08-07"): [],
    ("2025-10-03", "claude-sonnet-4-5-20250929"): [],  # Bedrock's id for the same model
    ("2025-10-03", "web_search"): ["non_token_cost"],
}


def _local() -> list[DayModelTotals]:
    rows = json.loads((HERE / "local.json").read_text())
    return [DayModelTotals(**{**r, "day": date.fromisoformat(r["day"]),
                              "cost_usd": None if r.get("cost_usd") is None else Decimal(r["cost_usd"])})
            for r in rows]  # fmt: skip


def _records():
    out = []
    for r in json.loads((HERE / "billed.json").read_text()):
        figures = {k: v for k, v in r.items() if k.endswith("_tokens")}
        cost = Decimal(r["cost"]) if r.get("cost") else None
        out.append(make_record(r["source"], r["report"], parse_time(r["start"]), r["bucket_seconds"], r["dims"],
                               r["model"], counts=frozenset(r["counts"]), cost=cost, **figures))  # fmt: skip
    return out


def test_every_difference_gets_its_known_cause():
    rows = reconcile(_local(), billed_totals(_records()))
    assert {(r.day.isoformat(), r.model): list(r.causes) for r in rows} == WHY


def test_figures_and_json_shape():
    doc = reconcile_json(reconcile(_local(), billed_totals(_records())))
    json.dumps(doc)  # JSON-able as it is
    assert doc["days"] == "UTC" and doc["causes"] == CAUSES
    rows = {(r["day"], r["model"]): r for r in doc["rows"]}
    more = rows[("2025-10-01", "claude-sonnet-4-5-20250929")]
    assert more["local"]["total_tokens"] == 113000 and more["billed"]["total_tokens"] == 226000
    assert more["difference"] == {"input_tokens": 1000, "output_tokens": 2000, "cache_write_tokens": 10000,
                                  "cache_write_1h_tokens": 0, "cache_read_tokens": 100000, "total_tokens": 113000,
                                  "cost_usd": 0.1005}  # fmt: skip
    assert more["causes"] == [{"cause": "other_usage", "explanation": CAUSES["other_usage"]}]
    plan = rows[("2025-10-01", "claude-opus-4-1-20250805")]
    assert plan["billed"]["total_tokens"] == 0 and plan["billed"]["plan_tokens"] == 5500
    assert plan["billed"]["cost_usd"] is None and plan["difference"]["cost_usd"] is None
    ttl = rows[("2025-10-02", "claude-sonnet-4-5-20250929")]
    assert ttl["difference"]["cache_write_1h_tokens"] == 10000 and ttl["difference"]["cost_usd"] == 0.0225
    assert rows[("2025-10-03", "gpt-5-2025-08-07")]["difference"]["cost_usd"] == -0.01
    assert (
        rows[("2025-10-03", "claude-sonnet-4-5-20250929")]["billed"]["cost_usd"] is None
    )  # cloud metrics: tokens only
    assert doc["totals"]["local"]["total_tokens"] == sum(r["local"]["total_tokens"] for r in doc["rows"])
    assert doc["totals"]["billed"]["cost_usd"] == 0.3048


def test_normalize_model():
    assert normalize_model("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5-20250929"
    assert normalize_model("anthropic.claude-3-5-haiku-20241022-v1:0") == "claude-3-5-haiku-20241022"
    assert normalize_model("claude-sonnet-4-5@20250929") == "claude-sonnet-4-5-20250929"
    assert normalize_model("openrouter/anthropic/claude-opus-4") == "claude-opus-4"
    assert normalize_model("models/gemini-2.5-pro") == "gemini-2.5-pro"


def test_small_differences_are_within_tolerance():
    day = date(2025, 10, 1)
    a = DayModelTotals(day, "m", input_tokens=100_000, cost_usd=Decimal("1.000"))
    b = DayModelTotals(day, "m", input_tokens=100_500, cost_usd=Decimal("1.004"))
    assert causes(a, b) == ()
    assert causes(a, DayModelTotals(day, "m", input_tokens=103_000, cost_usd=Decimal("1.03"))) == (
        "other_usage",
    )
    assert causes(a, DayModelTotals(day, "m")) == ("not_billed",)
    on_plan = DayModelTotals(day, "m", input_tokens=5, plan_tokens=5, cost_usd=Decimal("0.01"))
    assert causes(on_plan, DayModelTotals(day, "m")) == ("subscription",)
