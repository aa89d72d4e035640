"""Billed records in the ledger: replaced by key, events only where they count tokens, rollups exact, and
never in a report that does not name their source; on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.conftest import sync_all
from tests.web.conftest import write_usage
from tokledger.providers import CONTEXT, COST, TOKENS_AND_COST, make_record
from tokledger.reports import Query
from tokledger.workspace import Workspace

HOUR, DAY = 3600, 86400
SONNET = "claude-sonnet-4-5-20250929"
START = datetime(2025, 6, 1, 10, tzinfo=UTC)


def usage(model=SONNET, hour=10, **tokens):
    tokens = tokens or {"input_tokens": 1000, "output_tokens": 500, "cache_read_tokens": 20000}
    when = START.replace(hour=hour)
    return make_record("anthropic_api", "messages", when, HOUR, {"model": model, "hour": hour}, model,
                       provider="anthropic", project="wrkspc_1", **tokens)  # fmt: skip


def cost_line(amount="1.25", model=SONNET):
    return make_record("anthropic_api", "cost_report", START.replace(hour=0), DAY, {"model": model}, model,
                       counts=COST, cost=Decimal(amount), provider="anthropic")  # fmt: skip


def analytics():
    return make_record("anthropic_api", "claude_code", START.replace(hour=0), DAY, {"actor": "dev@example.com"},
                       SONNET, counts=CONTEXT, cost=Decimal("0.5"), input_tokens=777)  # fmt: skip


def cursor_event(cents="0.42"):
    return make_record("cursor", "usage_events", START, 0, {"model": "gpt-5"}, "gpt-5",
                       counts=TOKENS_AND_COST, cost=Decimal(cents), requests=1, input_tokens=300, output_tokens=40)  # fmt: skip


@pytest.fixture
def filled(backend, workspace: Workspace, env, home):
    """A synced workspace, on each engine."""
    write_usage(home)
    sync_all(workspace.ledger, env)
    return workspace


def daily(workspace: Workspace, *sources: str):
    return workspace.report("daily", Query(tz=workspace.config.zone(), sources=sources))


def test_only_records_that_count_tokens_become_events_and_rollups_stay_exact(filled: Workspace):
    local = daily(filled).totals
    store = filled.vendors.provider_store()
    records = [usage(), usage(hour=11), cost_line(), cost_line("0.2", "web_search"), analytics(),
               cursor_event()]  # fmt: skip
    store.record(records)
    assert filled.ledger.rollup_differences() == []
    sql = "SELECT COUNT(*) FROM events WHERE source = 'anthropic_api'"
    assert filled.ledger.conn.execute(sql).fetchone()[0] == 2  # usage buckets; cost lines, analytics beside

    assert daily(filled).totals == local  # no source named: the local logs alone
    billed = daily(filled, "anthropic_api").totals
    assert (billed.requests, billed.input_tokens, billed.cache_read_tokens) == (2, 2000, 40000)
    assert billed.unpriced_requests == 0 and billed.priced_pusd > 0  # priced at ingest as usual
    cursor = daily(filled, "cursor").totals
    assert cursor.priced_pusd == 420_000_000_000  # auto mode: the vendor's own cost of the event
    both = daily(filled, "claude_code", "anthropic_api").totals
    assert both.requests == local.requests + 2

    assert store.records(["anthropic_api", "cursor"]) == sorted(records, key=lambda r: r.event.timestamp)
    assert store.records(["cursor"], since=date(2025, 6, 1), until=date(2025, 6, 1)) == [records[-1]]
    assert store.records(["cursor"], since=date(2025, 6, 2)) == []


def test_a_record_read_again_replaces_what_its_key_held(filled: Workspace):
    store = filled.vendors.provider_store()
    store.record([usage(), cost_line()])
    store.record([usage(input_tokens=5, output_tokens=7), cost_line("3")])
    assert filled.ledger.rollup_differences() == []
    totals = daily(filled, "anthropic_api").totals
    assert (totals.requests, totals.input_tokens, totals.output_tokens) == (1, 5, 7)
    [line] = [r for r in store.records(["anthropic_api"]) if r.report == "cost_report"]
    assert line.event.logged_cost_usd == Decimal(3)

    context = make_record("anthropic_api", "messages", START, HOUR, {"model": SONNET, "hour": 10}, SONNET,
                          counts=CONTEXT, provider="anthropic", project="wrkspc_1", input_tokens=5)  # fmt: skip
    store.record([context])  # the same bucket, now counting nothing: its event goes
    assert filled.ledger.rollup_differences() == []
    assert daily(filled, "anthropic_api").rows == []
    assert len(store.records(["anthropic_api"])) == 2


def test_one_batch_with_the_same_key_twice_keeps_the_last(filled: Workspace):
    store = filled.vendors.provider_store()
    store.record([usage(), usage(input_tokens=9)])
    assert daily(filled, "anthropic_api").totals.input_tokens == 9
    assert filled.ledger.rollup_differences() == []


def test_every_local_view_leaves_billed_sources_out(filled: Workspace):
    zone = filled.config.zone()
    before = {kind: filled.report(kind, Query(tz=zone)).totals for kind in ("model", "project", "session")}
    events = filled.events(Query(tz=zone), None)
    filled.vendors.provider_store().record([usage(), usage(hour=12), cursor_event()])
    for kind, totals in before.items():
        assert filled.report(kind, Query(tz=zone)).totals == totals, kind
    assert filled.events(Query(tz=zone), None) == events
    assert filled.report("daily", Query(tz=zone, since=date(2025, 6, 1), until=date(2025, 6, 1))).rows[0].models.keys() == {
        ("claude_code", m) for m in ("claude-opus-4-1-20250805", SONNET, "my-local-model")
    }  # fmt: skip
    blocks = filled.blocks(Query(tz=zone, since=date(2025, 6, 1), until=date(2025, 6, 1)))
    assert blocks.totals.requests == 3


def test_repricing_keeps_billed_events_priced_and_exact(filled: Workspace):
    filled.vendors.provider_store().record([usage(), cursor_event()])
    before = daily(filled, "anthropic_api").totals
    filled.reprice()
    assert filled.ledger.rollup_differences() == []
    assert daily(filled, "anthropic_api").totals == before


def test_billed_view_takes_the_vendors_cost_where_it_gave_one(filled: Workspace):
    store = filled.vendors.provider_store()
    later = make_record("anthropic_api", "messages", datetime(2025, 6, 2, 9, tzinfo=UTC), HOUR, {"m": SONNET},
                        SONNET, provider="anthropic", input_tokens=100_000)  # fmt: skip
    store.record([usage(), usage(hour=11), cost_line("1.25"), cost_line("0.2", "web_search"), analytics(), later,
                  cursor_event()])  # fmt: skip
    doc = filled.billed()
    assert doc["providers"] == ["anthropic_api", "cursor"] and doc["days"] == "UTC"
    first, second = doc["rows"]
    assert first["period"] == "2025-06-01" and first["basis"] == "billed"
    by_source = {s["source"]: s for s in first["sources"]}
    assert by_source["anthropic_api"]["cost_usd"] == 1.45  # the cost lines, not the price of the tokens
    assert by_source["anthropic_api"]["input_tokens"] == 2000  # usage tokens only: analytics are context
    assert by_source["cursor"]["cost_usd"] == 0.42 and by_source["cursor"]["requests"] == 1
    assert second["period"] == "2025-06-02" and second["basis"] == "estimated"
    assert second["cost_usd"] == 0.3  # no cost line yet: the price table's $3 per million input tokens
    models = {m["period"]: m for m in doc["models"]}
    assert models["web_search"]["cost_usd"] == 0.2 and models["web_search"]["total_tokens"] == 0
    assert models[SONNET]["basis"] == "mixed" and models[SONNET]["cost_usd"] == 1.55
    assert doc["totals"]["cost_usd"] == 2.17
    assert filled.billed(["cursor"], since=date(2025, 6, 2))["rows"] == []
    assert [r["period"] for r in filled.billed(since=date(2025, 6, 2), until=date(2025, 6, 2))["rows"]] == [
        "2025-06-02"
    ]


def test_sources_lists_providers_with_records_as_billed(filled: Workspace):
    names = [s["source"] for s in filled.sources()]
    assert "anthropic_api" not in names  # neither configured nor recorded
    filled.vendors.provider_store().record([usage(), cost_line()])
    [row] = [s for s in filled.sources() if s["source"] == "anthropic_api"]
    assert row["accuracy"] == "billed" and row["events"] == 2 and row["found"]
    assert row["last_event"] == "2025-06-01T10:00:00Z" and row["last_sync"] is None
    assert {s["accuracy"] for s in filled.sources() if s["source"] != "anthropic_api"} <= {
        "exact", "estimated", "cost-only"
    }  # fmt: skip


def test_local_totals_for_reconciliation_come_from_the_local_logs(filled: Workspace):
    filled.vendors.provider_store().record([usage(model="claude-opus-4-1-20250805")])
    totals = filled.vendors.local_totals(date(2025, 6, 1), date(2025, 6, 1))
    assert {(t.day, t.model) for t in totals} == {
        (date(2025, 6, 1), m) for m in ("claude-opus-4-1-20250805", SONNET, "my-local-model")
    }
    opus = next(t for t in totals if t.model.startswith("claude-opus"))
    assert (opus.input_tokens, opus.requests) == (500, 1) and opus.cost_usd > 0
    local = next(t for t in totals if t.model == "my-local-model")
    assert local.cost_usd is None and local.unpriced_requests == 1


def test_every_provider_is_a_billed_source_from_the_start(workspace: Workspace):
    from tokledger.providers import PROVIDERS

    names = workspace.ledger.names(workspace.ledger.billed_sources())
    assert {names[i] for i in workspace.ledger.billed_sources()} == set(PROVIDERS)
