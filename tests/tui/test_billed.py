"""The live dashboard's billed view: ``b`` shows what the vendors billed, apart from the local panels."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.tui.conftest import NOW, SONNET, async_test, demo_history, make_app, press, screen_text, settle
from tokledger.providers import COST, make_record
from tokledger.tui.billed import BilledScreen
from tokledger.tui.screens import MainScreen
from tokledger.workspace import Workspace

DAY = NOW.replace(hour=0, minute=0) - timedelta(days=1)


def _record(env, ledger) -> None:
    from tokledger.config import Config

    with Workspace(env, db_path=ledger.path, config=Config()) as workspace:
        workspace.vendors.provider_store().record([
            make_record("anthropic_api", "messages", DAY.replace(hour=9), 3600, {"model": SONNET}, SONNET,
                        input_tokens=40_000, output_tokens=2_000),
            make_record("anthropic_api", "cost_report", DAY, 86400, {"model": SONNET}, SONNET, counts=COST,
                        cost=Decimal("7.5")),
            make_record("bedrock", "token_metrics", NOW.replace(hour=8, minute=0), 3600, {"m": "x"},
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0", provider="aws", input_tokens=100_000),
        ])  # fmt: skip


@async_test
async def test_b_shows_the_billed_view_and_goes_back(ledger, env, transcripts):
    demo_history(transcripts)
    _record(env, ledger)
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        main = screen_text(app)
        assert "anthropic_api" not in main and "bedrock" not in main  # the panels sum the local logs alone
        await press(app, pilot, "b")
        assert isinstance(app.screen, BilledScreen)
        text = screen_text(app)
        assert "billed by the vendors │ 30 UTC days" in text
        assert "anthropic_api" in text and "$7.50" in text  # the cost report, not the price of the tokens
        assert "bedrock" in text and "$0.33 est." in text  # no cost in cloud metrics: priced from tokens
        assert SONNET in text
        await press(app, pilot, "r")
        assert app.screen.doc["providers"] == ["anthropic_api", "bedrock"]
        await press(app, pilot, "b")
        assert isinstance(app.screen, MainScreen)


@async_test
async def test_the_billed_view_without_providers(ledger, env):
    app = make_app(ledger, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "d", "b")
        assert "7 UTC days" in screen_text(app)
        assert "No billed usage in these days" in screen_text(app)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MainScreen)
