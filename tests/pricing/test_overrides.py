"""A price added, changed or removed in the config reprices the events it affects, with no manual reprice."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import install_fixture
from tokledger.config import load_config
from tokledger.env import Env
from tokledger.reports import Query
from tokledger.reports.periods import zone
from tokledger.workspace import Workspace

MODEL = "claude-imaginary-9"


def _workspace(home, tmp_path, prices: str | None, db=None) -> Workspace:
    path = tmp_path / "config.toml"
    path.write_text(prices or "")
    return Workspace(Env(home=home, environ={"TZ": "UTC"}), db_path=db or tmp_path / "ledger.db",
                     config=load_config(path))  # fmt: skip


def _model_row(workspace: Workspace):
    report = workspace.report("model", Query(zone("UTC")))
    return next(r for r in report.rows if r.period == MODEL).totals


PRICE = f'[prices."{MODEL.upper()}"]\ninput = {{}}\noutput = 10\n'


def test_a_config_price_reprices_the_events_of_its_model(home, tmp_path, backend, request):
    install_fixture(home, "claude_code", "unknown_model.jsonl", ".claude/projects/-p/s.jsonl")
    db = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    with _workspace(home, tmp_path, None, db) as ws:
        ws.sync()
        before = ws.report("model", Query(zone("UTC")))
        assert _model_row(ws).unpriced_requests == 1
        others = [r.totals.priced_pusd for r in before.rows if r.period != MODEL]
    with _workspace(home, tmp_path, PRICE.format(1), db) as ws:  # names the model in other letters
        priced = _model_row(ws)
        assert priced.unpriced_requests == 0 and priced.cost_usd > 0
        after = ws.report("model", Query(zone("UTC")))
        assert [r.totals.priced_pusd for r in after.rows if r.period != MODEL] == others  # nothing else moved
        assert ws.ledger.rollup_differences() == []
        first = priced.cost_usd
    with _workspace(home, tmp_path, PRICE.format(3), db) as ws:
        assert _model_row(ws).cost_usd > first
        assert ws.events(Query(zone("UTC"), models=(MODEL,)), None)[0]["price_basis"].startswith(
            "config override"
        )
        assert ws.follow_prices() == 0  # seen once: nothing left to do
    with _workspace(home, tmp_path, None, db) as ws:  # removed again: unpriced, as the table has no price
        assert _model_row(ws).cost_usd is None
        assert ws.ledger.rollup_differences() == []


def test_an_unchanged_config_writes_nothing(home, tmp_path):
    install_fixture(home, "claude_code", "unknown_model.jsonl", ".claude/projects/-p/s.jsonl")
    with _workspace(home, tmp_path, PRICE.format(1)) as ws:
        ws.sync()
        assert _model_row(ws).cost_usd == Decimal(
            "0.011"
        )  # 1000 × $1 + 1000 × $10 per million, priced at sync, with the override
    with _workspace(home, tmp_path, PRICE.format(1)) as ws:
        assert ws.ledger.get_state("config.prices")
        assert ws.follow_prices() == 0
        assert ws.ledger.conn.total_changes == 0  # opening it wrote nothing


def test_the_workspace_checks_the_same_state_key():
    import inspect

    from tokledger.pricing.overrides import STATE_KEY

    # The workspace looks for this key before it loads any pricing, so a ledger that never had an override
    # opens without the price table.
    assert f'get_state("{STATE_KEY}")' in inspect.getsource(Workspace.follow_prices)
