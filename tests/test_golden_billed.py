"""Billed usage never reaches a local report: the golden ledger with provider records added among its events
still gives every golden document (``sources`` gains the providers' rows, accuracy "billed", and nothing else)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_golden import CASES, DAY_ZONES, HERE, WRITTEN_AT, _golden, _run
from tokledger.config import Config
from tokledger.env import Env
from tokledger.ledger import Ledger
from tokledger.providers import COST, TOKENS_AND_COST, make_record
from tokledger.workspace import Workspace

SONNET = "claude-sonnet-4-5-20250929"


def _records():
    """A month of billed buckets over the golden history's last weeks, for two providers."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for hour in range(0, 29 * 24, 7):
        when = start + timedelta(hours=hour)
        out.append(make_record("anthropic_api", "messages", when, 3600, {"model": SONNET}, SONNET,
                               provider="anthropic", project="a", input_tokens=1000 + hour, output_tokens=300))  # fmt: skip
        out.append(make_record("cursor", "usage_events", when + timedelta(minutes=20), 0, {"model": "gpt-5"},
                               "gpt-5", counts=TOKENS_AND_COST, cost=Decimal("0.03"), input_tokens=50))  # fmt: skip
    for day in range(29):
        out.append(make_record("anthropic_api", "cost_report", start + timedelta(days=day), 86400,
                               {"model": SONNET}, SONNET, counts=COST, cost=Decimal("1.5")))  # fmt: skip
    return out


@pytest.fixture(scope="module", params=[False, True], ids=["quarter-hours", "days"])
def with_billed(request, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("billed-golden") / "ledger.db"
    shutil.copyfile(HERE / "fixtures" / "ledgers" / "v2.db", db)
    if request.param:
        ledger = Ledger.open(db)
        for zone in DAY_ZONES:
            assert ledger.keep_days(zone)
        ledger.close()
    with Workspace(Env(home=db.parent, environ={}), db_path=db, config=Config()) as workspace:
        workspace.vendors.provider_store().record(_records())
        assert workspace.ledger.rollup_differences() == []
    return db


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_golden_document_leaves_billed_usage_out(name: str, with_billed: Path) -> None:
    doc = _run(with_billed, Path(WRITTEN_AT), CASES[name])
    if name == "sources":
        billed = [s for s in doc if s["accuracy"] == "billed"]
        assert [s["source"] for s in billed] == ["anthropic_api", "cursor"]
        doc = [s for s in doc if s["accuracy"] != "billed"]
    assert doc == _golden(name)
