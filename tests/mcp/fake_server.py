"""A test-only entry point: ``python -m tests.mcp.fake_server`` serves the MCP tools over a fake service."""

from __future__ import annotations

from datetime import date

from tokledger.mcp.server import serve


class FakeService:
    def usage_summary(self, period: str) -> dict:
        return {"report": "daily", "period": period, "rows": [{"period": "2025-06-01", "cost_usd": 1.5}],
                "totals": {"cost_usd": 1.5}, "unpriced": {"requests": 0, "models": []}}  # fmt: skip

    def budget_status(self) -> dict:
        return {
            "level": "warn",
            "exit_code": 1,
            "budgets": [{"key": "budget:global:*:daily_usd", "percent": 81.0}],
        }

    def top_sessions(self, n: int) -> dict:
        return {"sessions": [{"period": f"s{i}", "cost_usd": 10 - i} for i in range(n)]}

    def explain_cost(self, id: str) -> dict:
        if id != "msg_1":
            return {"found": False, "id": id}
        return {
            "found": True,
            "id": id,
            "events": [{"model": "claude-sonnet-4-5", "price_basis": "genai-prices"}],
        }


if __name__ == "__main__":
    serve(FakeService(), today=lambda: date(2025, 6, 4))
